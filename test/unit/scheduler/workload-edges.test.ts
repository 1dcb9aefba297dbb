// Reading a workload and building a snapshot at their edges: every refusal of a template names the
// field and the fix, init containers count as the kube-scheduler counts them, and a snapshot or a
// reservation that cannot be right throws instead of double-booking.
import { parseImageReference } from '../../../src/scheduler/image-reference.ts';
import { schedule } from '../../../src/scheduler/schedule.ts';
import { makePoolGroup, makeSnapshot, reserve, slotsFor, type PoolNode } from '../../../src/scheduler/snapshot.ts';
import { member, pool, snapshotOf, workload } from './fixtures.ts';

const podSpecOf = (fw: ReturnType<typeof workload>) =>
  (fw.spec.template.spec as { template: { spec: { containers: Record<string, unknown>[]; initContainers?: Record<string, unknown>[] } } }).template.spec;
const invalid = (fw: ReturnType<typeof workload>) => {
  const d = schedule(fw, snapshotOf([member('a')]));
  expect(d.result).toBe('Error');
  return d.unschedulable!.message;
};

describe('reading a workload', () => {
  it('a quantity that is not one names the field and shows how to write it', () => {
    expect(invalid(workload({ cpu: 'lots' }))).toBe(
      'spec.template.spec.template.spec.containers[0].resources.requests.cpu: "lots" is not a cpu quantity; write e.g. 500m or 2',
    );
    expect(invalid(workload({ memory: 'plenty' }))).toBe(
      'spec.template.spec.template.spec.containers[0].resources.requests.memory: "plenty" is not a memory quantity; write e.g. 512Mi or 4Gi',
    );
  });

  it('an init container asking more than the containers together sets what a pod needs', () => {
    const fw = workload({ replicas: 1, cpu: '500m', memory: '64Mi' });
    podSpecOf(fw).initContainers = [
      { name: 'migrate', image: 'registry.example.eu/team/migrate:1', resources: { requests: { cpu: '3', memory: '32Mi' } } },
      { name: 'warm', image: 'registry.example.eu/team/warm:1', resources: { requests: { cpu: '1' } } },
    ];
    const [reservation] = schedule(fw, snapshotOf([member('a')])).reservations;
    expect(reservation).toMatchObject({ cpuMillisPerPod: 3000, memoryMiBPerPod: 64 });
    podSpecOf(fw).initContainers![0] = { name: 'migrate', image: 'registry.example.eu/team/migrate:1', resources: { requests: { cpu: 'x' } } };
    expect(invalid(fw)).toMatch(/^spec\.template\.spec\.template\.spec\.initContainers\[0\]\.resources\.requests\.cpu: "x" is not a cpu quantity/);
  });

  it('a container without an image, and a negative replica count, are refused by field', () => {
    const noImage = workload();
    delete podSpecOf(noImage).containers[0].image;
    expect(invalid(noImage)).toBe('spec.template.spec.template.spec.containers[0].image: container app has no image');
    const negative = workload();
    (negative.spec.template.spec as { replicas: number }).replicas = -1;
    expect(invalid(negative)).toBe('spec.template.spec.replicas: -1 is not a non-negative integer');
  });

  it('an unnamed container is named by its index in registry refusals', () => {
    const fw = workload({ image: 'docker.io/library/nginx:1.27' });
    delete podSpecOf(fw).containers[0].name;
    podSpecOf(fw).initContainers = [{ image: 'quay.io/team/init:1' }];
    const d = schedule(fw, snapshotOf([member('a', { allowedRegistries: ['registry.example.eu'] })]));
    const reason = d.evaluations[0].refusal!.reason;
    expect(reason).toMatch(/^container #0 pulls quay\.io\/team\/init:1 from quay\.io/);
  });
});

describe('image references', () => {
  it('refuses a registry that is not a host[:port] and an upper-case repository, naming both', () => {
    expect(() => parseImageReference('my_registry:5000/team/app:1')).toThrow(
      'image my_registry:5000/team/app:1: registry my_registry:5000 is not a host[:port]',
    );
    expect(() => parseImageReference('registry.example.eu/Team/App:1')).toThrow(
      'image registry.example.eu/Team/App:1: repository Team/App must be lower-case path components',
    );
  });
});

describe('snapshot edges', () => {
  it('a cluster named twice, or a reservation the snapshot cannot hold, throws', () => {
    const a = snapshotOf([member('a')]).clusters[0];
    expect(() => makeSnapshot([a, a])).toThrow('snapshot: cluster a appears twice');
    const snapshot = snapshotOf([member('a', { cpuMillis: 1_000 })], [pool('a-h100', 'a', { nodes: { 'a-n1': [8, 0] } })]);
    const base = { cpuMillisPerPod: 100, memoryMiBPerPod: 64 };
    expect(() => reserve(snapshot, [{ cluster: 'z', pods: 1, ...base }])).toThrow('reserve: cluster z is not in the snapshot');
    expect(() => reserve(snapshot, [{ cluster: 'a', pods: 11, ...base }])).toThrow('reserve: 11 pod(s) exceed the free CPU or memory of a');
    expect(() => reserve(snapshot, [{ cluster: 'a', pods: 1, ...base, pool: 'nope', country: 'FR', devicesPerPod: 1 }])).toThrow(
      'reserve: pool nope is not in cluster a',
    );
    // Exactly the free CPU fits.
    expect(reserve(snapshot, [{ cluster: 'a', pods: 10, ...base }]).clusters[0].cpuMillisFree).toBe(0);
  });

  it('counts whole pods per node when devices per node run into thousands (no histogram)', () => {
    const nodes = [2_000, 1_500, 999].map((free, i): PoolNode => ({ node: { name: `n${i}` } as PoolNode['node'], free }));
    const group = makePoolGroup('FR', 'EU', nodes);
    expect(group.nodesWithFree).toHaveLength(0);
    expect(slotsFor(group, 1_000)).toBe(3);
    expect(slotsFor(group, 600)).toBe(3 + 2 + 1);
  });

  it('a pool without nodeCapacity counts nothing; a price without currency is in EUR', () => {
    const bare = pool('a-h100', 'a', { price: '2.50', nodes: {} });
    delete bare.status!.nodeCapacity;
    delete (bare.spec.pricePerGpuHour as { currency?: string }).currency;
    const [info] = snapshotOf([member('a')], [bare]).clusters[0].pools;
    expect(info).toMatchObject({ free: 0, allocatable: 0, price: 2.5, priceText: '2.50', currency: 'EUR' });
  });
});

describe('pool refusals', () => {
  it('a pool not Ready says why, and a price cap names the price, currency and cap', () => {
    const snapshot = snapshotOf([member('a')], [pool('a-h100', 'a', { ready: false, nodes: { 'a-n1': [8, 0] } })]);
    const d = schedule(workload({ gpu: { count: 1, resourceName: 'nvidia.com/gpu' } }), snapshot);
    expect(JSON.stringify(d.evaluations)).toContain('pool a-h100 is not Ready: member unreachable');
    const pricey = snapshotOf([member('a')], [pool('a-h100', 'a', { price: '9.90', nodes: { 'a-n1': [8, 0] } })]);
    const capped = schedule(workload({ gpu: { count: 1, resourceName: 'nvidia.com/gpu' }, placement: { maxPricePerGpuHour: '4.00' } }), pricey);
    expect(JSON.stringify(capped.evaluations)).toContain('pool a-h100 costs 9.90 EUR per GPU-hour, above placement.maxPricePerGpuHour 4.00');
  });
});
