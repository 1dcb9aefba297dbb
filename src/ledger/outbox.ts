import { join } from 'node:path';
import type { Logger } from 'winston';
import { sameVerdict } from '@cloud-empire/chaincode/trust-registry';
import { ensureDirDurably, nodeFileSystem, openForAppend, type FileSystem } from '../util/file-system.ts';
import { parseJsonRecord, readRecordLines, replaceFileDurably } from '../util/line-files.ts';
import { Serial } from '../util/serial.ts';
import {
  LedgerContractError,
  LedgerUnavailableError,
  type AttestationRecord,
  type Ledger,
  type LedgerKind,
  type LedgerReceipt,
  type SovereigntyLedger,
} from './ledger.ts';

export const OUTBOX_FILE = 'outbox.jsonl';

export interface OutboxEntry {
  id: number;
  record: AttestationRecord;
  queuedAt: string;
}

/**
 * Verdicts on their way to a remote ledger, on local disk: appended (and
 * synced) before they are sent, removed once the ledger committed or refused
 * them. A verdict made while Fabric is unreachable is therefore recorded
 * when it returns, in the order it was made, even across an operator restart.
 */
export class LedgerOutbox {
  private readonly path: string;
  private readonly fs: FileSystem;
  private items: OutboxEntry[];
  private nextId: number;

  private constructor(path: string, items: OutboxEntry[], fs: FileSystem) {
    this.path = path;
    this.fs = fs;
    this.items = items;
    this.nextId = items.reduce((max, e) => Math.max(max, e.id), 0) + 1;
  }

  static open(dir: string, fs: FileSystem = nodeFileSystem): LedgerOutbox {
    ensureDirDurably(fs, dir);
    const path = join(dir, OUTBOX_FILE);
    // A torn last line is a record whose enqueue was never acknowledged: it is dropped (and rewritten away on the next removal).
    const text = fs.exists(path) ? fs.readFile(path) : '';
    const lines = readRecordLines(text, (line) => parseJsonRecord<OutboxEntry>(line), path);
    const outbox = new LedgerOutbox(path, lines.records, fs);
    if (lines.torn || lines.unterminated) outbox.rewrite();
    return outbox;
  }

  get size(): number {
    return this.items.length;
  }

  entries(): OutboxEntry[] {
    return [...this.items];
  }

  /** Queues a verdict, unless the last one queued for the node says the same (a reconcile retrying while the ledger is down). */
  add(record: AttestationRecord): OutboxEntry {
    const last = this.items.findLast((e) => e.record.memberCluster === record.memberCluster && e.record.nodeName === record.nodeName);
    if (last && sameVerdict(last.record, record)) return last;
    const entry: OutboxEntry = { id: this.nextId++, record, queuedAt: new Date().toISOString() };
    const fd = openForAppend(this.fs, this.path, 'a');
    try {
      this.fs.write(fd, `${JSON.stringify(entry)}\n`);
      this.fs.datasync(fd);
    } finally {
      this.fs.close(fd);
    }
    this.items.push(entry);
    return entry;
  }

  remove(ids: Set<number>): void {
    if (!ids.size) return;
    this.items = this.items.filter((e) => !ids.has(e.id));
    this.rewrite();
  }

  private rewrite(): void {
    replaceFileDurably(this.path, this.items.map((e) => `${JSON.stringify(e)}\n`).join(''), this.fs);
  }
}

type Outcome = { receipt: LedgerReceipt } | { error: Error };

/**
 * A ledger whose attestations go through an outbox: each is queued first and
 * sent in order, so a verdict is never overtaken by a later one of the same
 * node. While the ledger is unreachable, calls fail (the caller fails closed)
 * but nothing is lost; `start` drains the outbox periodically until it returns.
 */
export class OutboxLedger implements Ledger {
  private readonly inner: SovereigntyLedger;
  private readonly outbox: LedgerOutbox;
  private readonly log: Logger;
  /** Sends happen one at a time, so the outbox drains in order. */
  private readonly draining = new Serial();
  private timer?: NodeJS.Timeout;

  constructor(inner: SovereigntyLedger, outbox: LedgerOutbox, log: Logger) {
    this.inner = inner;
    this.outbox = outbox;
    this.log = log;
  }

  get kind(): LedgerKind {
    return this.inner.kind;
  }

  get pending(): number {
    return this.outbox.size;
  }

  async recordAttestation(record: AttestationRecord): Promise<LedgerReceipt> {
    const { entry, outcomes } = await this.draining.run(async () => {
      const queued = this.outbox.add(record);
      return { entry: queued, outcomes: await this.drainQueued() };
    });
    const outcome = outcomes.get(entry.id);
    if (!outcome)
      throw new LedgerUnavailableError(
        `the ledger is unreachable; the verdict waits in the outbox (${this.outbox.size} pending) and will be recorded when it returns`,
      );
    if ('error' in outcome) throw outcome.error;
    return outcome.receipt;
  }

  authorizePlacement: Ledger['authorizePlacement'] = (request) => this.inner.authorizePlacement(request);
  recordPlacement: Ledger['recordPlacement'] = (request) => this.inner.recordPlacement(request);
  getPolicy: Ledger['getPolicy'] = (datasetId) => this.inner.getPolicy(datasetId);
  getDecision: Ledger['getDecision'] = (decisionId) => this.inner.getDecision(decisionId);
  recordRemoval: Ledger['recordRemoval'] = (removal) => this.inner.recordRemoval(removal);
  probe: Ledger['probe'] = () => this.inner.probe();

  /** Drains the outbox every `intervalMs` while anything is pending. */
  start(intervalMs = 5_000): void {
    this.timer ??= setInterval(() => {
      if (this.outbox.size) void this.draining.run(() => this.drainQueued()).catch(() => undefined);
    }, intervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.draining.idle();
    await this.inner.close();
  }

  /** Sends queued verdicts in order until the ledger cannot be reached; a refused one is dropped (retrying cannot help) and reported. */
  private async drainQueued(): Promise<Map<number, Outcome>> {
    const outcomes = new Map<number, Outcome>();
    const done = new Set<number>();
    try {
      for (const entry of this.outbox.entries()) {
        try {
          outcomes.set(entry.id, { receipt: await this.inner.recordAttestation(entry.record) });
        } catch (error) {
          if (!(error instanceof LedgerContractError)) throw error;
          this.log.error('the ledger refused a queued verdict; it is dropped', {
            component: 'ledger',
            node: entry.record.nodeName,
            memberCluster: entry.record.memberCluster,
            code: error.code,
            error: error.message,
          });
          outcomes.set(entry.id, { error });
        }
        done.add(entry.id);
      }
    } catch (error) {
      if (!(error instanceof LedgerUnavailableError)) throw error;
    } finally {
      this.outbox.remove(done);
    }
    if (done.size && !this.outbox.size) this.log.info('outbox drained', { component: 'ledger', recorded: done.size });
    return outcomes;
  }
}
