// Boundaries and sentences of the cluster and pool filters: equal is enough,
// every listed name is shown, a workload already running somewhere still fits
// there, and the tolerations of core/v1.
import { podsThatFit, UNBOUNDED_PODS } from '../../../src/scheduler/plugins/resource-fit.ts';
import { taintToleration, tolerates } from '../../../src/scheduler/plugins/taint-toleration.ts';
import { schedule } from '../../../src/scheduler/schedule.ts';
import type { ClusterInfo } from '../../../src/scheduler/snapshot.ts';
import { member, pool, snapshotOf, workload } from './fixtures.ts';

const refusalOf = (decision: ReturnType<typeof schedule>, cluster = 'x') => decision.evaluations.find((e) => e.cluster === cluster)?.refusal;
const poolRefusalOf = (decision: ReturnType<typeof schedule>, cluster = 'x') => decision.evaluations.find((e) => e.cluster === cluster)?.poolRefusals?.[0];
const H100 = { count: 1, resourceName: 'nvidia.com/gpu' };

describe('CPU and memory', () => {
  const cluster = (cpuMillisFree: number, memoryMiBFree: number) => ({ cpuMillisFree, memoryMiBFree }) as ClusterInfo;
  it('counts the pods that fit by each requested resource, the scarcer one deciding', () => {
    expect(podsThatFit(cluster(1000, 1024), 300, 0)).toBe(3);
    expect(podsThatFit(cluster(1000, 1024), 0, 500)).toBe(2);
    expect(podsThatFit(cluster(1000, 1024), 300, 100)).toBe(3);
    expect(podsThatFit(cluster(1000, 1024), 0, 0)).toBe(UNBOUNDED_PODS);
    expect(podsThatFit(cluster(0, 1024), 0, 512)).toBe(2);
    expect(podsThatFit(cluster(1000, 0), 500, 0)).toBe(2);
  });

  it('lets a pod use exactly what is free, and a cluster the workload runs in keep it', () => {
    expect(refusalOf(schedule(workload({ cpu: '1', memory: '1Gi' }), snapshotOf([member('x', { cpuMillis: 1000, memoryMiB: 1024 })])))).toBeUndefined();
    const full = snapshotOf([member('x', { cpuMillis: 500, memoryMiB: 512 })]);
    expect(refusalOf(schedule(workload({ cpu: '1' }), full))?.code).toBe('InsufficientCpu');
    expect(refusalOf(schedule(workload({ cpu: '1' }), full, { current: [{ cluster: 'x', replicas: 1 }] }))).toBeUndefined();
    expect(refusalOf(schedule(workload({ memory: '1Gi' }), full))?.code).toBe('InsufficientMemory');
  });
});

describe('GPU pools', () => {
  const gpuOn = (spec: Parameters<typeof pool>[2], w: Parameters<typeof workload>[0] = {}, options = {}) =>
    schedule(workload({ gpu: H100, ...w }), snapshotOf([member('x', { nodes: { 'x-de': 'DE', 'x-fr': 'FR' } })], [pool('x-h100', 'x', spec)]), options);

  it('say why a pool is refused, in full', () => {
    expect(poolRefusalOf(gpuOn({ nodes: { 'x-de': [8, 0] }, ready: false }))?.reason).toBe('pool x-h100 is not Ready: member unreachable');
    expect(poolRefusalOf(gpuOn({ nodes: { 'x-de': [8, 0] }, resourceName: 'amd.com/gpu' }))?.reason).toBe(
      'pool x-h100 offers amd.com/gpu, the workload asks for nvidia.com/gpu',
    );
    expect(poolRefusalOf(gpuOn({ nodes: { 'x-de': [1, 1] } }))?.reason).toBe('pool x-h100 has 0 of 1 nvidia.com/gpu free on verified nodes, a pod needs 1');
  });

  it('name the most devices free on one node of any allowed country', () => {
    const split = gpuOn({ nodes: { 'x-de': [3, 0], 'x-fr': [1, 0] } }, { gpu: { count: 4, resourceName: 'nvidia.com/gpu' } });
    expect(poolRefusalOf(split)).toMatchObject({
      code: 'PodDoesNotFitOnANode',
      reason: 'a pod needs 4 nvidia.com/gpu on one node; the most free on a verified node of pool x-h100 is 3',
    });
  });

  it('accept a pool with exactly the minimum memory, and say when a pool declares none', () => {
    const memory = (memoryMiB: number | undefined) =>
      schedule(
        workload({ gpu: { ...H100, minMemoryMiB: 40_000 } }),
        snapshotOf(
          [member('x')],
          [{ ...pool('x-h100', 'x', { nodes: { 'x-n1': [8, 0] } }), spec: { ...pool('x-h100', 'x', { nodes: {} }).spec, memoryMiB } } as never],
        ),
      );
    expect(memory(40_000).result).toBe('Scheduled');
    expect(poolRefusalOf(memory(39_999))?.code).toBe('GpuMemoryTooSmall');
    expect(poolRefusalOf(memory(undefined))?.reason).toBe('pool x-h100 has undeclared per device, the workload needs at least 40000 MiB');
  });

  it('keep a pool the workload already runs in, even when full', () => {
    const full = { nodes: { 'x-de': [1, 1] as [number, number] } };
    expect(poolRefusalOf(gpuOn(full))?.code).toBe('InsufficientGpus');
    expect(gpuOn(full, {}, { current: [{ cluster: 'x', pool: 'x-h100', replicas: 1 }] }).result).toBe('Scheduled');
  });

  it('cap the price at the limit itself, and name the currency', () => {
    const priced = (price: string) => gpuOn({ nodes: { 'x-de': [8, 0] }, price }, { placement: { maxPricePerGpuHour: '3.50' } });
    expect(priced('3.50').result).toBe('Scheduled');
    expect(poolRefusalOf(priced('3.51'))?.reason).toBe('pool x-h100 costs 3.51 EUR per GPU-hour, above placement.maxPricePerGpuHour 3.50');
  });
});

describe('names listed in a refusal', () => {
  it('show every allowed cluster, provider and registry', () => {
    const x = snapshotOf([member('x', { provider: 'ovhcloud' })]);
    expect(refusalOf(schedule(workload({ placement: { clusterAffinity: { clusterNames: ['a', 'b'] } } }), x))?.reason).toBe(
      'cluster x is not in placement.clusterAffinity.clusterNames (a, b)',
    );
    expect(refusalOf(schedule(workload({ placement: { providers: { include: ['ionos', 'scaleway'] } } }), x))?.reason).toBe(
      'cluster x is run by ovhcloud, not one of placement.providers.include (ionos, scaleway)',
    );
    const registries = snapshotOf([member('x', { allowedRegistries: ['a.example.eu', 'b.example.eu'] })]);
    expect(refusalOf(schedule(workload(), registries))?.reason).toMatch(/ only a\.example\.eu, b\.example\.eu$/);
  });
});

describe('tolerations', () => {
  const taint = { key: 'gpu', effect: 'NoSchedule' as const };
  it('follow core/v1: effect must match when given, an empty key needs Exists, no value equals no value', () => {
    expect(tolerates({ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }, taint)).toBe(true);
    expect(tolerates({ key: 'gpu', operator: 'Exists', effect: 'NoExecute' }, taint)).toBe(false);
    expect(tolerates({ operator: 'Equal' }, taint)).toBe(false);
    expect(tolerates({ operator: 'Exists' }, taint)).toBe(true);
    expect(tolerates({ key: 'gpu', operator: 'Equal' }, taint)).toBe(true);
    expect(tolerates({ key: 'gpu', operator: 'Equal', value: '' }, { ...taint, value: 'a' })).toBe(false);
    expect(tolerates({ key: 'other', operator: 'Exists' }, taint)).toBe(false);
  });

  it('lower the score only for an untolerated PreferNoSchedule taint', () => {
    const score = (taints: { key: string; effect: 'NoSchedule' | 'PreferNoSchedule' }[], tolerations: { key: string; operator: 'Exists' }[] = []) =>
      taintToleration.score({ request: { tolerations } } as never, { cluster: { taints } } as never);
    expect(score([{ key: 'a', effect: 'PreferNoSchedule' }])).toBe(0);
    expect(score([{ key: 'a', effect: 'PreferNoSchedule' }], [{ key: 'a', operator: 'Exists' }])).toBe(100);
    expect(score([{ key: 'a', effect: 'NoSchedule' }])).toBe(100);
    expect(score([{ key: 'a', effect: 'NoSchedule' }], [{ key: 'a', operator: 'Exists' }])).toBe(100);
  });
});
