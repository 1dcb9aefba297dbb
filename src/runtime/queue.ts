import { isTerminal, type ReconcileResult } from './result.ts';

/**
 * A work queue as client-go's: a key is processed by one worker at a time,
 * a key added while it is processed runs once more afterwards, failures and
 * `requeue` back off exponentially per key, `requeueAfter` schedules a later
 * look, and a TerminalError is not retried. Stopping aborts the signal every
 * running handler was given.
 */
export interface QueueOptions {
  workers?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export type Handler = (key: string, signal: AbortSignal) => Promise<ReconcileResult | void>;

/** How long work has waited and run, as controller-runtime's workqueue metrics tell a busy queue from a stuck key. */
export interface QueueAges {
  /** The key queued longest ago and not yet picked up (0 when none waits). */
  oldestWaitingMs: number;
  /** The reconcile running longest (0 when none runs). */
  longestRunningMs: number;
  /** The running reconciles' time so far, summed. */
  unfinishedMs: number;
}

export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly order: string[] = [];
  private readonly active = new Set<string>();
  private readonly queuedAt = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();
  private readonly dirtyWhileActive = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; dueAt: number }>();
  private readonly handler: Handler;
  private readonly workers: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly abort = new AbortController();
  private running = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  onError?: (key: string, error: unknown, terminal: boolean) => void;

  constructor(handler: Handler, options: QueueOptions = {}) {
    this.handler = handler;
    this.workers = options.workers ?? 2;
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
  }

  get depth(): number {
    return this.order.length;
  }

  ages(now = Date.now()): QueueAges {
    let oldestWaitingMs = 0;
    for (const at of this.queuedAt.values()) oldestWaitingMs = Math.max(oldestWaitingMs, now - at);
    let longestRunningMs = 0;
    let unfinishedMs = 0;
    for (const at of this.startedAt.values()) {
      longestRunningMs = Math.max(longestRunningMs, now - at);
      unfinishedMs += now - at;
    }
    return { oldestWaitingMs, longestRunningMs, unfinishedMs };
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.dirtyWhileActive.add(key);
      return;
    }
    if (this.pending.has(key)) return;
    this.pending.add(key);
    this.queuedAt.set(key, Date.now());
    this.order.push(key);
    this.pump();
  }

  /** Looks at `key` again after `ms`, unless an earlier look is already scheduled. */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const dueAt = Date.now() + ms;
    const existing = this.timers.get(key);
    if (existing && existing.dueAt <= dueAt) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        this.add(key);
      },
      Math.max(0, ms),
    );
    timer.unref();
    this.timers.set(key, { timer, dueAt });
  }

  private backoff(key: string): void {
    const attempts = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, attempts);
    this.addAfter(key, Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempts - 1)));
  }

  private pump(): void {
    while (this.running < this.workers && this.order.length) {
      const key = this.order.shift()!;
      this.pending.delete(key);
      this.queuedAt.delete(key);
      this.active.add(key);
      this.startedAt.set(key, Date.now());
      this.running++;
      void this.process(key);
    }
    if (this.running === 0 && this.order.length === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async process(key: string): Promise<void> {
    try {
      const result = await this.handler(key, this.abort.signal);
      if (result?.requeue) {
        this.backoff(key);
      } else {
        this.failures.delete(key);
        if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
      }
    } catch (error) {
      if (this.stopped) {
        // Cancelled by stop(): nothing to retry.
      } else if (isTerminal(error)) {
        this.failures.delete(key);
        this.onError?.(key, error, true);
      } else {
        this.onError?.(key, error, false);
        this.backoff(key);
      }
    } finally {
      this.active.delete(key);
      this.startedAt.delete(key);
      this.running--;
      if (this.dirtyWhileActive.delete(key)) this.add(key);
      this.pump();
    }
  }

  /** Resolves when nothing is queued or running (scheduled looks do not count). */
  idle(): Promise<void> {
    if (this.running === 0 && this.order.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops what is queued and scheduled, aborts running handlers and waits for them to return. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.order.length = 0;
    this.pending.clear();
    this.queuedAt.clear();
    this.dirtyWhileActive.clear();
    this.abort.abort(new Error('the controller is stopping'));
    await this.idle();
  }
}
