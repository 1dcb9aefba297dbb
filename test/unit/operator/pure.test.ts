import { setCondition } from '../../../src/runtime/conditions.ts';
import { WorkQueue } from '../../../src/runtime/queue.ts';
import { applyTrustMarks, nodeTrustMarks } from '../../../src/trust/node-labels.ts';

describe('trust marks on member Nodes', () => {
  it('label a verified node with country and jurisdiction and no trust taints', () => {
    expect(nodeTrustMarks({ verified: true, reason: 'VERIFIED', countryCode: 'FR', jurisdiction: 'EU' })).toEqual({
      labels: { 'trust.cloudempire.eu/verified': 'true', 'trust.cloudempire.eu/country': 'FR', 'trust.cloudempire.eu/jurisdiction': 'EU' },
      taints: [],
    });
  });

  it('taint unverified nodes NoSchedule, and revoked or expired ones NoExecute too', () => {
    expect(nodeTrustMarks({ verified: false, reason: 'JURISDICTION_DENIED', countryCode: 'GB' }).taints).toEqual([{ key: 'trust.cloudempire.eu/unverified', effect: 'NoSchedule' }]);
    for (const reason of ['REVOKED', 'EXPIRED'] as const) {
      expect(nodeTrustMarks({ verified: false, reason }).taints.map((t) => t.effect)).toEqual(['NoSchedule', 'NoExecute']);
    }
    expect(nodeTrustMarks(undefined).labels).toEqual({ 'trust.cloudempire.eu/verified': 'false' });
  });

  it('change only the operator’s keys, and nothing at all when the Node already carries the verdict', () => {
    const node = {
      metadata: { name: 'n', labels: { team: 'ml', 'trust.cloudempire.eu/verified': 'true', 'trust.cloudempire.eu/country': 'FR' } },
      spec: { taints: [{ key: 'example.com/dedicated', effect: 'NoSchedule' }] },
    };
    const revoked = applyTrustMarks(node, nodeTrustMarks({ verified: false, reason: 'REVOKED' }))!;
    expect(revoked.metadata!.labels).toEqual({ team: 'ml', 'trust.cloudempire.eu/verified': 'false' });
    expect(revoked.spec!.taints!.map((t) => t.key)).toEqual(['example.com/dedicated', 'trust.cloudempire.eu/unverified', 'trust.cloudempire.eu/revoked']);
    expect(applyTrustMarks(revoked, nodeTrustMarks({ verified: false, reason: 'REVOKED' }))).toBeUndefined();
  });
});

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
    const queue = new WorkQueue(async () => {
      running++;
      runs++;
      maxRunning = Math.max(maxRunning, running);
      if (runs === 1) await gate;
      running--;
    }, { workers: 4 });
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
    const queue = new WorkQueue(async () => {
      times.push(Date.now());
      if (times.length < 3) throw new Error('not yet');
      if (times.length === 3) return { requeueAfterMs: 30 };
    }, { baseDelayMs: 20 });
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
