// Property-based tests over random federations and workloads: the invariants
// hold for every input fast-check can find, not just the examples.
import fc from 'fast-check';
import type { FederatedWorkload, GpuPool } from '../../../src/api/generated/types.ts';
import type { ScheduleOptions } from '../../../src/scheduler/framework.ts';
import { schedule, scheduleAll, type Decision } from '../../../src/scheduler/schedule.ts';
import { buildSnapshot, type FederationObjects } from '../../../src/scheduler/snapshot-builder.ts';
import { propertyParameters } from '../../properties/arbitraries.ts';
import { member, NOW, pool, workload } from './fixtures.ts';

const COUNTRIES = ['FR', 'DE', 'ES', 'PL', 'GB', 'CH'] as const;
const EU = new Set(['FR', 'DE', 'ES', 'PL']);
const RESOURCES = ['nvidia.com/gpu', 'nvidia.com/mig-1g.10gb', 'amd.com/gpu'] as const;
const PROVIDERS = ['ovhcloud', 'atos', 'ionos'] as const;

interface NodeFact {
  name: string;
  country: string;
  verified: boolean;
  expired: boolean;
}

const clusterArb = fc.record({
  country: fc.constantFrom(...COUNTRIES),
  provider: fc.constantFrom(...PROVIDERS),
  cpuCores: fc.integer({ min: 0, max: 16 }),
  tainted: fc.constantFrom(undefined, 'cloudempire.eu/unreachable', 'maintenance'),
  nodes: fc.array(
    fc.record({
      country: fc.constantFrom(...COUNTRIES),
      verified: fc.oneof(fc.constant(true), fc.constant(true), fc.constant(false)),
      expired: fc.oneof(fc.constant(false), fc.constant(false), fc.constant(true)),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  pools: fc.array(
    fc.record({
      resource: fc.constantFrom(...RESOURCES),
      price: fc.constantFrom(undefined, '1.50', '2.85', '4.10'),
      // per pool node: [index into the cluster's nodes, allocatable, allocated]
      nodes: fc.array(fc.tuple(fc.nat(3), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 8 })), { minLength: 0, maxLength: 4 }),
    }),
    { maxLength: 3 },
  ),
});

const worldArb = fc.array(clusterArb, { minLength: 1, maxLength: 6 });

type World = typeof worldArb extends fc.Arbitrary<infer T> ? T : never;

interface Facts {
  objects: FederationObjects;
  /** cluster → node name → fact */
  nodes: Map<string, Map<string, NodeFact>>;
  /** cluster/pool → resource and [node, allocatable, allocated] */
  pools: Map<string, { resource: string; nodes: [string, number, number][] }>;
}

function federationOf(world: World): Facts {
  const clusters = world.map((c, i) => {
    const name = `c${i}`;
    const nodes = Object.fromEntries(
      c.nodes.map((n, k) => [`${name}-n${k}`, { country: n.country, verified: n.verified, ...(n.expired && { expiresAt: '2026-06-01T00:00:00Z' }) }]),
    );
    return member(name, {
      country: c.country,
      provider: c.provider,
      cpuMillis: c.cpuCores * 1000,
      memoryMiB: c.cpuCores * 4096,
      nodes,
      ...(c.tainted && { taints: [{ key: c.tainted, effect: c.tainted === 'maintenance' ? ('NoSchedule' as const) : ('NoExecute' as const) }] }),
    });
  });
  const gpuPools: GpuPool[] = [];
  const pools: Facts['pools'] = new Map();
  world.forEach((c, i) =>
    c.pools.forEach((p, j) => {
      const entries = new Map<string, [number, number]>();
      for (const [k, allocatable, allocated] of p.nodes) entries.set(`c${i}-n${k % c.nodes.length}`, [allocatable, Math.min(allocated, allocatable)]);
      const name = `c${i}-p${j}`;
      gpuPools.push(
        pool(name, `c${i}`, { resourceName: p.resource, provider: c.provider, ...(p.price && { price: p.price }), nodes: Object.fromEntries(entries) }),
      );
      pools.set(`c${i}/${name}`, { resource: p.resource, nodes: [...entries].map(([n, [a, b]]) => [n, a, b]) });
    }),
  );
  const nodes = new Map(world.map((c, i) => [`c${i}`, new Map(c.nodes.map((n, k) => [`c${i}-n${k}`, { name: `c${i}-n${k}`, ...n }]))]));
  return { objects: { memberClusters: clusters.map((c) => c.member), sovereignNodes: clusters.flatMap((c) => c.nodes), gpuPools }, nodes, pools };
}

const workloadArb = fc.record({
  kind: fc.constantFrom('Deployment' as const, 'Job' as const),
  pods: fc.integer({ min: 0, max: 12 }),
  completions: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
  cpu: fc.constantFrom(undefined, '500m', '2'),
  gpu: fc.option(fc.record({ count: fc.integer({ min: 1, max: 8 }), resourceName: fc.constantFrom(...RESOURCES) }), { nil: undefined }),
  include: fc.option(fc.subarray([...COUNTRIES], { minLength: 1 }), { nil: undefined }),
  exclude: fc.option(fc.subarray([...COUNTRIES], { minLength: 1, maxLength: 2 }), { nil: undefined }),
  jurisdictions: fc.option(fc.constantFrom(['EU'], ['EU', 'NONEU']), { nil: undefined }),
  excludeProvider: fc.option(fc.constantFrom(...PROVIDERS), { nil: undefined }),
  duplicated: fc.boolean(),
  division: fc.constantFrom('Balanced' as const, 'Aggregated' as const, 'Dynamic' as const, 'Weighted' as const),
  spread: fc.option(
    fc.record({ by: fc.constantFrom('cluster' as const, 'country' as const, 'provider' as const), minGroups: fc.integer({ min: 1, max: 3 }) }),
    { nil: undefined },
  ),
  fallback: fc.subarray(['c0', 'c1', 'c2', 'c3']),
  tolerate: fc.boolean(),
  maxPrice: fc.option(fc.constantFrom('2.00', '3.50'), { nil: undefined }),
});

type WorkloadFacts = typeof workloadArb extends fc.Arbitrary<infer T> ? T : never;

function workloadOf(w: WorkloadFacts, name = 'w'): FederatedWorkload {
  const include = w.include?.filter((c) => !w.exclude?.includes(c));
  const fw = workload({
    name,
    kind: w.kind,
    ...(w.kind === 'Job' ? { parallelism: w.pods, ...(w.completions !== undefined && { completions: w.completions }) } : { replicas: w.pods }),
    ...(w.cpu && { cpu: w.cpu }),
    ...(w.gpu && { gpu: w.gpu }),
    placement: {
      ...(w.jurisdictions && { jurisdictions: [...w.jurisdictions] }),
      ...((include?.length || w.exclude) && {
        countries: { ...(include?.length && { include: include as 'FR'[] }), ...(w.exclude && { exclude: w.exclude as 'FR'[] }) },
      }),
      ...(w.excludeProvider && { providers: { exclude: [w.excludeProvider] } }),
      replicaScheduling: w.duplicated
        ? { type: 'Duplicated' }
        : {
            type: 'Divided',
            divisionPreference: w.division,
            ...(w.division === 'Weighted' && {
              weights: [
                { clusterName: 'c0', weight: 2 },
                { clusterName: 'c2', weight: 1 },
              ],
            }),
          },
      ...(w.spread && { spreadConstraints: [w.spread] }),
      ...(w.fallback.length && { fallback: w.fallback, clusterAffinity: { clusterNames: ['c4', 'c5'].filter((c) => !w.fallback.includes(c)) } }),
      ...(w.tolerate && { clusterTolerations: [{ key: 'maintenance', operator: 'Exists' as const }] }),
      ...(w.maxPrice && { maxPricePerGpuHour: w.maxPrice }),
    },
  });
  return fw;
}

const podsOf = (w: WorkloadFacts) => (w.kind === 'Job' && w.completions !== undefined ? Math.min(w.pods, w.completions) : w.pods);

/** The invariants of one decision, checked against the input facts, not against the scheduler's own snapshot. */
function checkDecision(decision: Decision, w: WorkloadFacts, facts: Facts) {
  const jurisdictions = new Set(w.jurisdictions ?? ['EU']);
  const include = w.include?.filter((c) => !w.exclude?.includes(c));
  for (const p of decision.placements) {
    expect(p.nodes.length).toBeGreaterThan(0);
    for (const n of p.nodes) {
      const fact = facts.nodes.get(p.cluster)!.get(n.name)!;
      // Only verified, unexpired nodes, attested where the workload may run.
      expect(fact.verified && !fact.expired).toBe(true);
      expect(n.country).toBe(fact.country);
      expect(fact.country).toBe(p.country);
      expect(jurisdictions.has(EU.has(fact.country) ? 'EU' : 'NONEU')).toBe(true);
      if (include?.length) expect(include).toContain(fact.country);
      if (w.exclude) expect(w.exclude).not.toContain(fact.country);
    }
    if (w.gpu) {
      const poolFacts = facts.pools.get(`${p.cluster}/${p.pool}`)!;
      expect(poolFacts.resource).toBe(w.gpu.resourceName);
      // Never more pods than fit, count devices on one node, on verified free devices of the placement's country.
      const slots = poolFacts.nodes
        .filter(([n]) => {
          const fact = facts.nodes.get(p.cluster)!.get(n)!;
          return fact.verified && !fact.expired && fact.country === p.country;
        })
        .reduce((sum, [, allocatable, allocated]) => sum + Math.floor((allocatable - allocated) / w.gpu!.count), 0);
      expect(p.replicas).toBeLessThanOrEqual(slots);
    }
  }
  const pods = podsOf(w);
  if (decision.result === 'Scheduled') {
    if (w.duplicated) decision.placements.forEach((p) => expect(p.replicas).toBe(pods));
    else expect(decision.placements.reduce((s, p) => s + p.replicas, 0)).toBe(pods);
    if (w.kind === 'Job' && w.completions !== undefined && decision.placements.length) {
      if (w.duplicated) decision.placements.forEach((p) => expect(p.completions).toBe(w.completions));
      else expect(decision.placements.reduce((s, p) => s + (p.completions ?? 0), 0)).toBe(w.completions);
    }
  } else {
    expect(decision.placements).toEqual([]);
    expect(decision.unschedulable?.code).toBeTruthy();
    expect(decision.unschedulable?.message.length).toBeGreaterThan(10);
  }
  // Every cluster is accounted for: refused with a sentence, or scored.
  expect(decision.evaluations.map((e) => e.cluster)).toEqual(facts.objects.memberClusters.map((m) => m.metadata.name).sort());
  for (const e of decision.evaluations) {
    if (e.refusal) expect(e.refusal.reason.length).toBeGreaterThan(10);
    else expect(e.scores?.every((s) => s.score >= 0 && s.score <= 100)).toBe(true);
  }
}

describe('scheduler properties', () => {
  it('placements stay on verified nodes within the rules, within verified free capacity, and sum to the request', () => {
    fc.assert(
      fc.property(worldArb, workloadArb, (world, w) => {
        const facts = federationOf(world);
        checkDecision(schedule(workloadOf(w), buildSnapshot(facts.objects, NOW)), w, facts);
      }),
      propertyParameters(4000),
    );
  });

  it('the same input gives the same decision, whatever order the objects come in', () => {
    fc.assert(
      fc.property(worldArb, workloadArb, fc.integer(), (world, w, seed) => {
        const facts = federationOf(world);
        const options: ScheduleOptions = { current: [{ cluster: 'c1', replicas: 1 }] };
        const first = JSON.stringify(schedule(workloadOf(w), buildSnapshot(facts.objects, NOW), options));
        const shuffle = <T>(xs: readonly T[]) =>
          xs
            .map((x, i) => ({ x, k: (i * 7919 + seed) % 104_729 }))
            .sort((a, b) => a.k - b.k)
            .map((e) => e.x);
        const shuffled = {
          memberClusters: shuffle(facts.objects.memberClusters),
          sovereignNodes: shuffle(facts.objects.sovereignNodes),
          gpuPools: shuffle(facts.objects.gpuPools),
        };
        expect(JSON.stringify(schedule(workloadOf(w), buildSnapshot(shuffled, NOW), options))).toBe(first);
      }),
      propertyParameters(3000),
    );
  });

  it('a reserved batch never books more devices than verified free on any node', () => {
    fc.assert(
      fc.property(worldArb, fc.array(workloadArb, { minLength: 2, maxLength: 5 }), (world, ws) => {
        const facts = federationOf(world);
        const { decisions } = scheduleAll(
          ws.map((w, i) => workloadOf(w, `w${i}`)),
          buildSnapshot(facts.objects, NOW),
        );
        const used = new Map<string, number>();
        decisions.forEach((d, i) => {
          checkDecision(d, ws[i], facts);
          for (const r of d.reservations) if (r.pool) used.set(`${r.cluster}/${r.pool}`, (used.get(`${r.cluster}/${r.pool}`) ?? 0) + r.pods * r.devicesPerPod!);
        });
        for (const [key, devices] of used) {
          const [cluster] = key.split('/');
          const free = facts.pools
            .get(key)!
            .nodes.filter(([n]) => {
              const fact = facts.nodes.get(cluster)!.get(n)!;
              return fact.verified && !fact.expired;
            })
            .reduce((sum, [, allocatable, allocated]) => sum + allocatable - allocated, 0);
          expect(devices).toBeLessThanOrEqual(free);
        }
        // CPU too: what the batch books in a cluster never exceeds what it has free.
        const cpu = new Map<string, number>();
        for (const d of decisions) for (const r of d.reservations) cpu.set(r.cluster, (cpu.get(r.cluster) ?? 0) + r.pods * r.cpuMillisPerPod);
        for (const [cluster, millis] of cpu) expect(millis).toBeLessThanOrEqual(world[Number(cluster.slice(1))].cpuCores * 1000);
      }),
      propertyParameters(3000),
    );
  });
});
