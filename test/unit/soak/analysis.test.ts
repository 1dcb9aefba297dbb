import {
  analyzeSoak,
  DEFAULT_THRESHOLDS,
  histogramQuantile,
  slope,
  STUCK_AGE_S,
  windowFloors,
  type Convergence,
  type Histogram,
  type Sample,
} from '../../../bench/soak/analysis.ts';

const BOUNDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, Infinity];

/** A cumulative histogram after `n` reconciles that each took `seconds`. */
function histogram(reconciles: { n: number; seconds: number }[]): Histogram {
  return {
    buckets: BOUNDS.map((le) => [le, reconciles.filter((r) => r.seconds <= le).reduce((a, r) => a + r.n, 0)]),
    count: reconciles.reduce((a, r) => a + r.n, 0),
  };
}

interface RunShape {
  minutes?: number;
  /** Heap growth in MB per minute. */
  leakMBPerMin?: number;
  /** Reconcile time as a function of the minute. */
  reconcileSeconds?: (minute: number) => number;
  /** Queue depth left in the last drain samples. */
  stuckDepth?: number;
  /** The workqueue ages of federatedworkload in every sample (the age gauges); absent, a run recorded before them. */
  ages?: (phase: string, minute: number) => { longestRunningS: number; oldestWaitingS: number };
}

/** A synthetic run sampled every 5 s: warm-up, churn, 2 minutes of drain; GC sawtooth on the heap, noise on RSS. */
function run(shape: RunShape = {}): Sample[] {
  const churnMinutes = shape.minutes ?? 30;
  const samples: Sample[] = [];
  let seed = 7;
  const noise = () => ((seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5) * 4;
  const done: { n: number; seconds: number }[] = [];
  for (let t = 0; t <= (churnMinutes + 3) * 60; t += 5) {
    const minute = t / 60;
    const phase = minute < 1 ? 'warmup' : minute < churnMinutes + 1 ? 'churn' : 'drain';
    const leak = (shape.leakMBPerMin ?? 0) * minute;
    // Collections every 40 s drop the heap back to its floor.
    const sawtooth = ((t % 40) / 40) * 12;
    done.push({ n: 10, seconds: (shape.reconcileSeconds ?? (() => 0.02))(minute) });
    const stuck = phase === 'drain' && minute > churnMinutes + 2 ? (shape.stuckDepth ?? 0) : 0;
    samples.push({
      t,
      phase,
      rssMB: 140 + leak * 1.5 + sawtooth + noise(),
      heapUsedMB: 40 + leak + sawtooth,
      queueDepth: { sovereignnode: 0, federatedworkload: phase === 'churn' ? Math.round(Math.abs(noise())) : stuck },
      ...(shape.ages && { queueAges: { federatedworkload: shape.ages(phase, minute) } }),
      reconcile: { federatedworkload: histogram(done) },
    });
  }
  return samples;
}

const converged: Convergence[] = [{ key: 'fw/a', what: 'replicas 3', changedAt: 100, convergedAt: 104 }];
const failing = (samples: Sample[], changes = converged, mismatches: string[] = []) =>
  analyzeSoak({ samples, changes, mismatches })
    .filter((c) => !c.ok)
    .map((c) => c.name);

describe('soak analysis', () => {
  it('fits a least-squares slope', () => {
    expect(slope([0, 1, 2, 3].map((x) => ({ x, y: 2 * x + 1 })))).toBeCloseTo(2);
    expect(slope([{ x: 1, y: 5 }])).toBe(0);
  });

  it('takes the floor of each window, so a GC sawtooth is flat', () => {
    const saw = Array.from({ length: 100 }, (_, i) => ({ x: i, y: 10 + (i % 10) }));
    const floors = windowFloors(saw, 10);
    expect(floors).toHaveLength(10);
    expect(floors.every((f) => f.y === 10)).toBe(true);
    expect(slope(floors)).toBeCloseTo(0);
  });

  it('interpolates a quantile inside its bucket, as histogram_quantile does', () => {
    const h = histogram([
      { n: 90, seconds: 0.003 },
      { n: 10, seconds: 0.3 },
    ]);
    expect(histogramQuantile(h, 0.5)).toBeGreaterThan(0.001);
    expect(histogramQuantile(h, 0.5)).toBeLessThanOrEqual(0.005);
    expect(histogramQuantile(h, 0.99)).toBeGreaterThan(0.25);
    expect(histogramQuantile(h, 0.99)).toBeLessThanOrEqual(0.5);
    expect(histogramQuantile({ buckets: [], count: 0 }, 0.99)).toBeUndefined();
  });

  it('passes a flat run with GC sawtooth and noise', () => {
    const checks = analyzeSoak({ samples: run(), changes: converged, mismatches: [] });
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual(expect.arrayContaining(['heap', 'rss', 'reconcile p99 federatedworkload', 'queues drain', 'changes converge']));
  });

  it('flags a heap leak just above the threshold, and RSS with it', () => {
    expect(failing(run({ leakMBPerMin: DEFAULT_THRESHOLDS.heapSlopeMBPerMin * 1.5 }))).toEqual(expect.arrayContaining(['heap']));
    expect(failing(run({ leakMBPerMin: 1 }))).toEqual(expect.arrayContaining(['heap', 'rss']));
  });

  it('does not flag growth under the threshold', () => {
    expect(failing(run({ leakMBPerMin: DEFAULT_THRESHOLDS.heapSlopeMBPerMin / 3 }))).toEqual([]);
  });

  it('flags reconciles getting slower, but not fast ones moving inside the noise floor', () => {
    expect(failing(run({ reconcileSeconds: (m) => (m < 16 ? 0.04 : 0.4) }))).toEqual(['reconcile p99 federatedworkload']);
    expect(failing(run({ reconcileSeconds: (m) => (m < 16 ? 0.004 : 0.04) }))).toEqual([]);
  });

  it('flags a queue that does not return to 0 after the churn stops', () => {
    const checks = analyzeSoak({ samples: run({ stuckDepth: 1 }), changes: converged, mismatches: [] });
    const drain = checks.find((c) => c.name === 'queues drain')!;
    expect(drain.ok).toBe(false);
    expect(drain.message).toMatch(/federatedworkload=1 still queued .* stuck key/);
  });

  // The false alarm of the last soak: periodic re-checks keep a key or two queued at every sample, which the depth
  // alone took for a stuck key. With the age gauges a queue that keeps moving passes, and only a key that waits
  // or runs past STUCK_AGE_S fails, naming which.
  it('with the queue ages: a queue never empty but always moving passes; a reconcile that never returns fails', () => {
    const moving = analyzeSoak({
      samples: run({ stuckDepth: 2, ages: () => ({ longestRunningS: 0.2, oldestWaitingS: 0.5 }) }),
      changes: converged,
      mismatches: [],
    }).find((c) => c.name === 'queues drain')!;
    expect(moving).toMatchObject({ ok: true, value: 0 });
    const hung = (minute: number, end: number) =>
      minute > end ? { longestRunningS: (minute - end) * 60, oldestWaitingS: 0 } : { longestRunningS: 0, oldestWaitingS: 0 };
    const stuck = analyzeSoak({ samples: run({ stuckDepth: 1, ages: (_p, m) => hung(m, 31.5) }), changes: converged, mismatches: [] }).find(
      (c) => c.name === 'queues drain',
    )!;
    expect(stuck.ok).toBe(false);
    expect(stuck.message).toMatch(/^queues drain: federatedworkload: a reconcile running 90 s, a key waiting 0 s .* a stuck key$/);
    // Exactly at the bound is not yet stuck.
    const atBound = analyzeSoak({
      samples: run({ ages: () => ({ longestRunningS: STUCK_AGE_S, oldestWaitingS: STUCK_AGE_S }) }),
      changes: converged,
      mismatches: [],
    }).find((c) => c.name === 'queues drain')!;
    expect(atBound.ok).toBe(true);
  });

  it('flags a change never reflected and one reflected too late', () => {
    const never = analyzeSoak({ samples: run(), changes: [...converged, { key: 'fw/b', what: 'image v2', changedAt: 50 }], mismatches: [] });
    expect(never.find((c) => c.name === 'changes converge')).toMatchObject({ ok: false, message: expect.stringContaining('fw/b (image v2)') });
    const late = analyzeSoak({
      samples: run(),
      changes: [{ key: 'sn/x', what: 'revoked', changedAt: 10, convergedAt: 10 + DEFAULT_THRESHOLDS.convergeBoundS + 1 }],
      mismatches: [],
    });
    expect(late.find((c) => c.name === 'changes converge')!.ok).toBe(false);
  });

  it('starts the clock of a change made during a member outage when the member returns', () => {
    const change = { key: 'fw/c', what: 'deleted', changedAt: 100, convergedAt: 130 + DEFAULT_THRESHOLDS.convergeBoundS - 10 };
    const outages = [{ from: 90, to: 130 }];
    const check = (o: { from: number; to: number }[]) =>
      analyzeSoak({ samples: run(), changes: [change], outages: o, mismatches: [] }).find((c) => c.name === 'changes converge')!;
    expect(check([]).ok).toBe(false);
    expect(check(outages).ok).toBe(true);
    // An outage after the change converged does not excuse it.
    expect(check([{ from: 300, to: 340 }]).ok).toBe(false);
  });

  it("judges a deletion by when every member holds it, and bounds the member's garbage collection after that on its own", () => {
    const bound = DEFAULT_THRESHOLDS.convergeBoundS;
    const check = (change: Convergence) => analyzeSoak({ samples: run(), changes: [change], mismatches: [] }).find((c) => c.name === 'changes converge')!;
    // Marked in every member at once, gone 100 s later (the member's garbage collector catching up after a restart): the operator's part was prompt.
    expect(check({ key: 'fw/d', what: 'deleted', changedAt: 100, memberDeletingAt: 102, convergedAt: 102 + bound + 10 }).ok).toBe(true);
    // Marked late: the operator's own delay.
    expect(check({ key: 'fw/d', what: 'deleted', changedAt: 100, memberDeletingAt: 100 + bound + 5, convergedAt: 100 + bound + 6 })).toMatchObject({
      ok: false,
      message: expect.stringContaining('took over'),
    });
    // Marked at once but never finishing within the member bound: a finalizer stuck in the member.
    expect(
      check({ key: 'fw/d', what: 'deleted', changedAt: 100, memberDeletingAt: 101, convergedAt: 101 + DEFAULT_THRESHOLDS.memberGcBoundS + 1 }),
    ).toMatchObject({
      ok: false,
      message: expect.stringContaining('held by every member but not finished'),
    });
    // Never seen marked (gone between two looks): the whole wait counts, as before.
    expect(check({ key: 'fw/d', what: 'deleted', changedAt: 100, convergedAt: 100 + bound + 1 }).ok).toBe(false);
  });

  it('flags member objects that differ from the desired state', () => {
    expect(failing(run(), converged, ['madrid: soak/w3 is left behind (the workload was deleted)'])).toEqual(['member objects match']);
  });

  it('refuses to judge memory from a run too short to have a second half', () => {
    expect(failing(run({ minutes: 1 }))).toEqual(expect.arrayContaining(['heap', 'rss']));
  });
});
