import { join } from 'node:path';
import { nodeFileSystem, type FileSystem } from '../../util/file-system.ts';
import { sha256Hex } from '../../util/sha256.ts';
import { behindCheckpoint, readBlocks, verifyChain, type Block } from './block-log.ts';
import type { BlockVerifier } from './block-signature.ts';
import type { LedgerTransaction } from './embedded-ledger.ts';
import { blocksPath, PRIVATE_FILE_SUFFIX, privateDirOf } from './files.ts';
import type { LedgerHead } from './head-checkpoint.ts';
import { readPrivateEntries, type PrivateEntry } from './private-store.ts';
import { collectionOwner } from './stub.ts';

export interface LedgerCheck {
  ok: boolean;
  blocks: number;
  transactions: number;
  /** The head of the blocks that verify. */
  head: LedgerHead;
  /** Whether every block's signature was checked against the operator's DID (only then is a recomputed history caught). */
  signaturesChecked: boolean;
  /** Whether the head was compared with a checkpoint kept outside the volume (only then is a cut-off end caught). */
  headChecked: boolean;
  /** The first block that does not hash, link or carry the operator's signature; everything from it on is untrusted. */
  firstBadBlock?: number;
  problem?: string;
  /** Private values missing here, or whose hash differs from the one their block recorded. */
  privateDataMismatches: { txId: string; collection: string; key: string; missing: boolean }[];
  /** Whether the file ends in a torn write (a crash mid-append), which opening the ledger cuts off. */
  tornTail: boolean;
}

export interface VerifyOptions {
  /** The operator's key (from its DID): every block must carry its signature. */
  operator?: BlockVerifier;
  /** The head checkpointed outside the volume: the log must reach it, with the same hash. */
  expectHead?: LedgerHead;
  /** Where `expectHead` came from, for messages. */
  headSource?: string;
  fs?: FileSystem;
}

function readPrivateStores(fs: FileSystem, dir: string): { stores: Map<string, Map<string, PrivateEntry>>; problem?: string } {
  const stores = new Map<string, Map<string, PrivateEntry>>();
  const privateDir = privateDirOf(dir);
  if (!fs.exists(privateDir)) return { stores };
  for (const file of fs.readdir(privateDir).filter((f) => f.endsWith(PRIVATE_FILE_SUFFIX))) {
    const entries = new Map<string, PrivateEntry>();
    try {
      for (const entry of readPrivateEntries(fs, join(privateDir, file)).records)
        entries.set(`${entry.txId}\u0000${entry.collection}\u0000${entry.key}`, entry);
    } catch (error) {
      return { stores, problem: (error as Error).message };
    }
    stores.set(file.slice(0, -PRIVATE_FILE_SUFFIX.length), entries);
  }
  return { stores };
}

/**
 * Checks an embedded ledger from its files alone: every block's hash, link
 * and (given the operator's DID) signature, the head against a checkpoint
 * (when given one), then every private value against the hash its block
 * holds. It reads; it never repairs.
 */
export function verifyLedger(dir: string, options: VerifyOptions = {}): LedgerCheck {
  const fs = options.fs ?? nodeFileSystem;
  const path = blocksPath(dir);
  if (!fs.exists(path)) throw new Error(`${dir} holds no embedded ledger (no ${path})`);
  let lines;
  try {
    lines = readBlocks(fs.readFile(path), path);
  } catch (error) {
    return failed((error as Error).message);
  }
  const blocks: Block<LedgerTransaction>[] = [];
  const chain = verifyChain(lines.records, options.operator, (block) => blocks.push(block as Block<LedgerTransaction>));
  const behind = chain.ok && options.expectHead ? behindCheckpoint(lines.records, options.expectHead, options.headSource ?? 'the expected head') : undefined;
  const { stores, problem: storeProblem } = readPrivateStores(fs, dir);
  const privateDataMismatches: LedgerCheck['privateDataMismatches'] = [];
  let transactions = 0;
  let malformed: string | undefined;
  for (const block of blocks) {
    for (const tx of block.txs) {
      transactions++;
      // Only an unsigned check gets here with such a block: its hashes were recomputed by someone without the operator's key.
      if (!Array.isArray(tx.privateWrites)) {
        malformed ??= `block ${block.number}: transaction ${tx.txId} has no list of private writes; the log was altered`;
        continue;
      }
      for (const write of tx.privateWrites) {
        // The embedded ledger executes every organization's transactions, so it holds every private store.
        const entry = stores.get(collectionOwner(write.collection) ?? '')?.get(`${tx.txId}\u0000${write.collection}\u0000${write.key}`);
        const hash = entry?.value === undefined ? undefined : sha256Hex(entry.value);
        if (!entry || hash !== write.hash) privateDataMismatches.push({ txId: tx.txId, collection: write.collection, key: write.key, missing: !entry });
      }
    }
  }
  const problem =
    chain.problem ??
    malformed ??
    behind ??
    storeProblem ??
    (privateDataMismatches.length ? `${privateDataMismatches.length} private value(s) are missing or do not match the hashes in their blocks` : undefined);
  return {
    ok: problem === undefined,
    blocks: chain.blocks,
    transactions,
    head: chain.head,
    signaturesChecked: options.operator !== undefined,
    headChecked: options.expectHead !== undefined,
    firstBadBlock: chain.firstBadBlock,
    problem,
    privateDataMismatches,
    tornTail: lines.torn,
  };

  function failed(message: string): LedgerCheck {
    return {
      ok: false,
      blocks: 0,
      transactions: 0,
      head: { height: 0, hash: '' },
      signaturesChecked: false,
      headChecked: false,
      problem: message,
      privateDataMismatches: [],
      tornTail: false,
    };
  }
}
