// Small federations for scheduler tests, written as the API objects the
// controllers cache, so every test also goes through the snapshot builder.
import type { ClusterTaint, FederatedWorkload, GpuPool, MemberCluster, Placement, SovereignNode } from '../../../src/api/generated/types.ts';
import { API_VERSION } from '../../../src/api/schema/common.ts';
import { buildSnapshot, type FederationObjects } from '../../../src/scheduler/snapshot-builder.ts';
import type { Snapshot } from '../../../src/scheduler/snapshot.ts';

export const NOW = Date.parse('2026-12-01T00:00:00Z');
const T = '2026-11-30T00:00:00Z';

export interface ClusterSpec {
  country?: string;
  provider?: string;
  region?: string;
  labels?: Record<string, string>;
  taints?: ClusterTaint[];
  allowedRegistries?: string[];
  cpuMillis?: number;
  memoryMiB?: number;
  /** Verified nodes: name → attested country (default: the cluster's country). */
  nodes?: Record<string, string | { country: string; jurisdiction?: string; verified?: boolean; expiresAt?: string }>;
}

export function member(name: string, spec: ClusterSpec = {}): { member: MemberCluster; nodes: SovereignNode[] } {
  const country = spec.country ?? 'FR';
  const provider = spec.provider ?? `${name}-cloud`;
  const m: MemberCluster = {
    apiVersion: API_VERSION,
    kind: 'MemberCluster',
    metadata: { name, labels: spec.labels ?? {} },
    spec: {
      kubeconfigSecretRef: { name: `${name}-kubeconfig`, namespace: 'cloud-empire' },
      country: country as MemberCluster['spec']['country'],
      provider,
      ...(spec.region && { region: spec.region }),
      ...(spec.taints && { taints: spec.taints }),
      ...(spec.allowedRegistries && { allowedRegistries: spec.allowedRegistries }),
    },
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'Reachable', message: 'ok', lastTransitionTime: T }],
      verifiedResources: { cpuMillis: spec.cpuMillis ?? 64_000, memoryMiB: spec.memoryMiB ?? 262_144 },
    },
  };
  const nodes = Object.entries(spec.nodes ?? { [`${name}-n1`]: country }).map(([nodeName, v]) => {
    const n = typeof v === 'string' ? { country: v } : v;
    return sovereignNode(name, nodeName, n.country, { jurisdiction: n.jurisdiction, verified: n.verified, expiresAt: n.expiresAt, provider });
  });
  return { member: m, nodes };
}

export function sovereignNode(
  cluster: string,
  nodeName: string,
  country: string,
  o: { jurisdiction?: string; verified?: boolean; expiresAt?: string; provider?: string } = {},
): SovereignNode {
  const verified = o.verified ?? true;
  return {
    apiVersion: API_VERSION,
    kind: 'SovereignNode',
    metadata: { name: `${cluster}-${nodeName}`, generation: 1 },
    spec: { memberCluster: cluster, nodeName, did: `did:web:nodes.example.eu:${cluster}:${nodeName}`, credential: 'a.b.c' },
    status: {
      conditions: [
        {
          type: 'Verified',
          status: verified ? 'True' : 'False',
          reason: verified ? 'CredentialVerified' : 'CredentialRevoked',
          message: '',
          observedGeneration: 1,
          lastTransitionTime: T,
        },
      ],
      countryCode: country as 'FR',
      jurisdiction: o.jurisdiction ?? (country === 'GB' || country === 'CH' ? 'NONEU' : 'EU'),
      ...(o.provider && { provider: o.provider }),
      expiresAt: o.expiresAt ?? '2030-01-01T00:00:00Z',
    },
  };
}

export interface PoolSpec {
  resourceName?: string;
  model?: string;
  memoryMiB?: number;
  provider?: string;
  price?: string;
  ready?: boolean;
  /** node name → [allocatable, allocated]; nodes must be verified SovereignNodes of the cluster to count. */
  nodes: Record<string, [number, number]>;
}

export function pool(name: string, cluster: string, spec: PoolSpec): GpuPool {
  const entries = Object.entries(spec.nodes).map(([n, [allocatable, allocated]]) => ({ name: n, allocatable, allocated }));
  return {
    apiVersion: API_VERSION,
    kind: 'GpuPool',
    metadata: { name },
    spec: {
      memberCluster: cluster,
      nodeSelector: { matchLabels: { pool: name } },
      resourceName: spec.resourceName ?? 'nvidia.com/gpu',
      model: spec.model ?? 'NVIDIA-H100-80GB-HBM3',
      memoryMiB: spec.memoryMiB ?? 81_559,
      provider: spec.provider ?? `${cluster}-cloud`,
      ...(spec.price !== undefined && { pricePerGpuHour: { amount: spec.price, currency: 'EUR' } }),
    },
    status: {
      conditions: [
        {
          type: 'Ready',
          status: spec.ready === false ? 'False' : 'True',
          reason: spec.ready === false ? 'MemberUnreachable' : 'PoolAvailable',
          message: spec.ready === false ? 'member unreachable' : '',
          lastTransitionTime: T,
        },
      ],
      nodeCapacity: entries,
    },
  };
}

export function federation(clusters: ReturnType<typeof member>[], pools: GpuPool[] = []): FederationObjects {
  return { memberClusters: clusters.map((c) => c.member), sovereignNodes: clusters.flatMap((c) => c.nodes), gpuPools: pools };
}

export function snapshotOf(clusters: ReturnType<typeof member>[], pools: GpuPool[] = []): Snapshot {
  return buildSnapshot(federation(clusters, pools), NOW);
}

export interface WorkloadSpec {
  name?: string;
  kind?: 'Deployment' | 'Job';
  replicas?: number;
  parallelism?: number;
  completions?: number;
  image?: string;
  cpu?: string;
  memory?: string;
  placement?: Placement;
  gpu?: FederatedWorkload['spec']['gpu'];
  dataAccess?: FederatedWorkload['spec']['dataAccess'];
  overrides?: FederatedWorkload['spec']['overrides'];
}

export function workload(w: WorkloadSpec = {}): FederatedWorkload {
  const kind = w.kind ?? 'Deployment';
  const container = {
    name: 'app',
    image: w.image ?? 'registry.example.eu/team/app:1.0',
    ...((w.cpu || w.memory) && { resources: { requests: { ...(w.cpu && { cpu: w.cpu }), ...(w.memory && { memory: w.memory }) } } }),
  };
  const podTemplate = { spec: { containers: [container] } };
  return {
    apiVersion: API_VERSION,
    kind: 'FederatedWorkload',
    metadata: { name: w.name ?? 'app', namespace: 'team' },
    spec: {
      template:
        kind === 'Job'
          ? {
              apiVersion: 'batch/v1',
              kind: 'Job',
              spec: {
                template: podTemplate,
                ...(w.parallelism !== undefined && { parallelism: w.parallelism }),
                ...(w.completions !== undefined && { completions: w.completions }),
              },
            }
          : { apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: w.replicas ?? 1, template: podTemplate } },
      ...(w.placement && { placement: w.placement }),
      ...(w.gpu && { gpu: w.gpu }),
      ...(w.dataAccess && { dataAccess: w.dataAccess }),
      ...(w.overrides && { overrides: w.overrides }),
    },
  };
}
