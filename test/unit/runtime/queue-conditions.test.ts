import { setCondition } from '../../../src/runtime/conditions.ts';
import { WorkQueue } from '../../../src/runtime/queue.ts';

describe('setCondition', () => {
  it('moves lastTransitionTime only when the status changes', () => {
    const t1 = new Date('2026-01-01T00:00:00Z');
    const t2 = new Date('2026-01-02T00:00:00Z');
    const first = setCondition([], { type: 'Verified', status: 'False', reason: 'ProofMissing', message: 'm', observedGeneration: 1 }, t1);
    const same = setCondition(first, { type: 'Verified', status: 'False', reason: 'Revoked', message: 'm2', observedGeneration: 2 }, t2);
    expect(same[0]).toMatchObject({ reason: 'Revoked', observedGeneration: 2, lastTransitionTime: '2026-01-01T00:00:00Z' });
    const flipped = setCondition(same, { type: 'Verified', status: 'True', reason: 'Verified', message: 'ok', observedGeneration: 2 }, t2);
    expect(flipped).toHaveLength(1);
    expect(flipped[0].lastTransitionTime).toBe('2026-01-02T00:00:00Z');
  });
});

describe('WorkQueue', () => {
  it('never runs one key twice at once, and runs it again when it was added meanwhile', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const queue = new WorkQueue(
      async () => {
        running++;
        runs++;
        maxRunning = Math.max(maxRunning, running);
        if (runs === 1) await gate;
        running--;
      },
      { workers: 4 },
    );
    queue.add('a');
    await new Promise((r) => setImmediate(r));
    queue.add('a');
    queue.add('a');
    release();
    await queue.idle();
    expect({ runs, maxRunning }).toEqual({ runs: 2, maxRunning: 1 });
    await queue.stop();
  });

  it('retries failures with growing backoff and honours requeue-after', async () => {
    const times: number[] = [];
    const queue = new WorkQueue(
      async () => {
        times.push(Date.now());
        if (times.length < 3) throw new Error('not yet');
        if (times.length === 3) return { requeueAfterMs: 30 };
      },
      { baseDelayMs: 20 },
    );
    queue.onError = () => undefined;
    queue.add('k');
    while (times.length < 4) await new Promise((r) => setTimeout(r, 10));
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(gaps[0]).toBeGreaterThanOrEqual(18);
    expect(gaps[1]).toBeGreaterThanOrEqual(38);
    expect(gaps[2]).toBeGreaterThanOrEqual(28);
    await queue.stop();
  });
});

// The soak's queue check could not tell a busy queue from a stuck key by depth alone (and the depth gauge is only
// set when a reconcile returns, which a stuck one never does); these ages are read at scrape time.
describe('WorkQueue ages and their gauges', () => {
  it('tells how long the oldest key has waited and the longest reconcile has run, and forgets both once done', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const queue = new WorkQueue(async (key) => (key === 'stuck' ? held : undefined), { workers: 1 });
    const start = Date.now();
    queue.add('stuck');
    queue.add('waiting');
    await new Promise((r) => setTimeout(r, 20));
    const ages = queue.ages(start + 5_000);
    expect(ages.longestRunningMs).toBeGreaterThanOrEqual(4_990);
    expect(ages.unfinishedMs).toBe(ages.longestRunningMs);
    expect(ages.oldestWaitingMs).toBeGreaterThanOrEqual(4_990);
    release();
    await queue.idle();
    expect(queue.ages()).toEqual({ oldestWaitingMs: 0, longestRunningMs: 0, unfinishedMs: 0 });
    await queue.stop();
  });

  it('publishes them per controller on /metrics while the controller runs, and not after', async () => {
    const { publishQueueAges, registry } = await import('../../../src/runtime/metrics.ts');
    const unpublish = publishQueueAges('unit-test', () => ({ oldestWaitingMs: 1_500, longestRunningMs: 42_000, unfinishedMs: 50_000 }));
    let text = await registry.metrics();
    expect(text).toContain('cloud_empire_workqueue_longest_running_processor_seconds{controller="unit-test"} 42');
    expect(text).toContain('cloud_empire_workqueue_unfinished_work_seconds{controller="unit-test"} 50');
    expect(text).toContain('cloud_empire_workqueue_oldest_waiting_seconds{controller="unit-test"} 1.5');
    unpublish();
    text = await registry.metrics();
    expect(text).not.toContain('controller="unit-test"');
  });
});
