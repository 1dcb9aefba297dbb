// What a workload that does not fit is told, word for word: the sentence an operator reads in
// `Scheduled=False` and in `empirectl explain`, for each way a cluster or the whole federation falls short.
import { schedule } from '../../../src/scheduler/schedule.ts';
import { member, pool, snapshotOf, workload } from './fixtures.ts';

const gpu = (count: number) => ({ count, resourceName: 'nvidia.com/gpu' });
const refusalIn = (d: ReturnType<typeof schedule>, cluster: string) => d.evaluations.find((e) => e.cluster === cluster)?.refusal;

describe('refusal messages', () => {
  it('a GPU workload on a cluster without any GpuPool', () => {
    const d = schedule(workload({ replicas: 1, gpu: gpu(1) }), snapshotOf([member('a')]));
    expect(refusalIn(d, 'a')).toEqual({ plugin: 'GpuFit', code: 'NoGpuPools', reason: 'cluster a has no GpuPool' });
  });

  it('too few free devices: the pools that could take some are named, best ranked first, with their free and allocatable devices', () => {
    const snapshot = snapshotOf(
      [member('a'), member('b')],
      [pool('a-h100', 'a', { nodes: { 'a-n1': [8, 6] } }), pool('b-h100', 'b', { nodes: { 'b-n1': [8, 4] } })],
    );
    const d = schedule(workload({ replicas: 4, gpu: gpu(2) }), snapshot);
    expect(d.unschedulable).toEqual({
      code: 'InsufficientCapacity',
      message:
        '4 replica(s) asked; the verified free capacity of the 2 selected cluster(s) holds 3 (pool b/b-h100: 4 of 8 nvidia.com/gpu free; pool a/a-h100: 2 of 8 nvidia.com/gpu free)',
    });
  });

  it('Weighted: only the clusters the weights name count in the room reported', () => {
    const d = schedule(
      workload({
        replicas: 5,
        cpu: '1',
        placement: { replicaScheduling: { type: 'Divided', divisionPreference: 'Weighted', weights: [{ clusterName: 'a', weight: 1 }] } },
      }),
      snapshotOf([member('a', { cpuMillis: 2_000 }), member('b', { cpuMillis: 50_000 })]),
    );
    expect(d.unschedulable).toEqual({
      code: 'InsufficientCapacity',
      message: '5 replica(s) asked; the verified free capacity of the 2 selected cluster(s) holds 2',
    });
  });

  it('Duplicated: no cluster fits every replica, each refused with what it fits', () => {
    const d = schedule(
      workload({ replicas: 3, cpu: '1', placement: { replicaScheduling: { type: 'Duplicated' } } }),
      snapshotOf([member('a', { cpuMillis: 2_000 }), member('b', { cpuMillis: 1_000 })]),
    );
    expect(d.unschedulable).toEqual({ code: 'InsufficientCapacity', message: 'no cluster fits all 3 replica(s)' });
    expect(refusalIn(d, 'b')).toEqual({
      plugin: 'ResourceFit',
      code: 'InsufficientCapacity',
      reason: 'Duplicated: every cluster runs all 3 replica(s); b fits 1',
    });
  });

  it('a current share of zero replicas is no current placement: decided as new', () => {
    const d = schedule(workload({ replicas: 2, cpu: '1' }), snapshotOf([member('a'), member('b')]), { current: [{ cluster: 'b', replicas: 0 }] });
    expect(d.reservations.length).toBeGreaterThan(0);
    expect(d.placements.reduce((n, p) => n + p.replicas, 0)).toBe(2);
  });

  it('a workload that cannot be read, without a namespace, is an Error decision keyed in default', () => {
    const broken = workload({ replicas: 1 });
    delete (broken.metadata as { namespace?: string }).namespace;
    (broken.spec.template.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers = [];
    const d = schedule(broken, snapshotOf([member('a')]));
    expect(d).toMatchObject({ workload: 'default/app', result: 'Error', placements: [] });
    expect(JSON.stringify(d)).toContain('the pod template has no containers');
  });
});
