import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'winston';
import { FileCheckpoint, followEvents } from '../ledger/event-follower.ts';
import type { SovereigntyLedger } from '../ledger/ledger.ts';
import { ensureDirDurably, nodeFileSystem, openForAppend, type FileSystem } from '../util/file-system.ts';
import { parseJsonRecord, readRecordLines, repairTail } from '../util/line-files.ts';
import { recordsOfEvent } from './event-records.ts';
import { PlacementHistory } from './ledger-records.ts';
import { fileLines, type AuditSource, type LedgerAuditRecord } from './source.ts';

export const AUDIT_JOURNAL_FILE = 'audit-records.jsonl';
export const AUDIT_CHECKPOINT_FILE = 'audit-events.checkpoint.json';

type Line = { txId: string; records: LedgerAuditRecord[] };

/**
 * On Fabric, where blocks are the peers': the operator follows the
 * chaincode events from a checkpoint and journals each event's audit
 * records beside the outbox (one line per transaction, fdatasynced before
 * the checkpoint moves). The checkpoint trails the journal by at most the
 * event in flight, so after a crash that one event is skipped by its
 * transaction id rather than journaled twice.
 */
export class AuditEventJournal {
  private readonly fs: FileSystem;
  private readonly fd: number;
  private lastTxId?: string;
  private readonly history = new PlacementHistory();

  private constructor(fs: FileSystem, fd: number, lastTxId: string | undefined) {
    this.fs = fs;
    this.fd = fd;
    this.lastTxId = lastTxId;
  }

  static open(ledgerDir: string, fs: FileSystem = nodeFileSystem): AuditEventJournal {
    ensureDirDurably(fs, ledgerDir);
    const path = join(ledgerDir, AUDIT_JOURNAL_FILE);
    const fd = openForAppend(fs, path);
    try {
      const lines = readRecordLines(fs.readFile(path), (line) => parseJsonRecord<Line>(line), path);
      repairTail(fs, fd, lines);
      const journal = new AuditEventJournal(fs, fd, lines.records.at(-1)?.txId);
      // Failovers are told against the placements already journaled.
      for (const line of lines.records)
        for (const r of line.records) if (r.kind === 'placements' && r.approved) journal.history.next(`${r.namespace}.${r.name}`, [r.cluster], r.decisionId);
      return journal;
    } catch (error) {
      fs.close(fd);
      throw error;
    }
  }

  /** Follows the ledger's events until `signal` aborts. */
  async follow(ledger: SovereigntyLedger, ledgerDir: string, signal: AbortSignal): Promise<void> {
    await followEvents(
      ledger,
      new FileCheckpoint(join(ledgerDir, AUDIT_CHECKPOINT_FILE)),
      async (event) => {
        if (event.txId === this.lastTxId) return;
        const records = await recordsOfEvent(event, ledger, this.history);
        this.fs.write(this.fd, `${JSON.stringify({ txId: event.txId, records } satisfies Line)}\n`);
        this.fs.datasync(this.fd);
        this.lastTxId = event.txId;
      },
      signal,
    );
  }

  close(): void {
    this.fs.close(this.fd);
  }
}

/** The journal as an audit source (read offline, streamed). */
export class JournalAuditSource implements AuditSource {
  readonly description: string;
  private readonly path: string;

  constructor(ledgerDir: string) {
    this.path = join(ledgerDir, AUDIT_JOURNAL_FILE);
    this.description = `the Fabric event journal ${this.path}`;
  }

  async *records(): AsyncGenerator<LedgerAuditRecord> {
    if (!existsSync(this.path)) return;
    for await (const text of fileLines(this.path)) {
      const line = parseJsonRecord<Line>(text);
      if (line) yield* line.records; // an unparsable line can only be a torn last one
    }
  }
}

/** Runs the journal until stopped, restarting after an error (an outage) with a pause. */
export function runAuditJournal(ledger: SovereigntyLedger, ledgerDir: string, log: Logger): { stop(): Promise<void> } {
  const journal = AuditEventJournal.open(ledgerDir);
  const abort = new AbortController();
  const done = (async () => {
    while (!abort.signal.aborted) {
      try {
        await journal.follow(ledger, ledgerDir, abort.signal);
      } catch (error) {
        if (abort.signal.aborted) break;
        log.warn('audit journal stopped following the ledger; retrying', { component: 'audit', error: (error as Error).message });
        await new Promise((resolve) => setTimeout(resolve, 5000));
      }
    }
  })();
  return {
    async stop() {
      abort.abort();
      await done;
      journal.close();
    },
  };
}
