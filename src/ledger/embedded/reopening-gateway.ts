import {
  LedgerUnavailableError,
  type ChaincodeEventRecord,
  type ContractGateway,
  type EventCheckpoint,
  type SubmitOptions,
  type Submitted,
} from '../gateway.ts';
import type { EmbeddedLedger } from './embedded-ledger.ts';
import type { LedgerIdentity } from './stub.ts';

export interface ReopeningOptions {
  /** Opens the ledger from its directory again (replay verifies every block and cuts a torn tail). */
  reopen: () => Promise<EmbeddedLedger>;
  /** At most one reopen per interval: each replays the whole log, and a disk still full would fail the next write again. */
  minIntervalMs?: number;
  now?: () => number;
}

/**
 * One identity's client of an embedded ledger that recovers from a failed
 * write without restarting the operator. A failed write (a full disk, an I/O
 * error) stops the ledger, because its memory is then ahead of its disk; the
 * next call after that reopens it from disk, so what was acknowledged is
 * kept, what was not is gone, and the caller's retry records it once. Until a
 * reopen succeeds, every call fails closed with LedgerUnavailableError.
 */
export class ReopeningEmbeddedGateway implements ContractGateway {
  readonly kind = 'embedded' as const;
  private store: EmbeddedLedger;
  private readonly identity: LedgerIdentity;
  private readonly options: ReopeningOptions;
  private reopening?: Promise<EmbeddedLedger>;
  private staleClosed = false;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private lastError?: Error;

  constructor(store: EmbeddedLedger, identity: LedgerIdentity, options: ReopeningOptions) {
    this.store = store;
    this.identity = identity;
    this.options = options;
  }

  /** The ledger now in use (a new one after each reopen). */
  get ledger(): EmbeddedLedger {
    return this.store;
  }

  async submit(fn: string, args: string[], options?: SubmitOptions): Promise<Submitted> {
    return (await this.usable()).submit(this.identity, fn, args, options);
  }

  async evaluate(fn: string, args: string[], options?: SubmitOptions): Promise<string> {
    return (await this.usable()).evaluate(this.identity, fn, args, options);
  }

  /** Events of the ledger open now; a stream does not follow a reopen (the operator reads embedded events from the block file instead). */
  events(options: { checkpoint?: EventCheckpoint; signal: AbortSignal }): AsyncIterable<ChaincodeEventRecord> {
    return this.store.events(options);
  }

  async close(): Promise<void> {
    await this.reopening?.catch(() => undefined);
    if (!this.staleClosed) await this.store.close();
  }

  private async usable(): Promise<EmbeddedLedger> {
    if (!this.store.failure) return this.store;
    this.reopening ??= this.reopen().finally(() => (this.reopening = undefined));
    return this.reopening;
  }

  private async reopen(): Promise<EmbeddedLedger> {
    const failure = this.store.failure!;
    const now = (this.options.now ?? Date.now)();
    if (now - this.lastAttempt < (this.options.minIntervalMs ?? 5_000)) throw this.unavailable(failure);
    this.lastAttempt = now;
    if (!this.staleClosed) {
      this.staleClosed = true;
      await this.store.close().catch(() => undefined);
    }
    try {
      this.store = await this.options.reopen();
      this.staleClosed = false;
      this.lastError = undefined;
      return this.store;
    } catch (error) {
      this.lastError = error as Error;
      throw this.unavailable(failure);
    }
  }

  private unavailable(failure: Error): LedgerUnavailableError {
    const reopen = this.lastError ? `; reopening it failed: ${this.lastError.message}` : '; it is reopened from disk on a later call';
    return new LedgerUnavailableError(`the embedded ledger stopped after a failed write (${failure.message})${reopen}`);
  }
}
