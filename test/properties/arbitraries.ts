// Random federations for the property tests, as plain models the world
// builder turns into API objects, credentials and ledger records: member
// clusters (declared country, provider), nodes (attested country, credential
// kind, devices), GPU pools (device-plugin resource names, MIG profiles),
// dataset policies, workloads and the steps (reconciles, revocations,
// outages, clock) a run goes through. Shared by the unit and integration
// properties. Sizes stay small so shrinking ends at readable counterexamples.
import fc from 'fast-check';

/** Countries of the operator's jurisdiction the generators use, and some outside it (a credential can attest any). */
export const EU_COUNTRIES = ['FR', 'DE', 'ES', 'PL', 'IT'] as const;
export const OTHER_COUNTRIES = ['GB', 'CH', 'US'] as const;
export const PROVIDERS = ['ovhcloud', 'scaleway', 'ionos'] as const;
export const GPU_RESOURCES = [
  { resourceName: 'nvidia.com/gpu', model: 'NVIDIA-H100-80GB-HBM3' },
  { resourceName: 'nvidia.com/mig-1g.10gb', model: 'NVIDIA-A100-80GB-PCIe' },
  { resourceName: 'amd.com/gpu', model: 'AMD-Instinct-MI300X' },
] as const;

/**
 * What a node's credential is: `valid` verifies; `expiring` verifies until
 * the clock passes `expiresAfterMs`; `revoked` is set in the issuer's status
 * list from the start; the others never verify.
 */
export const CREDENTIAL_KINDS = [
  'valid',
  'valid',
  'valid',
  'valid',
  'valid',
  'valid',
  'expiring',
  'expired',
  'notYetValid',
  'wrongIssuer',
  'badSignature',
  'wrongBinding',
  'revoked',
] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export interface NodeModel {
  name: string;
  country: string;
  credential: CredentialKind;
  /** Devices of the node's pool resource (0: a CPU node). */
  gpus: number;
  /** Index of the pool (of its cluster) whose selector picks it, if any. */
  pool?: number;
}

export interface PoolModel {
  name: string;
  resourceName: string;
  model: string;
}

export interface ClusterModel {
  name: string;
  declaredCountry: string;
  provider: string;
  nodes: NodeModel[];
  pools: PoolModel[];
}

export interface PolicyModel {
  datasetId: string;
  allowedCountries: string[];
  allowedProviders: string[];
  allowedJurisdictions: string[];
  allowedPurposes: string[];
}

export interface WorkloadModel {
  name: string;
  kind: 'Deployment' | 'Job';
  replicas: number;
  gpu?: { count: number; resource: number };
  countries?: { include?: string[]; exclude?: string[] };
  jurisdictions?: string[];
  providers?: string[];
  division: 'Duplicated' | 'Balanced' | 'Aggregated';
  dataset?: { policy: number; purpose: string };
}

export interface FederationModel {
  clusters: ClusterModel[];
  policies: PolicyModel[];
  workloads: WorkloadModel[];
  /** When `expiring` credentials stop being valid, after the start. */
  expiresAfterMs: number;
}

/** What happens next in a run. Indices are taken modulo the lists they index, so shrinking never makes a step invalid. */
export type Step =
  | { kind: 'verifyNodes' }
  | { kind: 'countPools' }
  | { kind: 'probeMembers' }
  | { kind: 'reconcileWorkload'; workload: number }
  | { kind: 'deleteWorkload'; workload: number }
  | { kind: 'settleMembers' }
  | { kind: 'revoke'; cluster: number; node: number }
  | { kind: 'ledger'; up: boolean }
  | { kind: 'member'; cluster: number; up: boolean }
  | { kind: 'tick'; ms: number }
  /** An attack: someone who may write SovereignNode status on the host marks a node verified in a country of their choice. */
  | { kind: 'forgeStatus'; cluster: number; node: number; country: string };

/** `arbitrary` one time in `1 + absentWeight`, otherwise undefined. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, absentWeight = 2) =>
  fc.oneof({ weight: absentWeight, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
const subset = <T>(values: readonly T[], max = values.length) => fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: max });
const country = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...EU_COUNTRIES) }, { weight: 1, arbitrary: fc.constantFrom(...OTHER_COUNTRIES) });

function clusterArbitrary(index: number): fc.Arbitrary<ClusterModel> {
  return fc
    .record({
      declaredCountry: country,
      provider: fc.constantFrom(...PROVIDERS),
      pools: fc.array(fc.nat(GPU_RESOURCES.length - 1), { maxLength: 2 }),
      nodes: fc.array(
        fc.record({
          // Mostly the declared country; sometimes a credential attests another one (a node in another site of the provider).
          sameCountry: fc.boolean(),
          country,
          credential: fc.constantFrom(...CREDENTIAL_KINDS),
          gpus: fc.constantFrom(0, 1, 2, 4, 8),
          pool: fc.nat(1),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    })
    .map(({ declaredCountry, provider, pools, nodes }) => {
      const name = `c${index}`;
      const poolModels = pools.map((r, i) => ({ name: `${name}-p${i}`, ...GPU_RESOURCES[r] }));
      return {
        name,
        declaredCountry,
        provider,
        pools: poolModels,
        nodes: nodes.map((n, i) => ({
          name: `n${i}`,
          country: n.sameCountry ? declaredCountry : n.country,
          credential: n.credential,
          gpus: poolModels.length ? n.gpus : 0,
          ...(poolModels.length && n.gpus && { pool: n.pool % poolModels.length }),
        })),
      };
    });
}

const policyArbitrary = (index: number): fc.Arbitrary<PolicyModel> =>
  fc.record({
    datasetId: fc.constant(`dataset-${index}`),
    allowedCountries: fc.oneof(fc.constant([] as string[]), subset([...EU_COUNTRIES, ...OTHER_COUNTRIES], 3)),
    allowedProviders: fc.oneof(fc.constant([] as string[]), subset(PROVIDERS, 2)),
    allowedJurisdictions: fc.constantFrom([] as string[], ['EU'], ['NONEU']),
    allowedPurposes: subset(['inference', 'training'] as const),
  });

const workloadArbitrary = (index: number): fc.Arbitrary<WorkloadModel> =>
  fc
    .record({
      kind: fc.constantFrom('Deployment' as const, 'Job' as const),
      replicas: fc.integer({ min: 1, max: 4 }),
      gpu: sometimes(fc.record({ count: fc.constantFrom(1, 2, 4, 8), resource: fc.nat(GPU_RESOURCES.length - 1) }), 1),
      countries: sometimes(
        fc.record({
          include: sometimes(
            fc.oneof({ weight: 4, arbitrary: subset(EU_COUNTRIES, 3) }, { weight: 1, arbitrary: subset([...EU_COUNTRIES, ...OTHER_COUNTRIES], 3) }),
            1,
          ),
          exclude: sometimes(subset(EU_COUNTRIES, 1)),
        }),
        1,
      ),
      jurisdictions: sometimes(fc.constantFrom<string[]>(['EU'], ['EU'], ['EU', 'NONEU'], ['NONEU']), 3),
      providers: sometimes(subset(PROVIDERS, 2), 3),
      division: fc.constantFrom('Duplicated' as const, 'Balanced' as const, 'Aggregated' as const),
      dataset: sometimes(fc.record({ policy: fc.nat(3), purpose: fc.constantFrom('inference', 'training') })),
    })
    .map((w) => ({ name: `w${index}`, ...w }));

const indexed = <T>(make: (i: number) => fc.Arbitrary<T>, min: number, max: number) =>
  fc.integer({ min, max }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => make(i))));

export const federationArbitrary: fc.Arbitrary<FederationModel> = fc.record({
  clusters: indexed(clusterArbitrary, 1, 3),
  policies: indexed(policyArbitrary, 1, 2),
  workloads: indexed(workloadArbitrary, 1, 3),
  expiresAfterMs: fc.integer({ min: 60_000, max: 3_600_000 }),
});

/**
 * A federation where two or three GPU workloads compete for one pool: cluster
 * c0's first pool offers the resource they all ask for, on one verified node
 * of 8 devices (more nodes as generated); the first two workloads carry no
 * placement rule that would keep them off c0. The bookings across workloads
 * are what these runs exercise.
 */
export const contendedFederationArbitrary: fc.Arbitrary<FederationModel> = fc
  .record({
    federation: federationArbitrary,
    resource: fc.nat(GPU_RESOURCES.length - 1),
    demands: fc.array(fc.record({ count: fc.constantFrom(2, 4, 8), replicas: fc.integer({ min: 1, max: 2 }) }), { minLength: 2, maxLength: 3 }),
  })
  .map(({ federation, resource, demands }) => {
    const [first, ...rest] = federation.clusters;
    const pools = first.pools.length
      ? first.pools.map((p, i) => (i ? p : { ...p, ...GPU_RESOURCES[resource] }))
      : [{ name: `${first.name}-p0`, ...GPU_RESOURCES[resource] }];
    const country = (EU_COUNTRIES as readonly string[]).includes(first.declaredCountry) ? first.declaredCountry : 'FR';
    const nodes = first.nodes.map((n, i) => (i ? n : { ...n, credential: 'valid' as const, country, gpus: 8, pool: 0 }));
    const workloads = demands.map((d, i): WorkloadModel => {
      const base = federation.workloads[i] ?? { name: `w${i}`, kind: 'Deployment' as const, replicas: 1, division: 'Aggregated' as const };
      const gpu = { count: d.count, resource };
      if (i >= 2) return { ...base, name: `w${i}`, gpu };
      return { name: `w${i}`, kind: base.kind, replicas: d.replicas, division: base.division, gpu };
    });
    return { ...federation, clusters: [{ ...first, pools, nodes }, ...rest], workloads };
  });

export const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'verifyNodes' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'countPools' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'probeMembers' as const }) },
  { weight: 6, arbitrary: fc.nat(2).map((workload) => ({ kind: 'reconcileWorkload' as const, workload })) },
  { weight: 1, arbitrary: fc.nat(2).map((workload) => ({ kind: 'deleteWorkload' as const, workload })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'settleMembers' as const }) },
  { weight: 1, arbitrary: fc.record({ cluster: fc.nat(2), node: fc.nat(3) }).map((r) => ({ kind: 'revoke' as const, ...r })) },
  { weight: 1, arbitrary: fc.boolean().map((up) => ({ kind: 'ledger' as const, up })) },
  { weight: 1, arbitrary: fc.record({ cluster: fc.nat(2), up: fc.boolean() }).map((r) => ({ kind: 'member' as const, ...r })) },
  { weight: 1, arbitrary: fc.constantFrom(30_000, 600_000, 3_600_000).map((ms) => ({ kind: 'tick' as const, ms })) },
  { weight: 1, arbitrary: fc.record({ cluster: fc.nat(2), node: fc.nat(3), country }).map((r) => ({ kind: 'forgeStatus' as const, ...r })) },
);

/** A run: the federation, then its steps. The first steps bring it up (verify, count, probe) as an operator's start does. */
export const runArbitrary = fc.record({
  // One run in three has GPU workloads competing for one pool.
  federation: fc.oneof({ weight: 2, arbitrary: federationArbitrary }, { weight: 1, arbitrary: contendedFederationArbitrary }),
  steps: fc.array(stepArbitrary, { minLength: 1, maxLength: 16 }),
});

/** The seed every property starts from unless `FC_SEED` names another (`FC_SEED=random` draws one; a failure prints it). */
export const DEFAULT_SEED = 17_2026;

/** Seed and run count for a property: `FC_SEED` and `FC_NUM_RUNS` override; `FC_PATH` replays a shrunk failure. */
export function propertyParameters(defaultRuns: number): fc.Parameters<unknown> {
  const numRuns = Number(process.env.FC_NUM_RUNS ?? defaultRuns);
  const seed = process.env.FC_SEED === 'random' ? undefined : Number(process.env.FC_SEED ?? DEFAULT_SEED);
  return { numRuns, ...(seed !== undefined && { seed }), ...(process.env.FC_PATH && { path: process.env.FC_PATH }), verbose: 0 };
}
