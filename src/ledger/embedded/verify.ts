import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wholeLines } from '../../util/line-files.ts';
import { verifyChain, type Block } from './block-log.ts';
import type { LedgerTransaction } from './embedded-ledger.ts';
import type { PrivateEntry } from './private-store.ts';
import { collectionOwner } from './stub.ts';

export interface LedgerCheck {
  ok: boolean;
  blocks: number;
  transactions: number;
  /** The first block that does not hash or link; everything from it on is untrusted. */
  firstBadBlock?: number;
  problem?: string;
  /** Private values held here whose hash differs from the one their block recorded. */
  privateDataMismatches: { txId: string; collection: string; key: string }[];
  /** Whether the file ends in a torn write (a crash mid-append), which opening the ledger cuts off. */
  tornTail: boolean;
}

/**
 * Recomputes an embedded ledger's chain from its files alone: every block's
 * hash and link, then every private value against the hash its block holds.
 * It reads; it never repairs.
 */
export function verifyLedger(dir: string): LedgerCheck {
  const path = join(dir, 'blocks.log');
  if (!existsSync(path)) throw new Error(`${dir} holds no embedded ledger (no blocks.log)`);
  const { kept, torn } = wholeLines(readFileSync(path, 'utf8'));
  const blocks: Block<LedgerTransaction>[] = [];
  const chain = verifyChain(kept, (block) => blocks.push(block as Block<LedgerTransaction>));
  const privateDataMismatches: LedgerCheck['privateDataMismatches'] = [];
  const stores = new Map<string, Map<string, PrivateEntry>>();
  const privateDir = join(dir, 'private');
  if (existsSync(privateDir)) {
    for (const file of readdirSync(privateDir).filter((f) => f.endsWith('.jsonl'))) {
      const entries = new Map<string, PrivateEntry>();
      for (const line of readFileSync(join(privateDir, file), 'utf8').split('\n')) {
        if (!line) continue;
        try {
          const entry = JSON.parse(line) as PrivateEntry;
          entries.set(`${entry.txId}\u0000${entry.collection}\u0000${entry.key}`, entry);
        } catch {
          // a torn last line: the ledger cuts it off when it opens
        }
      }
      stores.set(file.slice(0, -'.jsonl'.length), entries);
    }
  }
  let transactions = 0;
  for (const block of blocks) {
    for (const tx of block.txs) {
      transactions++;
      for (const write of tx.privateWrites) {
        const store = stores.get(collectionOwner(write.collection) ?? '');
        if (!store) continue; // this node does not hold that organization's private data
        const entry = store.get(`${tx.txId}\u0000${write.collection}\u0000${write.key}`);
        const hash = entry?.value === undefined ? undefined : createHash('sha256').update(entry.value).digest('hex');
        if (hash !== write.hash) privateDataMismatches.push({ txId: tx.txId, collection: write.collection, key: write.key });
      }
    }
  }
  return {
    ok: chain.ok && privateDataMismatches.length === 0,
    blocks: chain.blocks,
    transactions,
    firstBadBlock: chain.firstBadBlock,
    problem: chain.problem ?? (privateDataMismatches.length ? `${privateDataMismatches.length} private value(s) do not match the hashes in their blocks` : undefined),
    privateDataMismatches,
    tornTail: torn,
  };
}
