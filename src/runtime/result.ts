/**
 * What a reconcile asks for next, as controller-runtime's reconcile.Result:
 * nothing (`done`), another look soon with per-key backoff (`requeue`), or a
 * look after a fixed time (`requeueAfter`). A thrown error retries with
 * backoff too, unless it is a TerminalError: input that will not fix itself,
 * which the reconciler has already reported in a condition.
 */
export interface ReconcileResult {
  readonly requeue?: boolean;
  readonly requeueAfterMs?: number;
}

export const done: ReconcileResult = Object.freeze({});
export const requeue: ReconcileResult = Object.freeze({ requeue: true });
export const requeueAfter = (ms: number): ReconcileResult => ({ requeueAfterMs: Math.max(0, ms) });

/** An error retrying cannot fix: the queue logs it once and forgets the key until its object changes. */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export const isTerminal = (error: unknown): error is TerminalError => error instanceof TerminalError;

/** Reconciles one object by key (`name`, or `namespace/name` for namespaced kinds). */
export interface Reconciler {
  /** `signal` aborts when the controller stops: pass it to long calls and give up early. */
  reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult>;
}
