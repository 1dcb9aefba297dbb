import { canonicalJson } from '../../util/canonical-json.ts';
import { nodeFileSystem, openForAppend, type FileSystem } from '../../util/file-system.ts';
import { parseJsonRecord, readRecordLines, repairTail, type RecordLines } from '../../util/line-files.ts';
import { sha256Hex } from '../../util/sha256.ts';
import { signedBytes, type BlockSigner, type BlockVerifier } from './block-signature.ts';
import type { LedgerHead } from './head-checkpoint.ts';

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
  /** The operator's signature over the hash (base64url). */
  signature: string;
}

export interface BlockLogOptions {
  /** Signs each new block and checks every block read back. */
  signer: BlockSigner;
  /** The head kept outside the volume: the log must reach it, with the same hash. */
  expectHead?: LedgerHead;
  /** Each verified block, in order, as the log is opened. */
  onBlock?: (block: Block) => void;
  /** Runs before a block is written: what the block refers to (private data) must be on disk first. */
  beforeWrite?: () => void;
  fs?: FileSystem;
}

export const GENESIS_HASH = '0'.repeat(64);

export function blockHash(block: Omit<Block, 'hash' | 'signature'>): string {
  return sha256Hex(canonicalJson({ number: block.number, prevHash: block.prevHash, timestamp: block.timestamp, txs: block.txs }));
}

export interface ChainCheck {
  ok: boolean;
  blocks: number;
  /** The head of the blocks that verify. */
  head: LedgerHead;
  /** The first block that does not hash, link or carry the operator's signature, if any. */
  firstBadBlock?: number;
  problem?: string;
}

function blockProblem(block: Block, i: number, prevHash: string, verifier: BlockVerifier | undefined): string | undefined {
  if (block.number !== i) return `block ${i} says it is number ${block.number}`;
  if (block.prevHash !== prevHash) return `block ${i} does not link to block ${i - 1}`;
  if (!Array.isArray(block.txs) || blockHash(block) !== block.hash) return `block ${i}'s contents do not match its hash`;
  if (!verifier) return undefined;
  if (typeof block.signature !== 'string' || !block.signature) return `block ${i} is not signed`;
  if (!verifier.verify(signedBytes(block.hash), block.signature)) return `block ${i} is not signed by the operator ${verifier.did} (forged or re-signed)`;
  return undefined;
}

/**
 * Recomputes a chain of blocks: each block's hash, its link to the one
 * before and, given the operator's key, its signature. Without a verifier
 * the check is only against accidental damage: anyone can recompute hashes.
 */
export function verifyChain(blocks: Block[], verifier?: BlockVerifier, onBlock?: (block: Block) => void): ChainCheck {
  let head: LedgerHead = { height: 0, hash: GENESIS_HASH };
  for (let i = 0; i < blocks.length; i++) {
    const problem = blockProblem(blocks[i], i, head.hash, verifier);
    if (problem) return { ok: false, blocks: i, head, firstBadBlock: i, problem };
    head = { height: i + 1, hash: blocks[i].hash };
    onBlock?.(blocks[i]);
  }
  return { ok: true, blocks: blocks.length, head };
}

/** Why a chain's head falls short of the head checkpointed outside the volume, if it does. */
export function behindCheckpoint(chain: Block[], expected: LedgerHead, where: string): string | undefined {
  if (expected.height === 0) return undefined;
  if (chain.length < expected.height) {
    return `the log holds ${chain.length} block(s), but ${where} says the ledger reached block ${expected.height}: blocks were cut off or the log was replaced`;
  }
  if (chain[expected.height - 1].hash !== expected.hash) {
    return `block ${expected.height - 1} is not the one ${where} recorded (hash ${expected.hash.slice(0, 12)}…): the history was rewritten`;
  }
  return undefined;
}

/** A block file's lines: whole blocks, and whether the last is torn. */
export function readBlocks(text: string, what: string): RecordLines<Block> {
  return readRecordLines(text, (line) => parseJsonRecord<Block>(line), what);
}

type Waiter = { tx?: Transaction; resolve: (block: Block | undefined) => void; reject: (error: Error) => void };

/**
 * An append-only, hash-chained, signed block file, one JSON block per line.
 * Appends that arrive while a write is in flight are committed together (one
 * write, one fdatasync) and each is acknowledged only after that fsync:
 * batching never acknowledges what a crash could lose. On open, a torn last
 * write (a crash mid-append) is cut off; any other damage is refused.
 */
export class BlockLog {
  private readonly fs: FileSystem;
  private readonly fd: number;
  private readonly signer: BlockSigner;
  private height: number;
  private lastHash: string;
  private queue: Waiter[] = [];
  private flushing = false;
  private closed = false;
  /** A failed write leaves the file's tail unknown: the log refuses further appends until it is reopened (and recovered). */
  private failed?: Error;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;
  private readonly beforeWrite?: () => void;
  readonly recoveredTornWrite: boolean;
  private readonly path: string;
  /** The file's length as this writer left it: any other length means another process appended. */
  private length: number;

  private constructor(fs: FileSystem, path: string, fd: number, head: LedgerHead, recovered: boolean, options: BlockLogOptions) {
    this.fs = fs;
    this.path = path;
    this.fd = fd;
    this.length = fs.size(fd);
    this.height = head.height;
    this.lastHash = head.hash;
    this.recoveredTornWrite = recovered;
    this.signer = options.signer;
    this.beforeWrite = options.beforeWrite;
  }

  /** Opens (or creates) the log, replaying each verified block through `onBlock` in order. */
  static open(path: string, options: BlockLogOptions): BlockLog {
    const fs = options.fs ?? nodeFileSystem;
    const fd = openForAppend(fs, path);
    try {
      // A block and its newline go out in one write: only the last line can be torn.
      const lines = readBlocks(fs.readFile(path), path);
      const behind = options.expectHead && behindCheckpoint(lines.records, options.expectHead, 'the checkpoint');
      const check = behind ? undefined : verifyChain(lines.records, options.signer, options.onBlock);
      if (behind || !check!.ok) throw new Error(`${path}: ${behind ?? check!.problem}; the log was altered, not torn (run \`empirectl ledger verify\`)`);
      repairTail(fs, fd, lines);
      return new BlockLog(fs, path, fd, check!.head, lines.torn, options);
    } catch (error) {
      fs.close(fd);
      throw error;
    }
  }

  get blocks(): number {
    return this.height;
  }

  get head(): LedgerHead {
    return { height: this.height, hash: this.lastHash };
  }

  /** Resolves with the block holding `tx` once that block is on disk. */
  append(tx: Transaction): Promise<Block> {
    return this.enqueue(tx) as Promise<Block>;
  }

  /** Resolves once everything appended before this call is on disk, with the head then. */
  async durable(): Promise<LedgerHead> {
    await this.enqueue(undefined);
    return this.head;
  }

  /** Resolves once everything appended so far is on disk (or has failed). */
  settled(): Promise<void> {
    return this.idle;
  }

  private enqueue(tx: Transaction | undefined): Promise<Block | undefined> {
    if (this.closed) return Promise.reject(new Error('the block log is closed'));
    if (this.failed) return Promise.reject(new Error(`the block log failed to write (${this.failed.message}); reopen it to recover`));
    if (!tx && !this.flushing) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      this.queue.push({ tx, resolve, reject });
      if (!this.flushing) {
        this.idle = new Promise((done) => (this.markIdle = done));
        setImmediate(() => this.flush());
      }
      this.flushing = true;
    });
  }

  private flush(): void {
    const batch = this.queue.splice(0);
    const txs = batch.flatMap((b) => (b.tx ? [b.tx] : []));
    let block: Block | undefined;
    if (txs.length) {
      const header = { number: this.height, prevHash: this.lastHash, timestamp: new Date().toISOString(), txs };
      const hash = blockHash(header);
      block = { ...header, hash, signature: this.signer.sign(signedBytes(hash)) };
      const line = `${JSON.stringify(block)}\n`;
      try {
        // A second process appending to the same file (a replica that lost its lease but woke up still
        // writing, two operators on one volume) would fork the chain: whoever sees the other's bytes stops.
        const length = this.fs.size(this.fd);
        if (length !== this.length)
          throw new Error(
            `${this.path} is ${length} bytes, not the ${this.length} this writer left: another process appends to this ledger; this one writes no more (reopen it)`,
          );
        this.beforeWrite?.();
        this.fs.write(this.fd, line);
        this.fs.datasync(this.fd);
        this.length += Buffer.byteLength(line);
      } catch (error) {
        this.failed = error as Error;
        for (const item of [...batch, ...this.queue.splice(0)]) item.reject(error as Error);
        this.flushing = false;
        this.markIdle();
        return;
      }
      this.height++;
      this.lastHash = block.hash;
    }
    // A barrier (no transaction) waited for the blocks before it, all on disk now.
    for (const item of batch) item.resolve(item.tx ? block : undefined);
    if (this.queue.length) setImmediate(() => this.flush());
    else {
      this.flushing = false;
      this.markIdle();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fs.close(this.fd);
  }
}
