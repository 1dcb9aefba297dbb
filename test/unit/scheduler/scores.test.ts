import { availableCapacity } from '../../../src/scheduler/plugins/available-capacity.ts';
import { price } from '../../../src/scheduler/plugins/price.ts';
import { schedule } from '../../../src/scheduler/schedule.ts';
import { member, pool, snapshotOf, workload } from './fixtures.ts';

const scoresOf = (d: ReturnType<typeof schedule>, cluster: string) =>
  Object.fromEntries(d.evaluations.find((e) => e.cluster === cluster)!.scores!.map((s) => [s.plugin, s.score]));

describe('score plugins', () => {
  it('normalize onto 0–100 with the edges', () => {
    const cap = [0, 5, 10];
    availableCapacity.normalize!(cap);
    expect(cap).toEqual([0, 50, 100]);
    const none = [0, 0];
    availableCapacity.normalize!(none);
    expect(none).toEqual([0, 0]);
    const prices = [2, 3, 4, Number.POSITIVE_INFINITY];
    price.normalize!(prices);
    expect(prices).toEqual([100, 50, 0, 0]);
    const same = [2.5, 2.5];
    price.normalize!(same);
    expect(same).toEqual([100, 100]);
  });

  it('the cheaper pool wins when all else is equal; ties go to the name', () => {
    const snapshot = snapshotOf(
      [member('b'), member('a'), member('c')],
      [
        pool('a-h100', 'a', { price: '3.00', nodes: { 'a-n1': [8, 0] } }),
        pool('b-h100', 'b', { price: '2.00', nodes: { 'b-n1': [8, 0] } }),
        pool('c-h100', 'c', { price: '2.00', nodes: { 'c-n1': [8, 0] } }),
      ],
    );
    const d = schedule(workload({ gpu: { count: 1, resourceName: 'nvidia.com/gpu' } }), snapshot);
    expect(scoresOf(d, 'b').Price).toBe(100);
    expect(scoresOf(d, 'a').Price).toBe(0);
    expect(d.placements.map((p) => p.cluster)).toEqual(['b']);
  });

  it('PreferNoSchedule lowers the score instead of refusing', () => {
    const d = schedule(workload({ replicas: 1 }), snapshotOf([member('a', { taints: [{ key: 'maintenance', effect: 'PreferNoSchedule' }] }), member('b')]));
    expect(scoresOf(d, 'a').TaintToleration).toBe(0);
    expect(scoresOf(d, 'b').TaintToleration).toBe(100);
    expect(d.placements.map((p) => p.cluster)).toEqual(['b']);
  });

  it('Spread prefers the less utilized pool', () => {
    const snapshot = snapshotOf(
      [member('a'), member('b')],
      [pool('a-h100', 'a', { nodes: { 'a-n1': [8, 6] } }), pool('b-h100', 'b', { nodes: { 'b-n1': [4, 0] } })],
    );
    const d = schedule(workload({ gpu: { count: 1, resourceName: 'nvidia.com/gpu' } }), snapshot);
    expect(scoresOf(d, 'a').Spread).toBe(25);
    expect(scoresOf(d, 'b').Spread).toBe(100);
  });

  it('DatasetLocality prefers where the data lives', () => {
    const d = schedule(
      workload({ dataAccess: { datasets: ['notes', 'scans'], purpose: 'inference' } }),
      snapshotOf([member('a', { country: 'FR' }), member('b', { country: 'DE' })]),
      {
        datasetCountries: new Map([
          ['notes', ['DE']],
          ['scans', ['DE', 'FR']],
        ]),
      },
    );
    expect(scoresOf(d, 'a').DatasetLocality).toBe(50);
    expect(scoresOf(d, 'b').DatasetLocality).toBe(100);
    expect(d.placements.map((p) => p.cluster)).toEqual(['b']);
  });

  it('Stability scores the current cluster 100, others 0; a weight of 0 turns a plugin off', () => {
    const clusters = [member('a'), member('b')];
    const d = schedule(workload(), snapshotOf(clusters), { current: [{ cluster: 'b', replicas: 1 }] });
    expect(scoresOf(d, 'b').Stability).toBe(100);
    expect(scoresOf(d, 'a').Stability).toBe(0);
    const off = schedule(workload(), snapshotOf(clusters), { current: [{ cluster: 'b', replicas: 1 }], weights: { Stability: 0 } });
    expect(scoresOf(off, 'a').Stability).toBeUndefined();
  });

  it('the total is the weighted mean, in 0–100', () => {
    const d = schedule(workload(), snapshotOf([member('a'), member('b', { cpuMillis: 32_000 })]));
    for (const e of d.evaluations) {
      expect(e.score).toBeGreaterThanOrEqual(0);
      expect(e.score).toBeLessThanOrEqual(100);
    }
    const s = scoresOf(d, 'b');
    expect(d.evaluations.find((e) => e.cluster === 'b')!.score).toBe(Math.round((s.AvailableCapacity + s.Spread + s.TaintToleration) / 3));
  });
});
