import { existsSync, readFileSync } from 'node:fs';
import { replaceFileDurably } from '../util/line-files.ts';
import type { ChaincodeEventRecord, EventCheckpoint } from './gateway.ts';
import type { SovereigntyLedger } from './ledger.ts';

/**
 * Where a consumer of chaincode events stopped, kept in a file: written
 * after each handled event (to a temporary file, synced, then renamed), so a
 * restart resumes right after the last event handled — none skipped, none
 * handled twice unless the process died inside the handler.
 */
export class FileCheckpoint {
  private readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  read(): EventCheckpoint | undefined {
    if (!existsSync(this.path)) return undefined;
    const saved = JSON.parse(readFileSync(this.path, 'utf8')) as EventCheckpoint;
    if (!Number.isInteger(saved.blockNumber) || saved.blockNumber < 0) throw new Error(`${this.path}: blockNumber must be a non-negative integer`);
    return saved;
  }

  save(checkpoint: EventCheckpoint): void {
    replaceFileDurably(this.path, JSON.stringify(checkpoint));
  }
}

/** Hands each chaincode event after the checkpoint to `handle`, checkpointing after each, until `signal` aborts. */
export async function followEvents(
  ledger: SovereigntyLedger,
  checkpoint: FileCheckpoint,
  handle: (event: ChaincodeEventRecord) => Promise<void> | void,
  signal: AbortSignal,
): Promise<void> {
  for await (const event of ledger.events({ checkpoint: checkpoint.read() ?? { blockNumber: 0 }, signal })) {
    await handle(event);
    checkpoint.save({ blockNumber: event.blockNumber, txId: event.txId });
  }
}
