import type { FederatedWorkload, GpuPool } from '../../../src/api/generated/types.ts';
import { book, bookedNote, bookingsOf, type Booking } from '../../../src/scheduler/bookings.ts';
import { schedule } from '../../../src/scheduler/schedule.ts';
import { clusterNamed, type PoolInfo, type Snapshot } from '../../../src/scheduler/snapshot.ts';
import { member, pool, snapshotOf, workload } from './fixtures.ts';

const T = '2026-12-01T00:00:00Z';
const paris = member('paris', { nodes: { a: 'FR', b: 'FR', c: 'DE' } });

/** A pool whose nodes hold [allocatable, allocated, federation's own of allocated]. */
function poolWith(nodes: Record<string, [number, number, number]>): GpuPool {
  const p = pool('h100', 'paris', { nodes: Object.fromEntries(Object.entries(nodes).map(([n, [a, b]]) => [n, [a, b]])) });
  p.status!.nodeCapacity = p.status!.nodeCapacity!.map((e) => ({ ...e, federationAllocated: nodes[e.name][2] }));
  return p;
}
const h100 = (snapshot: Snapshot): PoolInfo => clusterNamed(snapshot, 'paris')!.pools[0];
const freeByNode = (p: PoolInfo) => Object.fromEntries(p.groups.flatMap((g) => g.nodes.map((n) => [n.node.name, n.free])));
const booking = (workload: string, pods: number, devicesPerPod: number, country?: string): Booking => ({
  workload,
  cluster: 'paris',
  pool: 'h100',
  pods,
  devicesPerPod,
  ...(country && { country }),
});

function placed(name: string, replicas: number, count: number, extra: Partial<FederatedWorkload['metadata']> = {}, txId = 'tx1'): FederatedWorkload {
  const fw = workload({ name, replicas, gpu: { count, resourceName: 'nvidia.com/gpu' } });
  Object.assign(fw.metadata, extra);
  fw.status = { decision: { placements: [{ cluster: 'paris', pool: 'h100', country: 'FR', replicas }], ...(txId && { ledgerTxId: txId }) } };
  return fw;
}

describe('GPU bookings', () => {
  it('are the GPU shares of recorded decisions only: not unrecorded, deleting, CPU-only or finished Job ones', () => {
    const job = placed('job', 1, 2);
    job.spec.template = { apiVersion: 'batch/v1', kind: 'Job', spec: {} } as never;
    job.status!.conditions = [{ type: 'Ready', status: 'True', reason: 'JobsComplete', message: '', lastTransitionTime: T }];
    const cpu = placed('cpu', 1, 1);
    delete cpu.spec.gpu;
    expect(bookingsOf([placed('llm', 2, 4), placed('unrecorded', 1, 8, {}, ''), placed('going', 1, 8, { deletionTimestamp: new Date(T) }), cpu, job])).toEqual([
      { workload: 'team/llm', cluster: 'paris', pool: 'h100', country: 'FR', pods: 2, devicesPerPod: 4 },
    ]);
  });

  it("take the federation's bound devices first, so bound pods are not deducted twice, then free ones, as whole pods", () => {
    // a: 8 devices, 4 held by the federation's pods; b: 8 free.
    const snapshot = snapshotOf([paris], [poolWith({ a: [8, 4, 4], b: [8, 0, 0] })]);
    expect(h100(snapshot).free).toBe(12);
    const booked = h100(book(snapshot, [booking('team/llm', 2, 4)]));
    // One pod is the bound one on a (held), the other takes 4 free devices of a.
    expect(freeByNode(booked)).toEqual({ a: 0, b: 8 });
    expect(booked.free).toBe(8);
    expect(booked.booked).toEqual([{ workload: 'team/llm', devices: 8 }]);
  });

  it('count foreign pods as used and never hand them to a booking', () => {
    const snapshot = snapshotOf([paris], [poolWith({ a: [8, 4, 0], b: [8, 0, 0] })]);
    expect(freeByNode(h100(book(snapshot, [booking('team/llm', 1, 8)])))).toEqual({ a: 4, b: 0 });
  });

  it("take from the nodes of the share's approved country only", () => {
    const snapshot = snapshotOf([paris], [poolWith({ a: [4, 0, 0], b: [4, 0, 0], c: [4, 0, 0] })]);
    expect(freeByNode(h100(book(snapshot, [booking('team/de', 1, 4, 'DE')])))).toEqual({ a: 4, b: 4, c: 0 });
  });

  it('that no longer fit as pods still take every device left, and never go below zero', () => {
    const snapshot = snapshotOf([paris], [poolWith({ a: [4, 0, 0], b: [2, 0, 0] })]);
    const booked = h100(book(snapshot, [booking('team/big', 2, 4)]));
    expect(freeByNode(booked)).toEqual({ a: 0, b: 0 });
    expect(booked.free).toBe(0);
  });

  it('leave clusters and pools they do not name as they are', () => {
    const snapshot = snapshotOf([paris], [poolWith({ a: [8, 0, 0], b: [8, 0, 0] })]);
    expect(book(snapshot, [])).toBe(snapshot);
    expect(book(snapshot, [{ ...booking('team/x', 1, 8), cluster: 'gone' }]).clusters[0]).toBe(snapshot.clusters[0]);
  });

  it('are named, largest first, in what a refused workload reads', () => {
    const snapshot = book(snapshotOf([paris], [poolWith({ a: [8, 0, 0], b: [8, 0, 0] })]), [booking('team/small', 1, 4), booking('team/large', 3, 4)]);
    expect(bookedNote([h100(snapshot)])).toBe('; 12 booked by team/large, 4 by team/small');
    expect(bookedNote([{}])).toBe('');
    const decision = schedule(workload({ name: 'late', gpu: { count: 8, resourceName: 'nvidia.com/gpu' } }), snapshot, { defaultJurisdictions: ['EU'] });
    expect(decision.result).toBe('Unschedulable');
    expect(decision.evaluations.find((e) => e.cluster === 'paris')?.refusal?.reason).toContain(
      'pool h100 has 0 of 16 nvidia.com/gpu free on verified nodes; 12 booked by team/large, 4 by team/small, a pod needs 8',
    );
  });

  it('leave room for what fits: a second workload is placed on what the first did not book', () => {
    const snapshot = book(snapshotOf([paris], [poolWith({ a: [8, 0, 0], b: [8, 0, 0] })]), [booking('team/first', 1, 8)]);
    const decision = schedule(workload({ name: 'second', gpu: { count: 8, resourceName: 'nvidia.com/gpu' } }), snapshot, { defaultJurisdictions: ['EU'] });
    expect(decision.placements).toMatchObject([{ cluster: 'paris', pool: 'h100', replicas: 1 }]);
    const third = schedule(
      workload({ name: 'third', replicas: 2, gpu: { count: 8, resourceName: 'nvidia.com/gpu' } }),
      book(snapshot, [booking('team/second', 1, 8)]),
      { defaultJurisdictions: ['EU'] },
    );
    expect(third.result).toBe('Unschedulable');
  });

  describe('of a finished Job, only when its Ready condition says JobsComplete', () => {
    const withCondition = (kind: 'Job' | 'Deployment', conditions: { type: string; status: 'True' | 'False'; reason: string }[]) => {
      const fw = placed(`${kind.toLowerCase()}-${conditions.map((c) => `${c.type}-${c.status}-${c.reason}`).join('-')}`, 1, 2);
      if (kind === 'Job') fw.spec.template = { apiVersion: 'batch/v1', kind: 'Job', spec: {} } as never;
      fw.status!.conditions = conditions.map((c) => ({ ...c, message: '', lastTransitionTime: T }));
      return fw;
    };
    it.each([
      ['a Deployment whose Ready says JobsComplete', withCondition('Deployment', [{ type: 'Ready', status: 'True', reason: 'JobsComplete' }])],
      ['a Job Ready for another reason', withCondition('Job', [{ type: 'Ready', status: 'True', reason: 'JobsRunning' }])],
      ['a Job not Ready, with JobsComplete', withCondition('Job', [{ type: 'Ready', status: 'False', reason: 'JobsComplete' }])],
      ['a Job whose other condition says JobsComplete', withCondition('Job', [{ type: 'Scheduled', status: 'True', reason: 'JobsComplete' }])],
      ['a Job without conditions', withCondition('Job', [])],
    ])('%s still books', (_name, fw) => {
      if (!fw.status!.conditions!.length) delete fw.status!.conditions;
      expect(bookingsOf([fw])).toHaveLength(1);
    });
    it('a Job Ready with JobsComplete beside other conditions books nothing', () => {
      const fw = withCondition('Job', [
        { type: 'Scheduled', status: 'True', reason: 'Placed' },
        { type: 'Ready', status: 'True', reason: 'JobsComplete' },
      ]);
      expect(bookingsOf([fw])).toEqual([]);
    });
  });

  it('skip workloads without a status or a decision, shares without a pool and shares of no pods', () => {
    const bare = placed('bare', 1, 4);
    delete bare.status;
    const undecided = placed('undecided', 1, 4);
    undecided.status = {};
    const mixed = placed('mixed', 1, 4);
    mixed.status!.decision!.placements = [
      { cluster: 'paris', replicas: 2 },
      { cluster: 'paris', pool: 'h100', replicas: 0 },
      { cluster: 'paris', pool: 'h100', country: 'FR', replicas: 1 },
    ] as never;
    expect(bookingsOf([bare, undecided, mixed])).toEqual([
      { workload: 'team/mixed', cluster: 'paris', pool: 'h100', country: 'FR', pods: 1, devicesPerPod: 4 },
    ]);
  });

  it('hand each bound device to one booking only', () => {
    // a: 8 devices, 4 held by the federation's pods; b: 8 free. The first booking gets the held pod; the second takes whole free pods.
    const snapshot = snapshotOf([paris], [poolWith({ a: [8, 4, 4], b: [8, 0, 0] })]);
    expect(freeByNode(h100(book(snapshot, [booking('team/a', 1, 4), booking('team/b', 1, 8)])))).toEqual({ a: 4, b: 0 });
  });

  it('that no longer fit as pods take only the devices they lack, node by node', () => {
    const snapshot = snapshotOf([paris], [poolWith({ a: [4, 0, 0], b: [2, 0, 0], c: [3, 0, 0] })]);
    // One pod fits on a; the other's 4 devices come from the nodes in snapshot order (c in DE first: 3, then b: 1 of 2).
    expect(freeByNode(h100(book(snapshot, [booking('team/big', 2, 4)])))).toEqual({ a: 0, b: 1, c: 0 });
  });

  it("take from the approved country's nodes even when another country's come first", () => {
    const snapshot = snapshotOf([paris], [poolWith({ a: [4, 0, 0], b: [4, 0, 0], c: [4, 0, 0] })]);
    expect(freeByNode(h100(book(snapshot, [booking('team/fr', 1, 4, 'FR')])))).toEqual({ a: 0, b: 4, c: 4 });
  });

  it('are taken in workload order, whatever order they come in, so every replica computes the same free devices', () => {
    const snapshot = snapshotOf([paris], [poolWith({ a: [4, 0, 0], b: [4, 0, 0] })]);
    const expected = { a: 0, b: 2 };
    expect(freeByNode(h100(book(snapshot, [booking('team/a', 1, 4), booking('team/b', 1, 2)])))).toEqual(expected);
    expect(freeByNode(h100(book(snapshot, [booking('team/b', 1, 2), booking('team/a', 1, 4)])))).toEqual(expected);
  });

  it('touch only the pool they name in a cluster of several pools', () => {
    const a100 = pool('a100', 'paris', { nodes: { c: [8, 0] }, model: 'NVIDIA-A100-SXM4-80GB' });
    const snapshot = book(snapshotOf([paris], [poolWith({ a: [8, 0, 0], b: [8, 0, 0] }), a100]), [booking('team/x', 1, 8)]);
    const pools = clusterNamed(snapshot, 'paris')!.pools;
    expect(Object.fromEntries(pools.map((p) => [p.name, p.free]))).toEqual({ h100: 8, a100: 8 });
  });

  it('are listed largest first, then by name, and at most five by name', () => {
    const snapshot = snapshotOf([paris], [poolWith({ a: [64, 0, 0], b: [64, 0, 0] })]);
    const bookings = [booking('team/d', 1, 4), booking('team/c', 3, 4), booking('team/b', 1, 4), booking('team/a', 2, 4)];
    expect(bookedNote([h100(book(snapshot, bookings))])).toBe('; 12 booked by team/c, 8 by team/a, 4 by team/b, 4 by team/d');
    const six = ['f', 'e', 'd', 'c', 'b', 'a'].map((n, i) => booking(`team/${n}`, 1, i + 1));
    expect(bookedNote([h100(book(snapshot, six))])).toBe('; 6 booked by team/a, 5 by team/b, 4 by team/c, 3 by team/d, 2 by team/e and 1 more workload(s)');
    expect(bookedNote([h100(book(snapshot, six.slice(1)))])).toBe('; 6 booked by team/a, 5 by team/b, 4 by team/c, 3 by team/d, 2 by team/e');
  });
});
