import { createHash } from 'node:crypto';
import { closeSync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { canonicalJson } from '../../util/canonical-json.ts';
import { cutTornTail, wholeLines } from '../../util/line-files.ts';

export { canonicalJson };

/** Whatever a ledger puts in a block; the log only needs its id. */
export interface Transaction {
  txId: string;
}

export interface Block<T extends Transaction = Transaction> {
  number: number;
  prevHash: string;
  timestamp: string;
  txs: T[];
  hash: string;
}

export interface BlockLogOptions {
  /** Runs before a block is written: what the block refers to (private data) must be on disk first. */
  beforeWrite?: () => void;
}

const GENESIS_HASH = '0'.repeat(64);

export function blockHash(block: Omit<Block, 'hash'>): string {
  return createHash('sha256').update(canonicalJson({ number: block.number, prevHash: block.prevHash, timestamp: block.timestamp, txs: block.txs })).digest('hex');
}

export interface ChainCheck {
  ok: boolean;
  blocks: number;
  /** The first block that does not hash or link, if any. */
  firstBadBlock?: number;
  problem?: string;
}

/** Recomputes the chain of a block file's text: each block's hash and its link to the one before. */
export function verifyChain(text: string, onBlock?: (block: Block) => void): ChainCheck {
  let prevHash = GENESIS_HASH;
  const lines = text.split('\n').filter((l, i, all) => l.length || i < all.length - 1);
  for (let i = 0; i < lines.length; i++) {
    let block: Block;
    try {
      block = JSON.parse(lines[i]) as Block;
    } catch {
      return { ok: false, blocks: i, firstBadBlock: i, problem: `block ${i} is not valid JSON` };
    }
    if (block.number !== i) return { ok: false, blocks: i, firstBadBlock: i, problem: `block ${i} says it is number ${block.number}` };
    if (block.prevHash !== prevHash) return { ok: false, blocks: i, firstBadBlock: i, problem: `block ${i} does not link to block ${i - 1}` };
    if (blockHash(block) !== block.hash) return { ok: false, blocks: i, firstBadBlock: i, problem: `block ${i}'s contents do not match its hash` };
    prevHash = block.hash;
    onBlock?.(block);
  }
  return { ok: true, blocks: lines.length };
}

/**
 * An append-only, hash-chained block file, one JSON block per line. Appends
 * that arrive while a write is in flight are committed together (one write,
 * one fdatasync) and each is acknowledged only after that fsync: batching
 * never acknowledges what a crash could lose. On open, a torn last write (a
 * crash mid-append) is cut off; earlier damage is refused.
 */
export class BlockLog {
  private readonly fd: number;
  private height: number;
  private lastHash: string;
  private queue: { tx: Transaction; resolve: (block: Block) => void; reject: (error: Error) => void }[] = [];
  private flushing = false;
  private closed = false;
  /** A failed write leaves the file's tail unknown: the log refuses further appends until it is reopened (and recovered). */
  private failed?: Error;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;
  private readonly options: BlockLogOptions;
  readonly recoveredTornWrite: boolean;

  private constructor(fd: number, height: number, lastHash: string, recovered: boolean, options: BlockLogOptions) {
    this.fd = fd;
    this.height = height;
    this.lastHash = lastHash;
    this.recoveredTornWrite = recovered;
    this.options = options;
  }

  /** Opens (or creates) the log, replaying each verified block through `onBlock` in order. */
  static open(path: string, onBlock?: (block: Block) => void, options: BlockLogOptions = {}): BlockLog {
    const fd = openSync(path, 'a+');
    // A block and its newline go out in one write: a crash mid-append leaves a tail without a newline.
    const lines = wholeLines(readFileSync(path, 'utf8'));
    let last: Block | undefined;
    const check = verifyChain(lines.kept, (block) => {
      last = block;
      onBlock?.(block);
    });
    if (!check.ok) {
      closeSync(fd);
      throw new Error(`${path}: ${check.problem}; the log was altered, not torn (run \`empirectl ledger verify\`)`);
    }
    cutTornTail(fd, lines);
    return new BlockLog(fd, check.blocks, (last as Block | undefined)?.hash ?? GENESIS_HASH, lines.torn, options);
  }

  get blocks(): number {
    return this.height;
  }

  /** Resolves with the block holding `tx` once that block is on disk. */
  append(tx: Transaction): Promise<Block> {
    if (this.closed) return Promise.reject(new Error('the block log is closed'));
    if (this.failed) return Promise.reject(new Error(`the block log failed to write (${this.failed.message}); reopen it to recover`));
    return new Promise((resolve, reject) => {
      this.queue.push({ tx, resolve, reject });
      if (!this.flushing) {
        this.idle = new Promise((done) => (this.markIdle = done));
        setImmediate(() => this.flush());
      }
      this.flushing = true;
    });
  }

  /** Resolves once everything appended so far is on disk (or has failed). */
  settled(): Promise<void> {
    return this.idle;
  }

  private flush(): void {
    const batch = this.queue.splice(0);
    if (!batch.length) {
      this.flushing = false;
      this.markIdle();
      return;
    }
    const header = { number: this.height, prevHash: this.lastHash, timestamp: new Date().toISOString(), txs: batch.map((b) => b.tx) };
    const block: Block = { ...header, hash: blockHash(header) };
    try {
      this.options.beforeWrite?.();
      writeSync(this.fd, `${JSON.stringify(block)}\n`);
      fdatasyncSync(this.fd);
    } catch (error) {
      this.failed = error as Error;
      for (const item of [...batch, ...this.queue.splice(0)]) item.reject(error as Error);
      this.flushing = false;
      this.markIdle();
      return;
    }
    this.height++;
    this.lastHash = block.hash;
    for (const item of batch) item.resolve(block);
    if (this.queue.length) setImmediate(() => this.flush());
    else {
      this.flushing = false;
      this.markIdle();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
