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
});
