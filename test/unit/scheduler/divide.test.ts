import { aggregated, divide, proportional, splitCompletions } from '../../../src/scheduler/divide.ts';
import { schedule } from '../../../src/scheduler/schedule.ts';
import { member, pool, snapshotOf, workload } from './fixtures.ts';

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe('division arithmetic', () => {
  it('Balanced splits evenly, the remainder to the preferred clusters first', () => {
    expect(divide('Balanced', [100, 100, 100], 7)).toEqual([3, 2, 2]);
    expect(divide('Balanced', [100, 100, 100], 2)).toEqual([1, 1, 0]);
  });

  it('a full cluster passes what it cannot hold to the others', () => {
    expect(divide('Balanced', [1, 100, 100], 9)).toEqual([1, 4, 4]);
    expect(divide('Balanced', [1, 2, 100], 9)).toEqual([1, 2, 6]);
  });

  it('Weighted follows the weights, with largest remainders and capacity', () => {
    expect(divide('Weighted', [99, 99, 99], 12, [1, 2, 3])).toEqual([2, 4, 6]);
    expect(divide('Weighted', [99, 99, 99], 10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(divide('Weighted', [99, 2, 99], 12, [1, 2, 3])).toEqual([3, 2, 7]);
    // A cluster the weights do not list gets nothing.
    expect(divide('Weighted', [99, 99], 5, [0, 1])).toEqual([0, 5]);
  });

  it('Aggregated uses the fewest clusters, the largest first', () => {
    expect(aggregated([3, 10, 6], 12)).toEqual([0, 10, 2]);
    expect(aggregated([5, 5], 4)).toEqual([4, 0]);
  });

  it('Dynamic follows free capacity', () => {
    expect(divide('Dynamic', [10, 30, 60], 10)).toEqual([1, 3, 6]);
  });

  it('refuses what does not fit instead of overbooking', () => {
    expect(proportional([2, 3], [1, 1], 6)).toBeUndefined();
    expect(aggregated([2, 3], 6)).toBeUndefined();
    expect(divide('Weighted', [2, 100], 6, [1, 0])).toBeUndefined();
  });

  it('always sums to what was asked when it fits', () => {
    for (let pods = 0; pods <= 40; pods++) {
      for (const pref of ['Balanced', 'Aggregated', 'Dynamic'] as const) {
        const counts = divide(pref, [7, 13, 1, 20], pods)!;
        expect(sum(counts)).toBe(pods);
        counts.forEach((c, i) => expect(c).toBeLessThanOrEqual([7, 13, 1, 20][i]));
      }
    }
  });

  it('splits Job completions in proportion to parallelism', () => {
    expect(splitCompletions([2, 1, 1], 20)).toEqual([10, 5, 5]);
    expect(splitCompletions([1, 1, 1], 10)).toEqual([4, 3, 3]);
  });
});

const three = () => [
  member('paris', { country: 'FR', provider: 'ovhcloud', region: 'eu-west' }),
  member('madrid', { country: 'ES', provider: 'atos', region: 'eu-south' }),
  member('warsaw', { country: 'PL', provider: 'cloudferro', region: 'eu-central' }),
];

describe('selection and division in schedule()', () => {
  it('spreads over minGroups countries', () => {
    const d = schedule(workload({ replicas: 6, placement: { spreadConstraints: [{ by: 'country', minGroups: 3, maxGroups: 3 }] } }), snapshotOf(three()));
    expect(d.placements.map((p) => [p.cluster, p.country, p.replicas])).toEqual([
      ['madrid', 'ES', 2],
      ['paris', 'FR', 2],
      ['warsaw', 'PL', 2],
    ]);
  });

  it('even Aggregated covers minGroups', () => {
    const d = schedule(
      workload({
        replicas: 4,
        placement: { spreadConstraints: [{ by: 'region', minGroups: 2 }], replicaScheduling: { type: 'Divided', divisionPreference: 'Aggregated' } },
      }),
      snapshotOf(three()),
    );
    expect(new Set(d.placements.map((p) => p.cluster)).size).toBeGreaterThanOrEqual(2);
    expect(sum(d.placements.map((p) => p.replicas))).toBe(4);
  });

  it('maxGroups keeps the best groups only', () => {
    const d = schedule(workload({ replicas: 6, placement: { spreadConstraints: [{ by: 'provider', maxGroups: 1 }] } }), snapshotOf(three()));
    expect(d.placements).toHaveLength(1);
    expect(d.placements[0].replicas).toBe(6);
  });

  it('an unsatisfiable minGroups says how many groups there are', () => {
    const d = schedule(
      workload({ replicas: 6, placement: { countries: { include: ['FR', 'ES'] }, spreadConstraints: [{ by: 'country', minGroups: 3 }] } }),
      snapshotOf(three()),
    );
    expect(d).toMatchObject({ result: 'Unschedulable', placements: [], unschedulable: { code: 'SpreadUnsatisfiable' } });
    expect(d.unschedulable!.message).toBe('spread by country needs at least 3 countries; only 2 pass the filters (ES, FR)');
  });

  it('too few replicas for minGroups is unsatisfiable too', () => {
    const d = schedule(workload({ replicas: 2, placement: { spreadConstraints: [{ by: 'cluster', minGroups: 3 }] } }), snapshotOf(three()));
    expect(d.unschedulable?.code).toBe('SpreadUnsatisfiable');
    expect(d.unschedulable!.message).toMatch(/2 replica\(s\) cannot cover the 3 groups/);
  });

  it('Weighted with weights on clusters that are all refused', () => {
    const d = schedule(
      workload({
        replicas: 3,
        placement: {
          countries: { exclude: ['FR'] },
          replicaScheduling: { type: 'Divided', divisionPreference: 'Weighted', weights: [{ clusterName: 'paris', weight: 1 }] },
        },
      }),
      snapshotOf(three()),
    );
    expect(d.unschedulable).toMatchObject({ code: 'NoWeightedClusterFeasible' });
  });

  it('Weighted static split', () => {
    const d = schedule(
      workload({
        replicas: 6,
        placement: {
          replicaScheduling: {
            type: 'Divided',
            divisionPreference: 'Weighted',
            weights: [
              { clusterName: 'paris', weight: 2 },
              { clusterName: 'warsaw', weight: 1 },
            ],
          },
        },
      }),
      snapshotOf(three()),
    );
    expect(d.placements.map((p) => [p.cluster, p.replicas])).toEqual([
      ['paris', 4],
      ['warsaw', 2],
    ]);
  });

  it('Duplicated runs every replica in every selected cluster, refusing those too small', () => {
    const clusters = [...three().slice(0, 2), member('warsaw', { country: 'PL', cpuMillis: 1000 })];
    const d = schedule(workload({ replicas: 3, cpu: '500m', placement: { replicaScheduling: { type: 'Duplicated' } } }), snapshotOf(clusters));
    expect(d.placements.map((p) => [p.cluster, p.replicas])).toEqual([
      ['madrid', 3],
      ['paris', 3],
    ]);
    expect(d.evaluations.find((e) => e.cluster === 'warsaw')!.refusal).toMatchObject({ code: 'InsufficientCapacity', plugin: 'ResourceFit' });
  });

  it('more replicas than verified capacity is a refusal with the figures', () => {
    const clusters = [member('a', { cpuMillis: 2000 }), member('b', { cpuMillis: 1000 })];
    const d = schedule(workload({ replicas: 7, cpu: '500m' }), snapshotOf(clusters));
    expect(d.unschedulable).toEqual({
      code: 'InsufficientCapacity',
      message: '7 replica(s) asked; the verified free capacity of the 2 selected cluster(s) holds 6',
    });
  });

  it('nowhere to go says why, by code', () => {
    const d = schedule(workload({ placement: { countries: { include: ['DE'] } } }), snapshotOf(three()));
    expect(d.unschedulable).toEqual({ code: 'NoFeasibleCluster', message: 'no cluster passes the filters: 3 of 3 cluster(s) refused (CountryNotAllowed: 3)' });
  });

  it('Jobs divide parallelism and completions', () => {
    const clusters = [member('a', { cpuMillis: 3000 }), member('b', { cpuMillis: 1000 })];
    const d = schedule(
      workload({
        kind: 'Job',
        parallelism: 4,
        completions: 20,
        cpu: '1',
        placement: { replicaScheduling: { type: 'Divided', divisionPreference: 'Dynamic' } },
      }),
      snapshotOf(clusters),
    );
    expect(d.placements.map((p) => [p.cluster, p.replicas, p.completions])).toEqual([
      ['a', 3, 15],
      ['b', 1, 5],
    ]);
    // Duplicated: every cluster runs the whole Job.
    const everywhere = schedule(
      workload({ kind: 'Job', parallelism: 1, completions: 6, cpu: '1', placement: { replicaScheduling: { type: 'Duplicated' } } }),
      snapshotOf(clusters),
    );
    expect(everywhere.placements.map((p) => [p.cluster, p.replicas, p.completions])).toEqual([
      ['a', 1, 6],
      ['b', 1, 6],
    ]);
    // parallelism beyond completions is never placed
    const small = schedule(workload({ kind: 'Job', parallelism: 8, completions: 2 }), snapshotOf(clusters));
    expect(sum(small.placements.map((p) => p.replicas))).toBe(2);
  });
});

describe('ordered fallback', () => {
  const world = () =>
    snapshotOf([
      member('a', { country: 'FR' }),
      member('b', { country: 'DE' }),
      member('c', { country: 'GB', nodes: { c1: 'GB' } }),
      member('d', { country: 'FR', cpuMillis: 1000 }),
    ]);

  it('is used, in its order, when no preferred cluster fits', () => {
    const d = schedule(
      workload({ replicas: 3, cpu: '500m', placement: { clusterAffinity: { clusterNames: ['zz-missing'] }, fallback: ['d', 'b', 'a'] } }),
      world(),
    );
    expect(d.fallback).toBe(true);
    expect(d.placements.map((p) => [p.cluster, p.replicas])).toEqual([
      ['b', 1],
      ['d', 2],
    ]);
  });

  it('never bypasses jurisdiction, verification or policy', () => {
    const d = schedule(workload({ replicas: 1, placement: { clusterAffinity: { clusterNames: ['zz-missing'] }, fallback: ['c'] } }), world());
    expect(d).toMatchObject({ result: 'Unschedulable', fallback: false, placements: [] });
    expect(d.evaluations.find((e) => e.cluster === 'c')!.refusal).toMatchObject({ plugin: 'Jurisdiction', code: 'JurisdictionNotAllowed' });
  });

  it('is not used when preferred clusters fit', () => {
    const d = schedule(workload({ replicas: 1, placement: { clusterAffinity: { clusterNames: ['a'] }, fallback: ['b'] } }), world());
    expect(d).toMatchObject({ fallback: false, placements: [{ cluster: 'a', replicas: 1 }] });
  });
});

describe('stability', () => {
  const world = () => snapshotOf([member('a', { cpuMillis: 10_000 }), member('b', { cpuMillis: 20_000 }), member('c', { cpuMillis: 40_000 })]);
  const w = () => workload({ replicas: 4, cpu: '1' });

  it('keeps the current placement while the rules allow it', () => {
    const fresh = schedule(w(), world());
    expect(fresh.placements.map((p) => p.cluster)).not.toEqual(['a']);
    const kept = schedule(w(), world(), { current: [{ cluster: 'a', replicas: 4 }] });
    expect(kept.placements.map((p) => [p.cluster, p.replicas])).toEqual([['a', 4]]);
    expect(kept.reservations).toEqual([]);
    // The rest of the federation is ranked only when someone asks why.
    expect(kept.evaluations.map((e) => [e.cluster, e.score !== undefined])).toEqual([
      ['a', true],
      ['b', true],
      ['c', true],
    ]);
    expect(JSON.parse(JSON.stringify(kept)).evaluations).toHaveLength(3);
  });

  it('moves only the share of a cluster that is now refused', () => {
    const clusters = [
      member('a', { cpuMillis: 10_000 }),
      member('b', { cpuMillis: 20_000, taints: [{ key: 'cloudempire.eu/unreachable', effect: 'NoExecute' }] }),
      member('c', { cpuMillis: 40_000 }),
    ];
    const d = schedule(w(), snapshotOf(clusters), {
      current: [
        { cluster: 'a', replicas: 2 },
        { cluster: 'b', replicas: 2 },
      ],
    });
    const placed = Object.fromEntries(d.placements.map((p) => [p.cluster, p.replicas]));
    expect(placed.a).toBeGreaterThanOrEqual(2);
    expect(placed.b).toBeUndefined();
    expect(sum(d.placements.map((p) => p.replicas))).toBe(4);
    // Only the moved share is new: a's running pods are not booked twice.
    expect(sum(d.reservations.map((r) => r.pods))).toBe(2);
  });

  it('scales down from the least preferred cluster', () => {
    const d = schedule(workload({ replicas: 2, cpu: '1' }), world(), {
      current: [
        { cluster: 'a', replicas: 2 },
        { cluster: 'c', replicas: 2 },
      ],
    });
    expect(sum(d.placements.map((p) => p.replicas))).toBe(2);
  });

  it("a GPU pool that still fits is kept even when full with the workload's own pods", () => {
    const snapshot = snapshotOf(
      [member('a'), member('b')],
      [pool('a-h100', 'a', { nodes: { 'a-n1': [4, 4] } }), pool('b-h100', 'b', { nodes: { 'b-n1': [8, 0] } })],
    );
    const d = schedule(workload({ replicas: 2, placement: {}, gpu: { count: 2, resourceName: 'nvidia.com/gpu' } }), snapshot, {
      current: [{ cluster: 'a', pool: 'a-h100', replicas: 2 }],
    });
    expect(d.placements.map((p) => [p.cluster, p.pool, p.replicas])).toEqual([['a', 'a-h100', 2]]);
  });
});
