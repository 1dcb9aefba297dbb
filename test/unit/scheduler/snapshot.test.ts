import { cpuMillis, memoryMiB, parseQuantity } from '../../../src/capacity/quantity.ts';
import { verifiedResources } from '../../../src/capacity/cluster-resources.ts';
import { parseImageReference } from '../../../src/scheduler/image-reference.ts';
import { scheduleAll } from '../../../src/scheduler/schedule.ts';
import { clusterNamed, reserve } from '../../../src/scheduler/snapshot.ts';
import { placementTargets, toStatusDecision } from '../../../src/scheduler/status.ts';
import { validate } from '../../../src/api/validate.ts';
import { member, pool, snapshotOf, sovereignNode, workload } from './fixtures.ts';

describe('snapshot builder', () => {
  it('takes countries from verified, unexpired, current verdicts only', () => {
    const c = member('a', {
      country: 'DE',
      nodes: { ok: 'FR', revoked: { country: 'FR', verified: false }, expired: { country: 'IT', expiresAt: '2026-01-01T00:00:00Z' } },
    });
    const stale = sovereignNode('a', 'stale', 'ES');
    stale.metadata.generation = 2; // spec changed since the verdict
    c.nodes.push(stale);
    const info = clusterNamed(snapshotOf([c]), 'a')!;
    expect(info.countries.map((g) => [g.country, g.nodes.map((n) => n.name)])).toEqual([['FR', ['ok']]]);
    expect(info.declaredCountry).toBe('DE');
  });

  it('counts pool devices on verified nodes only, per node', () => {
    const c = member('a', { nodes: { n1: 'FR', n2: 'FR', bad: { country: 'FR', verified: false } } });
    const info = clusterNamed(snapshotOf([c], [pool('p', 'a', { nodes: { n1: [8, 3], n2: [4, 4], bad: [8, 0] } })]), 'a')!;
    expect(info.pools[0].free).toBe(5);
    expect(info.pools[0].groups[0].nodes.map((n) => [n.node.name, n.free])).toEqual([
      ['n1', 5],
      ['n2', 0],
    ]);
  });
});

describe('reservation', () => {
  it('deducts devices per node and leaves the original snapshot untouched', () => {
    const snapshot = snapshotOf([member('a', { nodes: { n1: 'FR', n2: 'FR' } })], [pool('p', 'a', { nodes: { n1: [3, 0], n2: [4, 0] } })]);
    const next = reserve(snapshot, [{ cluster: 'a', pods: 2, cpuMillisPerPod: 1000, memoryMiBPerPod: 0, pool: 'p', country: 'FR', devicesPerPod: 2 }]);
    expect(clusterNamed(next, 'a')!.pools[0].groups[0].nodes.map((n) => n.free)).toEqual([1, 2]);
    expect(clusterNamed(next, 'a')!.cpuMillisFree).toBe(62_000);
    expect(clusterNamed(snapshot, 'a')!.pools[0].free).toBe(7);
    expect(() => reserve(next, [{ cluster: 'a', pods: 2, cpuMillisPerPod: 0, memoryMiBPerPod: 0, pool: 'p', country: 'FR', devicesPerPod: 2 }])).toThrow(
      /do not fit pool p/,
    );
  });

  it('a batch never double-books: the third 4-GPU job finds the pool full', () => {
    const snapshot = snapshotOf([member('a', { nodes: { n1: 'FR' } })], [pool('p', 'a', { nodes: { n1: [8, 0] } })]);
    const gpuJob = (name: string) => workload({ name, kind: 'Job', gpu: { count: 4, resourceName: 'nvidia.com/gpu' } });
    const { decisions, snapshot: after } = scheduleAll([gpuJob('j1'), gpuJob('j2'), gpuJob('j3')], snapshot);
    expect(decisions.map((d) => d.result)).toEqual(['Scheduled', 'Scheduled', 'Unschedulable']);
    expect(decisions[2].evaluations[0].poolRefusals?.[0].code).toBe('InsufficientGpus');
    expect(clusterNamed(after, 'a')!.pools[0].free).toBe(0);
  });
});

describe('decision for the status and the ledger', () => {
  it('validates against the FederatedWorkload schema and names nodes, DIDs, countries, providers', () => {
    const snapshot = snapshotOf(
      [member('a', { provider: 'ovhcloud' }), member('b', { country: 'GB', nodes: { b1: 'GB' } })],
      [pool('a-h100', 'a', { provider: 'ovhcloud', nodes: { 'a-n1': [8, 0] } })],
    );
    const fw = workload({ kind: 'Job', parallelism: 2, completions: 4, gpu: { count: 2, resourceName: 'nvidia.com/gpu' } });
    const [decision] = scheduleAll([fw], snapshot).decisions;
    const status = toStatusDecision(decision, { ledgerTxId: 'tx1', decidedAt: '2026-12-01T00:00:00Z' });
    expect(status.placements).toEqual([
      { cluster: 'a', pool: 'a-h100', replicas: 2, completions: 4, score: expect.any(Number), country: 'FR', provider: 'ovhcloud', nodes: 1 },
    ]);
    expect(status.refused).toEqual([expect.objectContaining({ cluster: 'b', plugin: 'Jurisdiction', code: 'JurisdictionNotAllowed' })]);
    const result = validate('FederatedWorkload', { ...fw, status: { decision: status } });
    expect(result.ok ? [] : result.issues).toEqual([]);
    expect(placementTargets(decision)).toEqual([
      {
        cluster: 'a',
        pool: 'a-h100',
        provider: 'ovhcloud',
        countryCode: 'FR',
        nodes: [{ memberCluster: 'a', nodeName: 'a-n1', did: 'did:web:nodes.example.eu:a:a-n1' }],
      },
    ]);
  });
});

describe('quantities and image references', () => {
  it('parses Kubernetes quantities', () => {
    expect(cpuMillis('250m')).toBe(250);
    expect(cpuMillis('2')).toBe(2000);
    expect(cpuMillis('1.5')).toBe(1500);
    expect(memoryMiB('64Gi')).toBe(65_536);
    expect(memoryMiB('1G')).toBe(954);
    expect(memoryMiB('1e9')).toBe(954);
    expect(parseQuantity('12Ki')).toBe(12_288);
    expect(parseQuantity('lots')).toBeUndefined();
    expect(parseQuantity('1.2.3')).toBeUndefined();
  });

  it.each([
    ['nginx', 'docker.io', 'library/nginx'],
    ['nginx:1.27', 'docker.io', 'library/nginx'],
    ['team/app', 'docker.io', 'team/app'],
    ['index.docker.io/team/app:1', 'docker.io', 'team/app'],
    ['ghcr.io/vllm-project/vllm-openai:v0.6.4', 'ghcr.io', 'vllm-project/vllm-openai'],
    ['registry.example.eu:5000/ml/embedder:2.0.1', 'registry.example.eu:5000', 'ml/embedder'],
    ['localhost/app', 'localhost', 'app'],
    ['Registry.Example.EU/app@sha256:' + 'b'.repeat(64), 'registry.example.eu', 'app'],
  ])('%s → %s %s', (image, registry, repository) => {
    expect(parseImageReference(image)).toMatchObject({ registry, repository });
  });

  it.each(['', 'UPPER/app', 'app:bad tag', 'a@sha256:xyz', ' nginx'])('refuses %j', (image) => {
    expect(() => parseImageReference(image)).toThrow(/image/);
  });

  it('free CPU and memory on verified nodes only, minus running pods', () => {
    const node = (name: string, cpu: string, memory: string) => ({ metadata: { name }, status: { allocatable: { cpu, memory } } });
    const pod = (nodeName: string, cpu: string, phase = 'Running') => ({
      spec: { nodeName, containers: [{ name: 'c', resources: { requests: { cpu, memory: '1Gi' } } }] },
      status: { phase },
    });
    const free = verifiedResources(
      [node('v', '8', '16Gi'), node('u', '64', '256Gi')],
      [pod('v', '1500m'), pod('v', '4', 'Succeeded'), pod('u', '2')],
      new Set(['v']),
    );
    expect(free).toEqual({ cpuMillis: 6500, memoryMiB: 15_360 });
  });
});
