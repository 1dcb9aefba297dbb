import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { GpuPoolSpec } from '../../../src/api/generated/types.ts';
import { podRequest, poolCapacity } from '../../../src/capacity/gpu-pool.ts';
import { matchesSelector } from '../../../src/capacity/selector.ts';
import { deviceCapacity } from '../../../src/controllers/membercluster.ts';

const node = (name: string, labels: Record<string, string>, gpus: string, allocatable = gpus): V1Node => ({
  metadata: { name, labels },
  status: { capacity: { cpu: '64', 'nvidia.com/gpu': gpus }, allocatable: { cpu: '64', 'nvidia.com/gpu': allocatable } },
});
const pod = (nodeName: string | undefined, limits: Record<string, string>, phase = 'Running', init?: Record<string, string>): V1Pod => ({
  spec: {
    nodeName,
    containers: [{ name: 'c', resources: { limits } }],
    ...(init ? { initContainers: [{ name: 'i', resources: { limits: init } }] } : {}),
  },
  status: { phase },
});

const spec: GpuPoolSpec = {
  memberCluster: 'paris',
  nodeSelector: { matchLabels: { pool: 'h100' } },
  resourceName: 'nvidia.com/gpu',
  model: 'NVIDIA-H100-80GB-HBM3',
  memoryMiB: 81559,
  provider: 'ovhcloud',
};

describe('label selectors', () => {
  it.each([
    [{ matchLabels: { a: '1' } }, { a: '1', b: '2' }, true],
    [{ matchLabels: { a: '1' } }, { a: '2' }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '2'] }] }, { a: '2' }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, {}, true],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, { b: '1' }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, { b: '1' }, true],
    [{}, {}, true],
  ])('%j on %j → %s', (selector, labels, expected) => {
    expect(matchesSelector(labels, selector as never)).toBe(expected);
  });
});

describe('pool capacity', () => {
  const nodes = [
    node('v1', { pool: 'h100', 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3', 'nvidia.com/gpu.memory': '81559', 'nvidia.com/gpu.count': '8' }, '8'),
    node('v2', { pool: 'h100', 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' }, '8', '7'),
    node('u1', { pool: 'h100' }, '8'),
    node('u2', { pool: 'h100' }, '8'),
    node('other', { pool: 'a100' }, '4'),
  ];

  it('counts only verified nodes, whatever labels the others carry', () => {
    const capacity = poolCapacity(spec, nodes, [], new Set(['v1', 'v2', 'other']));
    expect(capacity).toMatchObject({ nodes: 4, verifiedNodes: ['v1', 'v2'], capacity: 16, allocatable: 15, allocated: 0 });
  });

  it('deducts what running and pending pods on verified nodes request, not finished or unbound ones', () => {
    const pods = [
      pod('v1', { 'nvidia.com/gpu': '2' }),
      pod('v2', { 'nvidia.com/gpu': '1' }, 'Pending'),
      pod('v1', { 'nvidia.com/gpu': '4' }, 'Succeeded'),
      pod('u1', { 'nvidia.com/gpu': '8' }),
      pod(undefined, { 'nvidia.com/gpu': '8' }),
    ];
    const capacity = poolCapacity(spec, nodes, pods, new Set(['v1', 'v2']));
    expect(capacity.allocated).toBe(3);
    // Per node, so a pod needing several devices is placed only where one node has them.
    expect(capacity.perNode).toEqual([
      { name: 'v1', allocatable: 8, allocated: 2, federationAllocated: 0 },
      { name: 'v2', allocatable: 7, allocated: 1, federationAllocated: 0 },
    ]);
  });

  it('reports GPU Feature Discovery labels that contradict the pool', () => {
    const { mismatches } = poolCapacity(spec, nodes, [], new Set(['v1', 'v2']));
    expect(mismatches).toEqual([{ node: 'v2', label: 'nvidia.com/gpu.product', declared: 'NVIDIA-H100-80GB-HBM3', reported: 'NVIDIA-A100-SXM4-80GB' }]);
    const wrongCount = node('v3', { pool: 'h100', 'nvidia.com/gpu.count': '4' }, '8');
    expect(poolCapacity(spec, [wrongCount], [], new Set(['v3'])).mismatches[0]).toMatchObject({ label: 'nvidia.com/gpu.count', reported: '4' });
  });

  it('takes the scheduler’s effective request: max(sum of containers, largest init container), limits standing for requests', () => {
    expect(podRequest(pod('n', { 'nvidia.com/gpu': '1' }, 'Running', { 'nvidia.com/gpu': '3' }), 'nvidia.com/gpu')).toBe(3);
    expect(podRequest(pod('n', { 'amd.com/gpu': '2' }), 'nvidia.com/gpu')).toBe(0);
  });
});

it('sums device-plugin resources of verified nodes per resource name, leaving cpu and memory out', () => {
  const nodes = [
    node('a', {}, '8'),
    node('b', {}, '8', '6'),
    { metadata: { name: 'm' }, status: { capacity: { 'nvidia.com/mig-1g.10gb': '7', memory: '1Gi' }, allocatable: { 'nvidia.com/mig-1g.10gb': '7' } } },
  ];
  expect(deviceCapacity(nodes, new Set(['b', 'm']))).toEqual([
    { resourceName: 'nvidia.com/gpu', capacity: 8, allocatable: 6 },
    { resourceName: 'nvidia.com/mig-1g.10gb', capacity: 7, allocatable: 7 },
  ]);
});
