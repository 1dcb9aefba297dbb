// Synthetic federations and workload mixes for the scheduler benchmark, from a
// seeded generator: the same figures run against the same input every time.
import type { FederatedWorkload, GpuPool, MemberCluster, SovereignNode } from '../src/api/generated/types.ts';
import { API_VERSION } from '../src/api/schema/common.ts';
import type { FederationObjects } from '../src/scheduler/snapshot-builder.ts';

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const EU = ['FR', 'DE', 'ES', 'IT', 'PL', 'NL', 'BE', 'SE', 'FI', 'AT', 'PT', 'IE'];
const OUTSIDE = ['GB', 'CH', 'NO'];
const PROVIDERS = ['ovhcloud', 'scaleway', 'ionos', 'atos', 'cloudferro', 'hetzner', 'upcloud', 'exoscale'];
const DEVICES = [
  { resourceName: 'nvidia.com/gpu', model: 'NVIDIA-H100-80GB-HBM3', memoryMiB: 81_559 },
  { resourceName: 'nvidia.com/gpu', model: 'NVIDIA-A100-SXM4-80GB', memoryMiB: 81_920 },
  { resourceName: 'nvidia.com/mig-1g.10gb', model: 'NVIDIA-A100-MIG-1g.10gb', memoryMiB: 9728 },
  { resourceName: 'amd.com/gpu', model: 'AMD-Instinct-MI300X', memoryMiB: 196_608 },
];
const T = '2026-11-30T00:00:00Z';

export const clusterName = (i: number) => `member-${String(i).padStart(4, '0')}`;

/** `clusters` members with `poolsPerCluster` pools of `nodesPerPool` 8-GPU nodes each; one in twelve clusters sits outside the EU. */
export function syntheticFederation(clusters: number, poolsPerCluster: number, nodesPerPool: number, seed = 11): FederationObjects {
  const random = rng(seed);
  const memberClusters: MemberCluster[] = [];
  const sovereignNodes: SovereignNode[] = [];
  const gpuPools: GpuPool[] = [];
  for (let c = 0; c < clusters; c++) {
    const name = clusterName(c);
    const country = c % 12 === 11 ? OUTSIDE[c % OUTSIDE.length] : EU[c % EU.length];
    const provider = PROVIDERS[c % PROVIDERS.length];
    const nodeCount = poolsPerCluster * nodesPerPool;
    memberClusters.push({
      apiVersion: API_VERSION,
      kind: 'MemberCluster',
      metadata: { name, labels: { tier: c % 3 === 0 ? 'premium' : 'standard' } },
      spec: {
        kubeconfigSecretRef: { name: `${name}-kubeconfig`, namespace: 'cloud-empire' },
        country: country as 'FR',
        provider,
        region: `${country.toLowerCase()}-${c % 4}`,
        ...(c % 10 === 7 && { taints: [{ key: 'cloudempire.eu/maintenance', effect: 'NoSchedule' as const }] }),
      },
      status: {
        conditions: [{ type: 'Ready', status: 'True', reason: 'Reachable', message: '', lastTransitionTime: T }],
        verifiedResources: { cpuMillis: nodeCount * 96_000, memoryMiB: nodeCount * 1_048_576 },
      },
    });
    for (let p = 0; p < poolsPerCluster; p++) {
      const device = DEVICES[(c + p) % DEVICES.length];
      const poolName = `${name}-pool-${p}`;
      const nodeCapacity = [];
      for (let n = 0; n < nodesPerPool; n++) {
        const nodeName = `${poolName}-n${n}`;
        const verified = random() > 0.03;
        sovereignNodes.push({
          apiVersion: API_VERSION,
          kind: 'SovereignNode',
          metadata: { name: nodeName, generation: 1 },
          spec: { memberCluster: name, nodeName, did: `did:web:nodes.example.eu:${name}:${nodeName}`, credential: 'a.b.c' },
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
            jurisdiction: EU.includes(country) ? 'EU' : 'NONEU',
            provider,
            expiresAt: '2030-01-01T00:00:00Z',
          },
        });
        const allocatable = device.resourceName === 'nvidia.com/mig-1g.10gb' ? 56 : 8;
        nodeCapacity.push({ name: nodeName, allocatable, allocated: Math.floor(random() * (allocatable + 1) * 0.6) });
      }
      gpuPools.push({
        apiVersion: API_VERSION,
        kind: 'GpuPool',
        metadata: { name: poolName },
        spec: {
          memberCluster: name,
          nodeSelector: { matchLabels: { pool: poolName } },
          ...device,
          provider,
          pricePerGpuHour: { amount: (1.2 + random() * 3).toFixed(2), currency: 'EUR' },
        },
        status: { conditions: [{ type: 'Ready', status: 'True', reason: 'PoolAvailable', message: '', lastTransitionTime: T }], nodeCapacity },
      });
    }
  }
  return { memberClusters, sovereignNodes, gpuPools };
}

const pod = (cpu: string, memory: string) => ({
  spec: { containers: [{ name: 'main', image: 'registry.example.eu/team/app:1.0', resources: { requests: { cpu, memory } } }] },
});
const meta = (name: string) => ({ name, namespace: 'bench' });

export type Mix = 'gpuJobs' | 'spreadDeployments' | 'weightedSplits';

/** The i-th workload of a mix: varied enough that no two decisions are the same question. */
export function syntheticWorkload(mix: Mix, i: number, clusters: number): FederatedWorkload {
  const random = rng(1000 + i);
  const countries = [EU[i % EU.length], EU[(i + 3) % EU.length], EU[(i + 7) % EU.length]] as 'FR'[];
  if (mix === 'gpuJobs') {
    const count = [1, 2, 4, 8][i % 4];
    return {
      apiVersion: API_VERSION,
      kind: 'FederatedWorkload',
      metadata: meta(`gpu-job-${i}`),
      spec: {
        template: { apiVersion: 'batch/v1', kind: 'Job', spec: { parallelism: 1 + (i % 4), completions: 4 + (i % 8), template: pod('8', '64Gi') } },
        placement: { jurisdictions: ['EU'], ...(i % 2 === 0 && { countries: { include: countries } }), maxPricePerGpuHour: '3.50' },
        gpu: { count, resourceName: 'nvidia.com/gpu', ...(i % 3 === 0 && { model: 'NVIDIA-H100-80GB-HBM3' }), minMemoryMiB: 40_000 },
      },
    };
  }
  if (mix === 'spreadDeployments') {
    return {
      apiVersion: API_VERSION,
      kind: 'FederatedWorkload',
      metadata: meta(`spread-${i}`),
      spec: {
        template: { apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 6 + (i % 7), template: pod('250m', '256Mi') } },
        placement: {
          jurisdictions: ['EU'],
          providers: { exclude: ['hetzner'] },
          spreadConstraints: [{ by: 'country', minGroups: 3, maxGroups: 3 }],
          replicaScheduling: { type: 'Divided', divisionPreference: 'Balanced' },
          clusterTolerations: [{ key: 'cloudempire.eu/maintenance', operator: 'Exists' }],
        },
      },
    };
  }
  const weights = Array.from({ length: 4 }, (_, k) => ({ clusterName: clusterName(Math.floor(random() * clusters)), weight: 1 + k }));
  const unique = [...new Map(weights.map((w) => [w.clusterName, w])).values()];
  return {
    apiVersion: API_VERSION,
    kind: 'FederatedWorkload',
    metadata: meta(`weighted-${i}`),
    spec: {
      template: { apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 10, template: pod('500m', '1Gi') } },
      placement: {
        replicaScheduling: { type: 'Divided', divisionPreference: 'Weighted', weights: unique },
        fallback: [clusterName((i * 7) % clusters)].filter((f) => !unique.some((u) => u.clusterName === f)),
      },
    },
  };
}
