// When a workload's current placement is kept as it is (schedule.ts keepCurrent) and when it is decided
// afresh: kept only while every running share still passes the filters, adds up to what is asked, stays
// within the weights and covers the spread constraints; and where a workload without GPUs lands inside a
// cluster whose verified nodes span several countries.
import type { Placement } from '../../../src/api/generated/types.ts';
import { schedule, type Decision } from '../../../src/scheduler/schedule.ts';
import { member, snapshotOf, workload } from './fixtures.ts';

const world = () => snapshotOf([member('a', { cpuMillis: 10_000 }), member('b', { cpuMillis: 20_000 }), member('c', { cpuMillis: 40_000 })]);
const shares = (d: Decision) => d.placements.map((p) => [p.cluster, p.replicas]);
// A kept placement books nothing new: its pods already run.
const kept = (d: Decision) => d.reservations.length === 0;

describe('the current placement, kept or decided again', () => {
  it('Duplicated: kept while every cluster runs all the replicas asked, decided again when one runs fewer', () => {
    const duplicated: Placement = { clusterAffinity: { clusterNames: ['a', 'b'] }, replicaScheduling: { type: 'Duplicated' } };
    const w = workload({ replicas: 2, cpu: '1', placement: duplicated });
    const full = schedule(w, world(), {
      current: [
        { cluster: 'a', replicas: 2 },
        { cluster: 'b', replicas: 2 },
      ],
    });
    expect(shares(full)).toEqual([
      ['a', 2],
      ['b', 2],
    ]);
    expect(kept(full)).toBe(true);
    const short = schedule(w, world(), {
      current: [
        { cluster: 'a', replicas: 2 },
        { cluster: 'b', replicas: 1 },
      ],
    });
    expect(shares(short)).toEqual([
      ['a', 2],
      ['b', 2],
    ]);
    expect(kept(short)).toBe(false);
  });

  // Found writing this test: the share on `a` was kept when the weights moved to `b` (the split started from
  // the running pods whatever their cluster's weight), so changing the weights never moved the workload.
  it('Weighted: a running share on a cluster the weights no longer name is not kept, nor started from', () => {
    const weighted = (clusterName: string): Placement => ({
      replicaScheduling: { type: 'Divided', divisionPreference: 'Weighted', weights: [{ clusterName, weight: 1 }] },
    });
    const onA = schedule(workload({ replicas: 2, cpu: '1', placement: weighted('a') }), world(), { current: [{ cluster: 'a', replicas: 2 }] });
    expect(shares(onA)).toEqual([['a', 2]]);
    expect(kept(onA)).toBe(true);
    const moved = schedule(workload({ replicas: 2, cpu: '1', placement: weighted('b') }), world(), { current: [{ cluster: 'a', replicas: 2 }] });
    expect(shares(moved)).toEqual([['b', 2]]);
    expect(kept(moved)).toBe(false);
  });

  it('a share on one cluster no longer covers a spread over two: decided again across two', () => {
    const spread: Placement = { spreadConstraints: [{ by: 'cluster', minGroups: 2 }] };
    const d = schedule(workload({ replicas: 2, cpu: '1', placement: spread }), world(), { current: [{ cluster: 'c', replicas: 2 }] });
    expect(d.placements).toHaveLength(2);
    expect(d.placements.every((p) => p.replicas === 1)).toBe(true);
    expect(kept(d)).toBe(false);
  });

  it('one replica covers a spread of minGroups 2 on one cluster: as much as it can, so it is kept', () => {
    const spread: Placement = { spreadConstraints: [{ by: 'cluster', minGroups: 2 }] };
    const d = schedule(workload({ replicas: 1, cpu: '1', placement: spread }), world(), { current: [{ cluster: 'a', replicas: 1 }] });
    expect(shares(d)).toEqual([['a', 1]]);
    expect(kept(d)).toBe(true);
  });

  it('shares on three clusters exceed a spread of maxGroups 2: decided again on two', () => {
    const spread: Placement = { spreadConstraints: [{ by: 'cluster', maxGroups: 2 }] };
    const current = ['a', 'b', 'c'].map((cluster) => ({ cluster, replicas: 1 }));
    const d = schedule(workload({ replicas: 3, cpu: '1', placement: spread }), world(), { current });
    expect(d.placements).toHaveLength(2);
    expect(kept(d)).toBe(false);
    // Two shares within maxGroups 2 are kept as they are.
    const two = schedule(workload({ replicas: 2, cpu: '1', placement: spread }), world(), {
      current: [
        { cluster: 'a', replicas: 1 },
        { cluster: 'b', replicas: 1 },
      ],
    });
    expect(shares(two)).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    expect(kept(two)).toBe(true);
  });

  it('a kept share runs in the country with most verified nodes of its cluster, and names that country’s nodes', () => {
    const border = member('border', { country: 'FR', nodes: { 'fr-1': 'FR', 'be-1': 'BE', 'be-2': 'BE', 'de-1': 'DE' } });
    const d = schedule(workload({ replicas: 1, cpu: '1' }), snapshotOf([border]), { current: [{ cluster: 'border', replicas: 1 }] });
    expect(kept(d)).toBe(true);
    expect(d.placements).toMatchObject([{ cluster: 'border', country: 'BE' }]);
    expect(d.placements[0].nodes.map((n) => n.name)).toEqual(['be-1', 'be-2']);
    // A tie keeps the first group in order.
    const even = member('even', { country: 'FR', nodes: { 'x-1': 'DE', 'y-1': 'FR' } });
    const tie = schedule(workload({ replicas: 1, cpu: '1' }), snapshotOf([even]), { current: [{ cluster: 'even', replicas: 1 }] });
    expect(tie.placements).toHaveLength(1);
    expect(tie.placements[0].country).toBe(snapshotOf([even]).clusters[0].countries[0].country);
  });
});
