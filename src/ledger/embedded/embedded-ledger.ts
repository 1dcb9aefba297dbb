import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LedgerUnavailableError, type AttestationRecord, type Ledger, type LedgerReceipt } from '../ledger.ts';
import { BlockLog, canonicalJson } from './block-log.ts';

/**
 * The single-machine ledger: records go into a durable, hash-chained block
 * log on local disk. The transaction id is the hash of the transaction, so
 * recording the same verdict twice names the same transaction.
 */
export class EmbeddedLedger implements Ledger {
  private readonly log: BlockLog;

  private constructor(log: BlockLog) {
    this.log = log;
  }

  static open(dir: string): EmbeddedLedger {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return new EmbeddedLedger(BlockLog.open(join(dir, 'blocks.log')));
  }

  get blocks(): number {
    return this.log.blocks;
  }

  async recordAttestation(record: AttestationRecord): Promise<LedgerReceipt> {
    const payload = { ...record };
    const txId = createHash('sha256').update(canonicalJson({ type: 'RecordAttestation', payload })).digest('hex');
    try {
      const block = await this.log.append({ txId, type: 'RecordAttestation', payload, timestamp: new Date().toISOString() });
      return { txId, blockNumber: block.number };
    } catch (error) {
      throw new LedgerUnavailableError(`the embedded ledger could not commit: ${(error as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.log.close();
  }
}
