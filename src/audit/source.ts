import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { blockHash, GENESIS_HASH, type Block } from '../ledger/embedded/block-log.ts';
import { signedBytes, type BlockVerifier } from '../ledger/embedded/block-signature.ts';
import type { LedgerTransaction } from '../ledger/embedded/embedded-ledger.ts';
import { blocksPath } from '../ledger/embedded/files.ts';
import { PlacementHistory, recordsOfTransaction } from './ledger-records.ts';
import type { AccessRecord, PlacementRecord, VerificationRecord } from './records.ts';

export type LedgerAuditRecord = VerificationRecord | PlacementRecord | AccessRecord;

/** Where audit records come from: the ledger's own history, in commit order, streamed. */
export interface AuditSource {
  readonly description: string;
  records(): AsyncIterable<LedgerAuditRecord>;
}

/** Thrown when the ledger read for an audit does not verify: nothing is exported from a rewritten history. */
export class AuditLedgerError extends Error {
  override readonly name = 'AuditLedgerError';
}

/** Each line of a file, streamed (a line-per-record file is never read whole). */
export async function* fileLines(path: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  try {
    for await (const line of lines) if (line) yield line;
  } finally {
    lines.close();
  }
}

/**
 * The embedded ledger's block log, read offline block by block: each
 * block's hash and link are recomputed and, given the operator's DID, its
 * signature checked, before any of its transactions becomes a record. A
 * torn last line (a crash mid-append, never acknowledged) is skipped.
 */
export class EmbeddedAuditSource implements AuditSource {
  readonly description: string;
  private readonly dir: string;
  private readonly operator?: BlockVerifier;

  constructor(dir: string, operator?: BlockVerifier) {
    this.dir = dir;
    this.operator = operator;
    this.description = `the embedded ledger in ${dir}`;
  }

  async *blocks(): AsyncGenerator<Block<LedgerTransaction>> {
    const path = blocksPath(this.dir);
    if (!existsSync(path)) throw new AuditLedgerError(`${this.dir} holds no embedded ledger (no ${path}); pass the operator's --ledger-dir`);
    let expected = 0;
    let prevHash = GENESIS_HASH;
    let pendingTorn: string | undefined;
    for await (const line of fileLines(path)) {
      if (pendingTorn !== undefined)
        throw new AuditLedgerError(`${path}: block ${expected} is not a complete record; the log was altered (run \`empirectl ledger verify\`)`);
      let block: Block<LedgerTransaction>;
      try {
        block = JSON.parse(line) as Block<LedgerTransaction>;
      } catch {
        pendingTorn = line; // only the last line may be torn
        continue;
      }
      const problem =
        block.number !== expected
          ? `block ${expected} says it is number ${block.number}`
          : block.prevHash !== prevHash
            ? `block ${expected} does not link to block ${expected - 1}`
            : !Array.isArray(block.txs) || blockHash(block) !== block.hash
              ? `block ${expected}'s contents do not match its hash`
              : this.operator && !this.operator.verify(signedBytes(block.hash), block.signature ?? '')
                ? `block ${expected} is not signed by the operator ${this.operator.did}`
                : undefined;
      if (problem) throw new AuditLedgerError(`${path}: ${problem}; nothing is exported from an altered ledger (run \`empirectl ledger verify\`)`);
      yield block;
      prevHash = block.hash;
      expected++;
    }
  }

  async *records(): AsyncGenerator<LedgerAuditRecord> {
    const history = new PlacementHistory();
    for await (const block of this.blocks()) {
      for (const tx of block.txs) yield* recordsOfTransaction({ ...tx, blockNumber: block.number }, history);
    }
  }
}
