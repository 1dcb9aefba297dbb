import { createHash } from 'node:crypto';
import { closeSync, fdatasyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { canonicalJson } from '../../util/canonical-json.ts';

export { canonicalJson };

export interface Transaction {
  txId: string;
  type: string;
  payload: unknown;
  timestamp: string;
}

export interface Block {
  number: number;
  prevHash: string;
  timestamp: string;
  txs: Transaction[];
  hash: string;
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
export function verifyChain(text: string): ChainCheck {
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
  readonly recoveredTornWrite: boolean;

  private constructor(fd: number, height: number, lastHash: string, recovered: boolean) {
    this.fd = fd;
    this.height = height;
    this.lastHash = lastHash;
    this.recoveredTornWrite = recovered;
  }

  static open(path: string): BlockLog {
    const fd = openSync(path, 'a+');
    const text = readFileSync(path, 'utf8');
    // A block and its newline go out in one write: a crash mid-append leaves a tail without a newline.
    const kept = text.slice(0, text.lastIndexOf('\n') + 1);
    const check = verifyChain(kept);
    if (!check.ok) {
      closeSync(fd);
      throw new Error(`${path}: ${check.problem}; the log was altered, not torn (run \`empirectl ledger verify\`)`);
    }
    const recovered = kept.length !== text.length;
    if (recovered) {
      ftruncateSync(fd, Buffer.byteLength(kept));
      fdatasyncSync(fd);
    }
    const lines = kept.split('\n').filter(Boolean);
    const last = lines.length ? (JSON.parse(lines[lines.length - 1]) as Block) : undefined;
    return new BlockLog(fd, lines.length, last?.hash ?? GENESIS_HASH, recovered);
  }

  get blocks(): number {
    return this.height;
  }

  /** Resolves with the block holding `tx` once that block is on disk. */
  append(tx: Transaction): Promise<Block> {
    if (this.closed) return Promise.reject(new Error('the block log is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ tx, resolve, reject });
      if (!this.flushing) setImmediate(() => this.flush());
      this.flushing = true;
    });
  }

  private flush(): void {
    const batch = this.queue.splice(0);
    if (!batch.length) {
      this.flushing = false;
      return;
    }
    const header = { number: this.height, prevHash: this.lastHash, timestamp: new Date().toISOString(), txs: batch.map((b) => b.tx) };
    const block: Block = { ...header, hash: blockHash(header) };
    try {
      writeSync(this.fd, `${JSON.stringify(block)}\n`);
      fdatasyncSync(this.fd);
    } catch (error) {
      for (const item of batch) item.reject(error as Error);
      this.flushing = false;
      return;
    }
    this.height++;
    this.lastHash = block.hash;
    for (const item of batch) item.resolve(block);
    if (this.queue.length) setImmediate(() => this.flush());
    else this.flushing = false;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
