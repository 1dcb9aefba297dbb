import { REASON_CODES, type ReasonCode } from '../../../src/scheduler/reasons.ts';
import { schedule, type Decision } from '../../../src/scheduler/schedule.ts';
import type { ScheduleOptions } from '../../../src/scheduler/framework.ts';
import { member, pool, snapshotOf, workload, type WorkloadSpec } from './fixtures.ts';

const seen = new Set<ReasonCode>();

function evaluation(decision: Decision, cluster: string) {
  const e = decision.evaluations.find((x) => x.cluster === cluster);
  if (!e) throw new Error(`no evaluation of ${cluster}`);
  if (e.refusal) seen.add(e.refusal.code);
  for (const p of e.poolRefusals ?? []) seen.add(p.code);
  return e;
}

// One cluster that passes, one that the case's rule must refuse.
const ok = () => member('ok', { country: 'DE', provider: 'ionos' });
const H100 = { count: 1, resourceName: 'nvidia.com/gpu' };

interface Case {
  name: string;
  cluster: ReturnType<typeof member>;
  pools?: ReturnType<typeof pool>[];
  w: WorkloadSpec;
  options?: ScheduleOptions;
  plugin: string;
  code: ReasonCode;
  /** Words the sentence must contain. */
  says: RegExp;
  /** The code of the refused pool, when a pool filter refused. */
  pool?: ReasonCode;
  /** The rule refuses every cluster, the passing one too (a dataset no placement may serve). */
  refusesAll?: boolean;
}

const okPool = () => pool('ok-h100', 'ok', { nodes: { 'ok-n1': [8, 0] }, price: '2.00', provider: 'ionos' });

const cases: Case[] = [
  {
    name: 'cluster not in clusterNames',
    cluster: member('x'),
    w: { placement: { clusterAffinity: { clusterNames: ['ok'] } } },
    plugin: 'ClusterAffinity',
    code: 'ClusterNotSelected',
    says: /not in placement.clusterAffinity.clusterNames/,
  },
  {
    name: 'labels do not match',
    cluster: member('x', { labels: { tier: 'edge' } }),
    w: { placement: { clusterAffinity: { labelSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['edge'] }] } } } },
    plugin: 'ClusterAffinity',
    code: 'ClusterLabelsDoNotMatch',
    says: /labelSelector/,
  },
  {
    name: 'NoSchedule taint',
    cluster: member('x', { taints: [{ key: 'maintenance', value: 'now', effect: 'NoSchedule' }] }),
    w: {},
    plugin: 'TaintToleration',
    code: 'UntoleratedTaint',
    says: /maintenance=now:NoSchedule/,
  },
  {
    name: "the operator's unreachable taint",
    cluster: member('x', { taints: [{ key: 'cloudempire.eu/unreachable', effect: 'NoExecute' }] }),
    w: { placement: { clusterTolerations: [{ key: 'maintenance', operator: 'Exists' }] } },
    plugin: 'TaintToleration',
    code: 'UntoleratedTaint',
    says: /cloudempire.eu\/unreachable:NoExecute/,
  },
  {
    name: 'excluded provider',
    cluster: member('x', { provider: 'hyperscaler-us' }),
    w: { placement: { providers: { exclude: ['hyperscaler-us'] } } },
    plugin: 'Provider',
    code: 'ProviderExcluded',
    says: /hyperscaler-us, which placement.providers.exclude lists/,
  },
  {
    name: 'provider not included',
    cluster: member('x', { provider: 'atos' }),
    w: { placement: { providers: { include: ['ionos'] } } },
    plugin: 'Provider',
    code: 'ProviderNotIncluded',
    says: /atos, not one of placement.providers.include \(ionos\)/,
  },
  {
    name: 'no verified node',
    cluster: member('x', { nodes: { n1: { country: 'FR', verified: false } } }),
    w: {},
    plugin: 'Jurisdiction',
    code: 'NoVerifiedNodes',
    says: /no verified nodes/,
  },
  {
    name: 'expired credential',
    cluster: member('x', { nodes: { n1: { country: 'FR', expiresAt: '2026-11-01T00:00:00Z' } } }),
    w: {},
    plugin: 'Jurisdiction',
    code: 'NoVerifiedNodes',
    says: /no verified nodes/,
  },
  {
    name: 'attested outside the jurisdiction (declared FR does not count)',
    cluster: member('x', { country: 'FR', nodes: { n1: 'GB' } }),
    w: {},
    plugin: 'Jurisdiction',
    code: 'JurisdictionNotAllowed',
    says: /attested in GB belong to NONEU, outside EU/,
  },
  {
    name: 'attested country not included (declared DE does not count)',
    cluster: member('x', { country: 'DE', nodes: { n1: 'FR' } }),
    w: { placement: { countries: { include: ['DE'] } } },
    plugin: 'Jurisdiction',
    code: 'CountryNotAllowed',
    says: /attested in FR, not in placement.countries.include \(DE\)/,
  },
  {
    name: 'attested country excluded',
    cluster: member('x', { country: 'FR' }),
    w: { placement: { countries: { exclude: ['FR'] } } },
    plugin: 'Jurisdiction',
    code: 'CountryExcluded',
    says: /FR, which placement.countries.exclude lists/,
  },
  {
    name: 'registry not allowed by the cluster',
    cluster: member('x', { allowedRegistries: ['registry.example.eu'] }),
    w: { image: 'nginx:1.27' },
    plugin: 'ImageRegistry',
    code: 'ImageRegistryNotAllowed',
    says: /container app pulls nginx:1.27 from docker.io; cluster x allows only registry.example.eu/,
  },
  {
    name: 'registry not allowed by the federation',
    cluster: member('x', { allowedRegistries: ['ghcr.io'] }),
    w: { image: 'registry.example.eu:5000/team/app@sha256:' + 'a'.repeat(64) },
    plugin: 'ImageRegistry',
    code: 'ImageRegistryNotAllowed',
    says: /from registry.example.eu:5000; cluster x allows only ghcr.io/,
  },
  {
    name: 'an override image from elsewhere',
    cluster: member('x'),
    w: { overrides: [{ clusterName: 'x', images: [{ container: 'app', image: 'quay.io/team/app:2' }] }] },
    options: { allowedRegistries: ['registry.example.eu'] },
    plugin: 'ImageRegistry',
    code: 'ImageRegistryNotAllowed',
    says: /container app pulls quay.io\/team\/app:2 from quay.io; the federation allows only registry.example.eu/,
  },
  {
    name: 'not enough CPU',
    cluster: member('x', { cpuMillis: 1500 }),
    w: { cpu: '2' },
    plugin: 'ResourceFit',
    code: 'InsufficientCpu',
    says: /requests 2000m CPU; verified nodes of x have 1500m free/,
  },
  {
    name: 'not enough memory',
    cluster: member('x', { memoryMiB: 1024 }),
    w: { memory: '2Gi' },
    plugin: 'ResourceFit',
    code: 'InsufficientMemory',
    says: /2048Mi memory; verified nodes of x have 1024Mi free/,
  },
  {
    name: 'unknown dataset',
    cluster: member('x'),
    w: { dataAccess: { datasets: ['other'], purpose: 'inference' } },
    options: {
      datasetPolicies: new Map([['notes', { allowedCountries: [], allowedJurisdictions: ['EU'], allowedProviders: [], allowedPurposes: ['inference'] }]]),
    },
    plugin: 'DatasetPolicy',
    code: 'DatasetPolicyRefuses',
    says: /dataset other has no policy/,
    refusesAll: true,
  },
  {
    name: 'dataset policy forbids the purpose',
    cluster: member('x'),
    w: { dataAccess: { datasets: ['notes'], purpose: 'inference' } },
    options: {
      datasetPolicies: new Map([
        ['notes', { allowedCountries: [], allowedJurisdictions: [], allowedProviders: [], allowedPurposes: ['training', 'analytics'] }],
      ]),
    },
    plugin: 'DatasetPolicy',
    code: 'DatasetPolicyRefuses',
    says: /dataset notes may serve training, analytics, not inference/,
    refusesAll: true,
  },
  {
    name: 'dataset policy forbids the provider',
    cluster: member('x', { provider: 'ovhcloud' }),
    w: { dataAccess: { datasets: ['notes'], purpose: 'inference' } },
    options: {
      datasetPolicies: new Map([
        ['notes', { allowedCountries: [], allowedJurisdictions: [], allowedProviders: ['ionos', 'scaleway'], allowedPurposes: ['inference'] }],
      ]),
    },
    plugin: 'DatasetPolicy',
    code: 'DatasetPolicyRefuses',
    says: /dataset notes may be placed with ionos, scaleway, not ovhcloud \(cluster x\)/,
  },
  {
    name: 'dataset policy forbids the country (of several)',
    cluster: member('x', { country: 'FR' }),
    w: { dataAccess: { datasets: ['notes'], purpose: 'inference' } },
    options: {
      datasetPolicies: new Map([['notes', { allowedCountries: ['DE', 'AT'], allowedJurisdictions: [], allowedProviders: [], allowedPurposes: ['inference'] }]]),
    },
    plugin: 'DatasetPolicy',
    code: 'DatasetPolicyRefuses',
    says: /cluster x: dataset notes may be placed in DE, AT, not FR/,
  },
  {
    name: 'dataset policy forbids the country',
    cluster: member('x', { country: 'FR' }),
    w: { dataAccess: { datasets: ['notes'], purpose: 'inference' } },
    options: {
      datasetPolicies: new Map([['notes', { allowedCountries: ['DE'], allowedJurisdictions: [], allowedProviders: [], allowedPurposes: ['inference'] }]]),
    },
    plugin: 'DatasetPolicy',
    code: 'DatasetPolicyRefuses',
    says: /dataset notes may be placed in DE, not FR/,
  },
  { name: 'no GPU pool', cluster: member('x'), w: { gpu: H100 }, plugin: 'GpuFit', code: 'NoGpuPools', says: /no GpuPool/ },
  {
    name: 'another resource',
    cluster: member('x'),
    pools: [pool('x-amd', 'x', { resourceName: 'amd.com/gpu', nodes: { 'x-n1': [8, 0] } })],
    w: { gpu: H100 },
    plugin: 'GpuFit',
    code: 'ResourceNameMismatch',
    pool: 'ResourceNameMismatch',
    says: /no GpuPool of cluster x offers nvidia.com\/gpu/,
  },
  {
    name: 'another model',
    cluster: member('x'),
    pools: [pool('x-a100', 'x', { model: 'NVIDIA-A100', nodes: { 'x-n1': [8, 0] } })],
    w: { gpu: { ...H100, model: 'NVIDIA-H100-80GB-HBM3' } },
    plugin: 'GpuFit',
    code: 'ModelMismatch',
    pool: 'ModelMismatch',
    says: /has NVIDIA-A100/,
  },
  {
    name: 'too little GPU memory',
    cluster: member('x'),
    pools: [pool('x-small', 'x', { memoryMiB: 40_000, nodes: { 'x-n1': [8, 0] } })],
    w: { gpu: { ...H100, minMemoryMiB: 80_000 } },
    plugin: 'GpuFit',
    code: 'GpuMemoryTooSmall',
    pool: 'GpuMemoryTooSmall',
    says: /40000 MiB per device, the workload needs at least 80000 MiB/,
  },
  {
    name: 'pool not named',
    cluster: member('x'),
    pools: [pool('x-h100', 'x', { nodes: { 'x-n1': [8, 0] } })],
    w: { gpu: { ...H100, pools: ['ok-h100'] } },
    plugin: 'GpuFit',
    code: 'PoolNotRequested',
    pool: 'PoolNotRequested',
    says: /not in spec.gpu.pools/,
  },
  {
    name: 'pool of unverified nodes',
    cluster: member('x'),
    pools: [pool('x-h100', 'x', { nodes: { 'unverified-node': [8, 0] } })],
    w: { gpu: H100 },
    plugin: 'Jurisdiction',
    code: 'PoolNotVerified',
    pool: 'PoolNotVerified',
    says: /no verified nodes/,
  },
  {
    name: 'pool not Ready',
    cluster: member('x'),
    pools: [pool('x-h100', 'x', { ready: false, nodes: { 'x-n1': [8, 0] } })],
    w: { gpu: H100 },
    plugin: 'GpuFit',
    code: 'PoolNotReady',
    pool: 'PoolNotReady',
    says: /not Ready: member unreachable/,
  },
  {
    name: 'pool nodes attested elsewhere',
    cluster: member('x', { nodes: { fr: 'FR', ch: 'CH' } }),
    pools: [pool('x-h100', 'x', { nodes: { ch: [8, 0] } })],
    w: { gpu: H100 },
    plugin: 'Jurisdiction',
    code: 'PoolOutsideAllowedCountries',
    pool: 'PoolOutsideAllowedCountries',
    says: /pool x-h100: nodes attested in CH/,
  },
  {
    name: 'provider of the pool excluded',
    cluster: member('x', { provider: 'atos' }),
    pools: [pool('x-h100', 'x', { provider: 'reseller', nodes: { 'x-n1': [8, 0] } })],
    w: { gpu: H100, placement: { providers: { exclude: ['reseller'] } } },
    plugin: 'Provider',
    code: 'PoolProviderNotAllowed',
    pool: 'PoolProviderNotAllowed',
    says: /pool x-h100 is run by reseller/,
  },
  {
    name: 'not enough GPUs',
    cluster: member('x'),
    pools: [pool('x-h100', 'x', { nodes: { 'x-n1': [8, 7] } })],
    w: { gpu: { ...H100, count: 2 } },
    plugin: 'GpuFit',
    code: 'InsufficientGpus',
    pool: 'InsufficientGpus',
    says: /cluster x has 1 nvidia.com\/gpu free on verified nodes, a pod needs 2/,
  },
  {
    name: '8 GPUs per pod, 1 free per node',
    cluster: member('x', { nodes: Object.fromEntries([...Array(8).keys()].map((i) => [`g${i}`, 'FR'])) }),
    pools: [pool('x-h100', 'x', { nodes: Object.fromEntries([...Array(8).keys()].map((i) => [`g${i}`, [8, 7] as [number, number]])) })],
    w: { gpu: { ...H100, count: 8 } },
    plugin: 'GpuFit',
    code: 'PodDoesNotFitOnANode',
    pool: 'PodDoesNotFitOnANode',
    says: /needs 8 nvidia.com\/gpu on one node; the most free on a verified node of cluster x is 1/,
  },
  {
    name: 'above the price cap',
    cluster: member('x'),
    pools: [pool('x-h100', 'x', { price: '4.10', nodes: { 'x-n1': [8, 0] } })],
    w: { gpu: H100, placement: { maxPricePerGpuHour: '3.50' } },
    plugin: 'PriceCap',
    code: 'PriceAboveCap',
    pool: 'PriceAboveCap',
    says: /costs 4.10 EUR per GPU-hour, above placement.maxPricePerGpuHour 3.50/,
  },
  {
    name: 'no price under a cap',
    cluster: member('x'),
    pools: [pool('x-h100', 'x', { nodes: { 'x-n1': [8, 0] } })],
    w: { gpu: H100, placement: { maxPricePerGpuHour: '3.50' } },
    plugin: 'PriceCap',
    code: 'PriceUnknown',
    pool: 'PriceUnknown',
    says: /declares no price/,
  },
];

describe('filter plugins: each refusal names its plugin, code and a sentence', () => {
  it.each(cases)('$name → $plugin $code', (c) => {
    const gpuPools = [...(c.w.gpu ? [okPool()] : []), ...(c.pools ?? [])];
    const decision = schedule(workload(c.w), snapshotOf([ok(), c.cluster], gpuPools), c.options);
    const refused = evaluation(decision, 'x');
    expect(refused.refusal).toMatchObject({ plugin: c.plugin, code: c.code });
    expect(refused.refusal!.reason).toMatch(c.says);
    if (c.pool) expect(refused.poolRefusals?.[0]).toMatchObject({ code: c.pool, plugin: c.plugin });
    // The rule refuses only the cluster it is about (an unknown dataset refuses all): the other still runs the workload.
    if (!c.refusesAll) {
      expect(decision.result).toBe('Scheduled');
      expect(decision.placements.map((p) => p.cluster)).toEqual(['ok']);
    } else {
      expect(decision.result).toBe('Unschedulable');
    }
  });

  it('tolerations: Exists, Equal with the value, and an empty key with Exists', () => {
    const tainted = member('x', { taints: [{ key: 'gpu', value: 'a100', effect: 'NoSchedule' }] });
    for (const tolerations of [
      [{ key: 'gpu', operator: 'Exists' as const }],
      [{ key: 'gpu', operator: 'Equal' as const, value: 'a100' }],
      [{ operator: 'Exists' as const }],
    ]) {
      expect(evaluation(schedule(workload({ placement: { clusterTolerations: tolerations } }), snapshotOf([tainted])), 'x').refusal).toBeUndefined();
    }
    const wrongValue = schedule(workload({ placement: { clusterTolerations: [{ key: 'gpu', value: 'h100' }] } }), snapshotOf([tainted]));
    expect(evaluation(wrongValue, 'x').refusal?.code).toBe('UntoleratedTaint');
    const wrongEffect = schedule(
      workload({ placement: { clusterTolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoExecute' }] } }),
      snapshotOf([tainted]),
    );
    expect(evaluation(wrongEffect, 'x').refusal?.code).toBe('UntoleratedTaint');
  });

  it('MIG profiles and amd.com/gpu match their own pools only', () => {
    const snapshot = snapshotOf(
      [member('x'), ok()],
      [
        pool('x-mig', 'x', { resourceName: 'nvidia.com/mig-1g.10gb', model: 'A100-MIG-1g.10gb', memoryMiB: 9728, nodes: { 'x-n1': [7, 0] } }),
        pool('ok-amd', 'ok', { resourceName: 'amd.com/gpu', model: 'AMD-Instinct-MI300X', nodes: { 'ok-n1': [8, 0] } }),
      ],
    );
    const mig = schedule(workload({ gpu: { count: 1, resourceName: 'nvidia.com/mig-1g.10gb' } }), snapshot);
    expect(mig.placements).toMatchObject([{ cluster: 'x', pool: 'x-mig' }]);
    const amd = schedule(workload({ gpu: { count: 2, resourceName: 'amd.com/gpu' } }), snapshot);
    expect(amd.placements).toMatchObject([{ cluster: 'ok', pool: 'ok-amd' }]);
  });

  it('a workload that cannot be read is an Error naming the field', () => {
    const decision = schedule(workload({ image: 'Not An Image' }), snapshotOf([ok()]));
    expect(decision).toMatchObject({ result: 'Error', unschedulable: { code: 'InvalidWorkload' } });
    expect(decision.unschedulable!.message).toMatch(/^spec.template.spec.template.spec.containers\[0\].image: /);
    const cpu = schedule(workload({ cpu: 'lots' }), snapshotOf([ok()]));
    expect(cpu.unschedulable!.message).toMatch(/containers\[0\].resources.requests.cpu: "lots" is not a cpu quantity/);
  });

  it('covers every cluster and pool refusal code', () => {
    const decisionCodes: ReasonCode[] = [
      'NoFeasibleCluster',
      'InsufficientCapacity',
      'SpreadUnsatisfiable',
      'NoWeightedClusterFeasible',
      'InvalidWorkload',
      'InvalidImage',
    ];
    expect(REASON_CODES.filter((c) => !seen.has(c) && !decisionCodes.includes(c))).toEqual([]);
  });
});
