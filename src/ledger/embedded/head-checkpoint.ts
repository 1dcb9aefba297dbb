import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ensureDirDurably, nodeFileSystem, type FileSystem } from '../../util/file-system.ts';
import { replaceFileDurably } from '../../util/line-files.ts';

/** How far the block log reached: its block count and the hash of its last block. */
export interface LedgerHead {
  height: number;
  hash: string;
}

/**
 * The ledger's head kept outside its volume, so that someone who can write
 * the volume cannot cut verdicts off its end unnoticed: opening refuses a
 * chain behind its checkpoint. Writes never move the head backwards.
 */
export interface HeadCheckpoint {
  /** Where the head is kept, for messages (e.g. `ConfigMap cloud-empire/cloud-empire-ledger-head`). */
  readonly where: string;
  read(): Promise<LedgerHead | undefined>;
  /** Stores `head`; refuses (throws) when the stored head is ahead of it, which means another writer. */
  write(head: LedgerHead): Promise<void>;
}

const HASH = /^[0-9a-f]{64}$/;

/** Checks a head read from outside: a clear error naming where it came from, never a crash. */
export function parseHead(raw: unknown, where: string): LedgerHead {
  const head = raw as Partial<LedgerHead> | undefined;
  if (!head || !Number.isInteger(head.height) || (head.height as number) < 0 || typeof head.hash !== 'string' || !HASH.test(head.hash)) {
    throw new Error(
      `${where}: the ledger head must be {"height": a non-negative integer, "hash": 64 hex digits}; restore it, or delete it to trust the log as it is`,
    );
  }
  return { height: head.height as number, hash: head.hash };
}

/** `HEIGHT:HASH`, as `empirectl ledger verify --expect-head` takes it. */
export function parseHeadText(text: string, where: string): LedgerHead {
  const [height, hash] = text.split(':');
  return parseHead({ height: /^\d+$/.test(height ?? '') ? Number(height) : NaN, hash }, where);
}

export function formatHead(head: LedgerHead): string {
  return `${head.height}:${head.hash}`;
}

/**
 * The head in a file (on another volume than the ledger's, or a host path):
 * for a single machine without a host cluster, tests and benchmarks. Given
 * no file-system seam, it writes with asynchronous I/O, so a checkpoint
 * overlaps the block log's own writes as a ConfigMap update would.
 */
export class FileHeadCheckpoint implements HeadCheckpoint {
  readonly where: string;
  private readonly path: string;
  private readonly fs?: FileSystem;
  private stored?: LedgerHead;

  constructor(path: string, fs?: FileSystem) {
    this.path = path;
    this.fs = fs;
    this.where = `file ${path}`;
  }

  async read(): Promise<LedgerHead | undefined> {
    const fs = this.fs ?? nodeFileSystem;
    if (!fs.exists(this.path)) return undefined;
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFile(this.path));
    } catch {
      raw = undefined;
    }
    return (this.stored = parseHead(raw, this.where));
  }

  async write(head: LedgerHead): Promise<void> {
    const stored = this.stored ?? (await this.read());
    if (stored && stored.height > head.height)
      throw new Error(`${this.where} is at block ${stored.height}, ahead of this ledger's ${head.height}: another writer uses it`);
    ensureDirDurably(this.fs ?? nodeFileSystem, dirname(this.path));
    if (this.fs) replaceFileDurably(this.path, JSON.stringify(head), this.fs);
    else await replaceFileDurablyAsync(this.path, JSON.stringify(head));
    this.stored = head;
  }
}

async function replaceFileDurablyAsync(path: string, content: string): Promise<void> {
  const temporary = `${path}.tmp`;
  const file = await open(temporary, 'w', 0o600);
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * Keeps a checkpoint up with the log: writes are coalesced (one in flight;
 * the next carries the newest head), so a busy ledger checkpoints once per
 * round trip, not once per block, and each waiter learns when the
 * checkpoint has reached its block. `failing` says the last write failed.
 */
export class CheckpointWriter {
  private readonly checkpoint: HeadCheckpoint;
  private written: number;
  private target?: LedgerHead;
  private running?: Promise<void>;
  private lastError?: Error;
  private waiters: { height: number; resolve: () => void; reject: (error: Error) => void }[] = [];

  constructor(checkpoint: HeadCheckpoint, written: number) {
    this.checkpoint = checkpoint;
    this.written = written;
  }

  get where(): string {
    return this.checkpoint.where;
  }

  get failing(): Error | undefined {
    return this.lastError;
  }

  /** Resolves once the checkpoint holds `head` or a later one; rejects when writing it failed. */
  reach(head: LedgerHead): Promise<void> {
    if (head.height <= this.written) return Promise.resolve();
    if (!this.target || head.height > this.target.height) this.target = head;
    const reached = new Promise<void>((resolve, reject) => this.waiters.push({ height: head.height, resolve, reject }));
    this.running ??= this.run().finally(() => (this.running = undefined));
    return reached;
  }

  /** Resolves when no write is in flight. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private settle(height: number, error?: Error): void {
    const done = this.waiters.filter((w) => w.height <= height);
    this.waiters = this.waiters.filter((w) => w.height > height);
    for (const waiter of done) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  private async run(): Promise<void> {
    while (this.target && this.target.height > this.written) {
      const head = this.target;
      try {
        await this.checkpoint.write(head);
        this.written = head.height;
        this.lastError = undefined;
        this.settle(head.height);
      } catch (error) {
        this.lastError = error as Error;
        this.settle(head.height, error as Error);
        if (this.target === head) return;
      }
    }
  }
}
