import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { FederatedWorkload, GpuPool, MemberCluster, SovereignNode } from '../../../src/api/generated/types.ts';
import { gpuPodsOf, parseWorkloadLabel, type HostFacts } from '../../../src/audit/gpu-pods.ts';
import { slimPod } from '../../../src/cluster/member-watches.ts';

const pool = (name: string, cluster: string, price?: string): GpuPool =>
  ({
    metadata: { name },
    spec: {
      memberCluster: cluster,
      nodeSelector: {},
      resourceName: 'nvidia.com/gpu',
      model: 'NVIDIA-H100-80GB-HBM3',
      provider: 'ovhcloud',
      ...(price ? { pricePerGpuHour: { amount: price } } : {}),
    },
  }) as GpuPool;
const facts: HostFacts = {
  pools: [pool('par-h100', 'paris', '2.85'), pool('mad-h100', 'madrid')],
  memberClusters: [{ metadata: { name: 'paris' }, spec: { country: 'FR' } } as MemberCluster],
  sovereignNodes: [{ metadata: { name: 'sn' }, spec: { memberCluster: 'paris', nodeName: 'gpu-1', did: 'did:key:z6Mk1' } } as SovereignNode],
  workloads: [{ metadata: { namespace: 'research', name: 'llm.v2' }, status: { decision: { ledgerTxId: 'tx-9' } } } as unknown as FederatedWorkload],
};
const nodes: V1Node[] = [{ metadata: { name: 'gpu-1', labels: { 'gpu.cloudempire.eu/pool': 'par-h100' } } }, { metadata: { name: 'cpu-1', labels: {} } }];
const pod = (name: string, overrides: { node?: string; gpus?: string; phase?: string; label?: string | null; startTime?: string } = {}): V1Pod =>
  slimPod({
    metadata: {
      name,
      namespace: 'research',
      uid: `uid-${name}`,
      labels: overrides.label === null ? {} : { 'cloudempire.eu/workload': overrides.label ?? 'research.llm.v2' },
      annotations: { dropped: 'yes' },
    },
    spec: {
      nodeName: overrides.node ?? 'gpu-1',
      containers: [
        { name: 'c', image: 'x', resources: { limits: { 'nvidia.com/gpu': overrides.gpus ?? '2' } } },
        { name: 'sidecar', image: 'y' },
      ],
    },
    status: { phase: overrides.phase ?? 'Running', startTime: (overrides.startTime ?? '2026-11-02T08:00:00Z') as never, hostIP: '10.0.0.1' },
  });

describe('gpuPodsOf', () => {
  it('finds running labelled pods holding pool GPUs, with what the bill needs', () => {
    const pods = [
      pod('a'),
      pod('pending', { phase: 'Pending' }),
      pod('cpu', { node: 'cpu-1' }),
      pod('nogpu', { gpus: '0' }),
      pod('unlabelled', { label: null }),
      pod('badlabel', { label: 'nodot' }),
    ];
    expect(gpuPodsOf('paris', { pods, nodes }, facts)).toEqual([
      {
        uid: 'uid-a',
        memberCluster: 'paris',
        pod: 'research/a',
        namespace: 'research',
        name: 'llm.v2',
        nodeName: 'gpu-1',
        pool: 'par-h100',
        resourceName: 'nvidia.com/gpu',
        gpus: 2,
        startedAt: Date.parse('2026-11-02T08:00:00Z'),
        country: 'FR',
        provider: 'ovhcloud',
        nodeDid: 'did:key:z6Mk1',
        gpuModel: 'NVIDIA-H100-80GB-HBM3',
        pricePerGpuHour: 2.85,
        currency: undefined,
        txId: 'tx-9',
      },
    ]);
    // The pool belongs to another member: nothing of madrid's is metered from paris' nodes.
    expect(gpuPodsOf('madrid', { pods, nodes }, facts)).toEqual([]);
  });

  it('keeps only the meter fields of labelled pods in the projection', () => {
    expect(slimPod({ metadata: { name: 'x', uid: 'u', labels: { app: 'y' } }, status: { phase: 'Running', startTime: new Date() } }).metadata).toEqual({
      name: 'x',
      namespace: undefined,
    });
    expect(pod('a').metadata).toEqual({ name: 'a', namespace: 'research', uid: 'uid-a', labels: { 'cloudempire.eu/workload': 'research.llm.v2' } });
  });

  it('reads <namespace>.<name> labels', () => {
    expect(parseWorkloadLabel('ns.a.b')).toEqual({ namespace: 'ns', name: 'a.b' });
    expect([parseWorkloadLabel('ns.'), parseWorkloadLabel('.x'), parseWorkloadLabel(undefined)]).toEqual([undefined, undefined, undefined]);
  });
});
