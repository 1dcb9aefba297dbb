// The soak's verdict, pure over its samples: memory growth, reconcile latency
// growth, keys that never drain and changes that never converge. Unit-tested
// with synthetic runs (test/unit/soak/analysis.test.ts).

/** Cumulative reconcile-duration histogram of one controller, as /metrics serves it. */
export interface Histogram {
  /** Upper bounds in seconds with cumulative counts, ascending; +Inf last. */
  buckets: [number, number][];
  count: number;
}

export type Phase = 'warmup' | 'churn' | 'drain';

export interface Sample {
  /** Seconds since the operator started. */
  t: number;
  phase: Phase;
  rssMB: number;
  heapUsedMB: number;
  /**
   * Where RSS beyond the V8 heap lives: memory V8 tracks outside its heap (Buffers, TLS),
   * ArrayBuffers among it, anonymous RSS (malloc and V8, no mapped files), open sockets. Optional:
   * runs recorded before they were sampled lack them.
   */
  native?: { externalMB: number; arrayBuffersMB: number; rssAnonMB: number; sockets: number };
  queueDepth: Record<string, number>;
  /** Per controller, from the workqueue age gauges (read at scrape time); runs recorded before them lack it. */
  queueAges?: Record<string, QueueAgeSample>;
  reconcile: Record<string, Histogram>;
  /** Objects the operator placed in each member (Deployments it labels as its own). */
  memberObjects?: Record<string, number>;
}

/** How long a controller's longest reconcile has run and its oldest queued key has waited, seconds. */
export interface QueueAgeSample {
  longestRunningS: number;
  oldestWaitingS: number;
}

/** One change the churn made and when the federation was seen to reflect it. */
export interface Convergence {
  key: string;
  what: string;
  changedAt: number;
  convergedAt?: number;
  /**
   * Deletions: when every member copy was first seen marked for deletion (a deletionTimestamp):
   * from there on the wait is the member's garbage collector (foreground deletion), not the operator.
   */
  memberDeletingAt?: number;
}

export interface Thresholds {
  /** Growth of the post-GC floor over the second half of the churn, MB per minute. */
  heapSlopeMBPerMin: number;
  rssSlopeMBPerMin: number;
  /** Window of the rolling minimum that takes the GC sawtooth out, seconds. */
  floorWindowS: number;
  /** Reconcile p99 of the second half may be at most this many times the first half's… */
  p99GrowthFactor: number;
  /** …unless it stays under this floor (seconds), below which bucket resolution is noise. */
  p99FloorS: number;
  /** Every queue is back to 0 within this long after the churn stops, seconds. */
  drainBoundS: number;
  /** Every change is reflected within this long, seconds. */
  convergeBoundS: number;
  /**
   * A deletion's copies, once every member holds the deletion, are gone within this long: the
   * member's own garbage collector (foreground deletion) finishing, seconds.
   */
  memberGcBoundS: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  heapSlopeMBPerMin: 0.25,
  rssSlopeMBPerMin: 0.5,
  floorWindowS: 60,
  p99GrowthFactor: 2,
  p99FloorS: 0.25,
  drainBoundS: 60,
  convergeBoundS: 90,
  // A member's foreground deletion right after its API server restarts took 79 s with no operator involved (0.6 s otherwise):
  // client-go's reflector backoff (30 s cap, 100% jitter) in its kube-controller-manager and kwok. Twice that.
  memberGcBoundS: 180,
};

export interface Check {
  name: string;
  ok: boolean;
  message: string;
  value?: number;
  limit?: number;
}

/** Least-squares slope of y over x; 0 for fewer than two distinct x. */
export function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * The minimum of each consecutive window: the heap just after a collection.
 * A sawtooth between collections is not growth; a rising floor is.
 */
export function windowFloors(points: { x: number; y: number }[], windowS: number): { x: number; y: number }[] {
  if (!points.length) return [];
  const floors: { x: number; y: number }[] = [];
  const start = points[0].x;
  let current: { x: number; y: number }[] = [];
  let index = 0;
  const flush = () => {
    if (!current.length) return;
    const low = current.reduce((a, p) => (p.y < a.y ? p : a));
    floors.push({ x: current.reduce((a, p) => a + p.x, 0) / current.length, y: low.y });
    current = [];
  };
  for (const p of points) {
    const w = Math.floor((p.x - start) / windowS);
    if (w !== index) {
      flush();
      index = w;
    }
    current.push(p);
  }
  flush();
  return floors;
}

/** The histogram of reconciles between two cumulative snapshots. */
export function histogramDelta(from: Histogram | undefined, to: Histogram): Histogram {
  const before = new Map(from?.buckets ?? []);
  return { buckets: to.buckets.map(([le, c]) => [le, c - (before.get(le) ?? 0)]), count: to.count - (from?.count ?? 0) };
}

/** Adds histograms with the same buckets (several controllers into one). */
export function histogramSum(histograms: Histogram[]): Histogram {
  const sums = new Map<number, number>();
  for (const h of histograms) for (const [le, c] of h.buckets) sums.set(le, (sums.get(le) ?? 0) + c);
  return { buckets: [...sums.entries()].sort((a, b) => a[0] - b[0]), count: histograms.reduce((a, h) => a + h.count, 0) };
}

/** A quantile of a (delta) histogram, interpolated linearly inside its bucket as Prometheus' histogram_quantile; undefined when empty. */
export function histogramQuantile(h: Histogram, q: number): number | undefined {
  if (h.count <= 0) return undefined;
  const rank = q * h.count;
  let lower = 0;
  let below = 0;
  for (const [le, cumulative] of h.buckets) {
    if (cumulative >= rank) {
      // Past the last finite bucket the best answer is that bucket's bound.
      if (!Number.isFinite(le)) return lower;
      const inBucket = cumulative - below;
      return inBucket <= 0 ? le : lower + ((le - lower) * (rank - below)) / inBucket;
    }
    lower = le;
    below = cumulative;
  }
  return lower;
}

/** Reconcile p99 (all controllers) per window of samples, for the plot. */
export function p99Series(samples: Sample[], everyS: number): { t: number; p99S: number | undefined }[] {
  const series: { t: number; p99S: number | undefined }[] = [];
  let previous: Sample | undefined;
  for (const sample of samples) {
    if (!previous) {
      previous = sample;
      continue;
    }
    if (sample.t - previous.t < everyS) continue;
    const delta = histogramSum(Object.entries(sample.reconcile).map(([c, h]) => histogramDelta(previous!.reconcile[c], h)));
    series.push({ t: sample.t, p99S: histogramQuantile(delta, 0.99) });
    previous = sample;
  }
  return series;
}

const minutes = (s: number) => s / 60;
const round = (x: number, digits = 3) => Number(x.toFixed(digits));

function secondHalfOfChurn(samples: Sample[]): Sample[] {
  const churn = samples.filter((s) => s.phase === 'churn');
  if (!churn.length) return [];
  const middle = (churn[0].t + churn[churn.length - 1].t) / 2;
  return churn.filter((s) => s.t >= middle);
}

function growthCheck(name: string, samples: Sample[], read: (s: Sample) => number, limit: number, windowS: number): Check {
  const points = samples.map((s) => ({ x: minutes(s.t), y: read(s) }));
  const floors = windowFloors(points, minutes(windowS));
  if (floors.length < 3) return { name, ok: false, message: `${name}: only ${floors.length} windows in the second half of the churn; run longer` };
  const perMinute = slope(floors);
  const ok = perMinute <= limit;
  return {
    name,
    ok,
    value: round(perMinute),
    limit,
    message: ok
      ? `${name}: floor grows ${round(perMinute)} MB/min over the second half of the churn (limit ${limit})`
      : `${name}: floor grows ${round(perMinute)} MB/min over the second half of the churn, above ${limit} MB/min: a leak`,
  };
}

function latencyChecks(samples: Sample[], t: Thresholds): Check[] {
  const churn = samples.filter((s) => s.phase === 'churn');
  if (churn.length < 3) return [{ name: 'reconcile p99', ok: false, message: 'reconcile p99: fewer than 3 churn samples' }];
  const first = churn[0];
  const last = churn[churn.length - 1];
  const middle = churn.reduce((best, s) => (Math.abs(s.t - (first.t + last.t) / 2) < Math.abs(best.t - (first.t + last.t) / 2) ? s : best));
  const checks: Check[] = [];
  for (const controller of Object.keys(last.reconcile).sort()) {
    const early = histogramQuantile(histogramDelta(first.reconcile[controller], middle.reconcile[controller] ?? last.reconcile[controller]), 0.99);
    const late = histogramQuantile(histogramDelta(middle.reconcile[controller], last.reconcile[controller]), 0.99);
    const name = `reconcile p99 ${controller}`;
    if (late === undefined || early === undefined) {
      checks.push({ name, ok: true, message: `${name}: too few reconciles in one half to compare` });
      continue;
    }
    const limit = Math.max(early * t.p99GrowthFactor, t.p99FloorS);
    const ok = late <= limit;
    checks.push({
      name,
      ok,
      value: round(late),
      limit: round(limit),
      message: `${name}: ${round(early * 1000, 1)} ms in the first half of the churn, ${round(late * 1000, 1)} ms in the second${ok ? '' : `, above ${round(limit * 1000, 1)} ms: reconciles are getting slower`}`,
    });
  }
  return checks;
}

/** Consecutive final samples a queue must stay above 0 in to count as stuck (runs without the age gauges). */
const STUCK_SAMPLES = 3;
/** A reconcile running, or a key waiting, this long is stuck: periodic re-checks run in well under a second. */
export const STUCK_AGE_S = 30;

function stuckByAge(s: Sample): string[] {
  return Object.entries(s.queueAges ?? {})
    .filter(([, a]) => a.longestRunningS > STUCK_AGE_S || a.oldestWaitingS > STUCK_AGE_S)
    .map(([c, a]) => `${c}: a reconcile running ${round(a.longestRunningS, 0)} s, a key waiting ${round(a.oldestWaitingS, 0)} s`);
}

function drainCheck(samples: Sample[], t: Thresholds): Check {
  const drain = samples.filter((s) => s.phase === 'drain');
  const name = 'queues drain';
  if (!drain.length) return { name, ok: false, message: `${name}: no samples after the churn stopped` };
  const start = drain[0].t;
  const busy = (s: Sample) => Object.entries(s.queueDepth).filter(([, d]) => d > 0);
  const last = drain[drain.length - 1];
  const after = `${round(last.t - start, 0)} s after the churn stopped`;
  if (last.queueAges) {
    // The ages tell a stuck key from a busy queue: a queue that is never empty while every key is picked up and
    // finished within seconds (periodic status-list and probe re-checks) is busy, not stuck.
    const stuck = stuckByAge(last);
    if (stuck.length) return { name, ok: false, message: `${name}: ${stuck.join('; ')} ${after}: a stuck key` };
  }
  const firstIdle = drain.find((s) => busy(s).length === 0 || (s.queueAges !== undefined && stuckByAge(s).length === 0));
  // Runs without the age gauges: a stuck key is queued in every one of the last samples.
  const tail = drain.slice(-STUCK_SAMPLES);
  const stuck = last.queueAges ? [] : busy(last).filter(([c]) => tail.length === STUCK_SAMPLES && tail.every((s) => (s.queueDepth[c] ?? 0) > 0));
  if (stuck.length || !firstIdle) {
    return {
      name,
      ok: false,
      message: `${name}: ${(stuck.length ? stuck : busy(last)).map(([c, d]) => `${c}=${d}`).join(', ')} still queued ${after}: a stuck key`,
    };
  }
  const took = firstIdle.t - start;
  const ok = took <= t.drainBoundS;
  return {
    name,
    ok,
    value: round(took, 1),
    limit: t.drainBoundS,
    message: `${name}: every queue empty or moving (no key waiting or running over ${STUCK_AGE_S} s) ${round(took, 1)} s after the churn stopped${ok ? '' : `, later than ${t.drainBoundS} s`}`,
  };
}

/** A member taken away, from `from` to `to` seconds. */
export interface Outage {
  from: number;
  to: number;
}

/**
 * When the clock of a change starts: when it was made, or, when a member
 * outage overlaps its wait, when the last such outage ended (a change to a
 * workload in an unreachable member cannot show before the member is back).
 */
export function dueFrom(change: Convergence, outages: Outage[]): number {
  const end = change.convergedAt ?? Infinity;
  return outages.filter((o) => o.from <= end && o.to >= change.changedAt).reduce((due, o) => Math.max(due, o.to), change.changedAt);
}

function convergenceCheck(changes: Convergence[], outages: Outage[], t: Thresholds): Check {
  const name = 'changes converge';
  const never = changes.filter((c) => c.convergedAt === undefined);
  // A deletion is the operator's until every member holds it (the copies marked for deletion); the rest is the member's garbage collector.
  const operatorPart = (c: Convergence): Convergence => (c.memberDeletingAt === undefined ? c : { ...c, convergedAt: c.memberDeletingAt });
  const wait = (c: Convergence) => operatorPart(c).convergedAt! - dueFrom(operatorPart(c), outages);
  const slow = changes.filter((c) => c.convergedAt !== undefined && wait(c) > t.convergeBoundS);
  const slowGc = changes.filter(
    (c) => c.convergedAt !== undefined && c.memberDeletingAt !== undefined && c.convergedAt - c.memberDeletingAt > t.memberGcBoundS,
  );
  const took = changes.filter((c) => c.convergedAt !== undefined).map(wait);
  const worst = took.length ? Math.max(...took) : 0;
  const list = (cs: Convergence[]) =>
    cs
      .slice(0, 5)
      .map((c) => `${c.key} (${c.what})`)
      .join(', ') + (cs.length > 5 ? ` and ${cs.length - 5} more` : '');
  if (never.length) return { name, ok: false, message: `${name}: ${never.length} change(s) never reflected: ${list(never)}: a stuck key` };
  if (slow.length)
    return {
      name,
      ok: false,
      value: round(worst, 1),
      limit: t.convergeBoundS,
      message: `${name}: ${slow.length} change(s) took over ${t.convergeBoundS} s: ${list(slow)}`,
    };
  if (slowGc.length)
    return {
      name,
      ok: false,
      value: round(worst, 1),
      limit: t.convergeBoundS,
      message: `${name}: ${slowGc.length} deletion(s) held by every member but not finished within ${t.memberGcBoundS} s: ${list(slowGc)}`,
    };
  return {
    name,
    ok: true,
    value: round(worst, 1),
    limit: t.convergeBoundS,
    message: `${name}: all ${changes.length} changes reflected, the slowest in ${round(worst, 1)} s (deletions: until every member holds them)`,
  };
}

/** Every check of a soak run; the run fails when any is not ok. */
export function analyzeSoak(input: { samples: Sample[]; changes: Convergence[]; outages?: Outage[]; mismatches: string[]; thresholds?: Thresholds }): Check[] {
  const t = input.thresholds ?? DEFAULT_THRESHOLDS;
  const half = secondHalfOfChurn(input.samples);
  return [
    growthCheck('heap', half, (s) => s.heapUsedMB, t.heapSlopeMBPerMin, t.floorWindowS),
    growthCheck('rss', half, (s) => s.rssMB, t.rssSlopeMBPerMin, t.floorWindowS),
    ...latencyChecks(input.samples, t),
    drainCheck(input.samples, t),
    convergenceCheck(input.changes, input.outages ?? [], t),
    {
      name: 'member objects match',
      ok: input.mismatches.length === 0,
      message: input.mismatches.length
        ? `member objects differ from the desired state: ${input.mismatches.slice(0, 10).join('; ')}${input.mismatches.length > 10 ? ` and ${input.mismatches.length - 10} more` : ''}`
        : 'member objects match the desired state of every FederatedWorkload',
    },
  ];
}
