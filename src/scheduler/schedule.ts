// schedule(): filters → scores → normalize → select → divide, pure over a
// snapshot, deterministic (ties broken by cluster name). scheduleAll()
// reserves each decision before the next, so a batch never double-books.
import type { FederatedWorkload } from '../api/generated/types.ts';
import {
  podsIn,
  type Candidate,
  type CurrentPlacement,
  type CycleState,
  type FilterPlugin,
  type PoolFilterPlugin,
  type PoolRefusal,
  type Refusal,
  type ResolvedOptions,
  type ScheduleOptions,
  type ScorePlugin,
} from './framework.ts';
import { divide, splitCompletions } from './divide.ts';
import { bookedNote } from './bookings.ts';
import { GPU_FIT } from './plugins/gpu-fit.ts';
import { usablePlace } from './places.ts';
import { podsThatFit, RESOURCE_FIT } from './plugins/resource-fit.ts';
import type { ReasonCode } from './reasons.ts';
import { CLUSTER_FILTERS, DEFAULT_WEIGHTS, POOL_FILTERS, SCORE_PLUGINS } from './registry.ts';
import { groupOf, selectBySpread } from './select.ts';
import {
  clusterNamed,
  reserve,
  slotsFor,
  type ClusterInfo,
  type CountryGroup,
  type NodeInfo,
  type PoolGroup,
  type PoolInfo,
  type Reservation,
  type Snapshot,
} from './snapshot.ts';
import { InvalidWorkloadError, readWorkload, type WorkloadRequest } from './workload.ts';

export interface PluginScore {
  plugin: string;
  score: number;
}

/** One cluster as the decision saw it: refused (by which plugin, why) or scored. */
export interface ClusterEvaluation {
  cluster: string;
  refusal?: Refusal;
  /** Each GPU pool of the cluster the pool filters refused. */
  poolRefusals?: PoolRefusal[];
  scores?: PluginScore[];
  score?: number;
  pool?: string;
  country?: string;
  /** Pods that fit there. */
  slots?: number;
}

export interface Placement {
  cluster: string;
  pool?: string;
  country: string;
  provider: string;
  /** Pods: replicas, or a Job's parallelism share. */
  replicas: number;
  completions?: number;
  /** The cluster's weighted score; absent when the current placement was kept without ranking the federation. */
  score?: number;
  /** The verified nodes these pods may use: their DIDs, countries and the provider go to AuthorizePlacement. */
  nodes: readonly NodeInfo[];
}

export interface Decision {
  workload: string;
  result: 'Scheduled' | 'Unschedulable' | 'Error';
  placements: Placement[];
  /** Every cluster of the snapshot, by name. */
  evaluations: ClusterEvaluation[];
  unschedulable?: { code: ReasonCode; message: string };
  /** True when the placement comes from placement.fallback. */
  fallback: boolean;
  /** What the decision takes from the snapshot: new pods only (running ones are already counted as allocated). */
  reservations: Reservation[];
}

function resolve(options: ScheduleOptions): ResolvedOptions {
  return {
    ...options,
    defaultJurisdictions: options.defaultJurisdictions ?? ['EU'],
    ...(options.allowedRegistries?.length && { allowedRegistrySet: new Set(options.allowedRegistries) }),
    weights: { ...DEFAULT_WEIGHTS, ...options.weights },
  };
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The best allowed country group of a cluster for a workload without GPUs: the one with most verified nodes. */
function bestCountry(state: CycleState, cluster: ClusterInfo): CountryGroup | undefined {
  let best: CountryGroup | undefined;
  for (const group of cluster.countries) {
    if (!usablePlace(state, group)) continue;
    if (!best || group.nodes.length > best.nodes.length) best = group;
  }
  return best;
}

interface PoolChoice {
  pool: PoolInfo;
  group: PoolGroup;
  slots: number;
}

const CAPACITY_CODES = new Set<string>(['InsufficientGpus', 'PodDoesNotFitOnANode']);

const cheaper = (a: PoolInfo, b: PoolInfo) => (a.price ?? Infinity) < (b.price ?? Infinity);

function refused(cluster: string, refusal: Refusal, pools: LazyPools | undefined): Evaluation {
  const evaluation = new Evaluation(cluster, pools);
  evaluation.refusal = refusal;
  return evaluation;
}

function evaluate(state: CycleState, cluster: ClusterInfo, filters: readonly FilterPlugin[], poolFilters: readonly PoolFilterPlugin[]): Evaluation | Scored {
  for (const plugin of filters) {
    const refusal = plugin.filter(state, cluster);
    if (refusal) return refused(cluster.name, refusal, undefined);
  }
  const { request, options } = state;
  const cpuSlots = podsThatFit(cluster, request.cpuMillisPerPod, request.memoryMiBPerPod);
  if (!request.gpu) {
    const group = bestCountry(state, cluster)!;
    return { cluster, country: group.country, slots: cpuSlots + podsIn(options.current, cluster.name, undefined) };
  }
  const perPod = request.gpu.count;
  let choice: PoolChoice | undefined;
  let refusals: PoolRefusal[] | undefined;
  // Only pools offering the requested device are judged now; the refusals of
  // the others are worked out when someone reads them (explain, status).
  const offered = cluster.poolsByResource.get(request.gpu.resourceName);
  const running = podsIn(options.current, cluster.name) > 0;
  if (offered && offered.free > 0 && offered.maxNodeFree < perPod && !running) {
    // No node of any pool has that many free: the cluster is refused without judging each pool (explain still lists them).
    const refusal: Refusal =
      offered.free < perPod
        ? {
            plugin: GPU_FIT,
            code: 'InsufficientGpus',
            reason: `cluster ${cluster.name} has ${offered.free} ${request.gpu.resourceName} free on verified nodes${bookedNote(offered.pools)}, a pod needs ${perPod}`,
          }
        : {
            plugin: GPU_FIT,
            code: 'PodDoesNotFitOnANode',
            reason: `a pod needs ${perPod} ${request.gpu.resourceName} on one node; the most free on a verified node of cluster ${cluster.name} is ${offered.maxNodeFree}${bookedNote(offered.pools)}`,
          };
    return refused(cluster.name, refusal, new LazyPools(() => allPoolRefusals(state, cluster, poolFilters)));
  }
  pools: for (const pool of offered?.pools ?? []) {
    for (const plugin of poolFilters) {
      const refusal = plugin.filterPool(state, cluster, pool);
      if (refusal) {
        (refusals ??= []).push({ pool: pool.name, plugin: refusal.plugin, code: refusal.code, reason: refusal.reason });
        continue pools;
      }
    }
    for (const group of pool.groups) {
      if (!usablePlace(state, group)) continue;
      const slots = Math.min(slotsFor(group, perPod), cpuSlots) + podsIn(options.current, cluster.name, pool.name);
      if (slots <= 0) continue;
      if (!choice || slots > choice.slots || (slots === choice.slots && cheaper(pool, choice.pool))) choice = { pool, group, slots };
    }
  }
  const others = cluster.pools.length - (offered?.pools.length ?? 0);
  const pools = others || refusals ? new LazyPools(() => (others ? allPoolRefusals(state, cluster, poolFilters) : refusals)) : undefined;
  if (!choice) {
    // A pool that matches everything but free devices says the most: the workload waits for it.
    const first = refusals?.find((r) => CAPACITY_CODES.has(r.code)) ?? refusals?.[0];
    const refusal: Refusal = first
      ? { plugin: first.plugin, code: first.code, reason: `none of the ${cluster.pools.length} GPU pool(s) of cluster ${cluster.name} fits; ${first.reason}` }
      : others
        ? { plugin: GPU_FIT, code: 'ResourceNameMismatch', reason: `no GpuPool of cluster ${cluster.name} offers ${request.gpu.resourceName}` }
        : cluster.pools.length
          ? {
              plugin: RESOURCE_FIT,
              code: 'InsufficientCpu',
              reason: `GPU pools of cluster ${cluster.name} fit, but its verified nodes lack the CPU or memory a pod requests`,
            }
          : { plugin: GPU_FIT, code: 'NoGpuPools', reason: `cluster ${cluster.name} has no GpuPool` };
    return refused(cluster.name, refusal, pools);
  }
  return { cluster, country: choice.group.country, pool: choice.pool, group: choice.group, slots: choice.slots, pools };
}

/** Every pool of the cluster the pool filters refuse, in name order: what explain and the status show. */
function allPoolRefusals(state: CycleState, cluster: ClusterInfo, poolFilters: readonly PoolFilterPlugin[]): PoolRefusal[] | undefined {
  const out: PoolRefusal[] = [];
  for (const pool of cluster.pools) {
    for (const plugin of poolFilters) {
      const refusal = plugin.filterPool(state, cluster, pool);
      if (refusal) {
        out.push({ pool: pool.name, plugin: refusal.plugin, code: refusal.code, reason: refusal.reason });
        break;
      }
    }
  }
  return out.length ? out : undefined;
}

/**
 * A refused cluster whose pool refusals are worked out when read (explain,
 * status, JSON): a decision over thousands of pools only pays for the ones
 * that could have taken the workload.
 */
class LazyPools {
  #compute: (() => PoolRefusal[] | undefined) | undefined;
  #value: PoolRefusal[] | undefined;
  constructor(compute: () => PoolRefusal[] | undefined) {
    this.#compute = compute;
  }
  get(): PoolRefusal[] | undefined {
    if (this.#compute) {
      this.#value = this.#compute();
      this.#compute = undefined;
    }
    return this.#value;
  }
}

class Evaluation implements ClusterEvaluation {
  readonly cluster: string;
  refusal?: Refusal;
  scores?: PluginScore[];
  score?: number;
  pool?: string;
  country?: string;
  slots?: number;
  readonly #pools: LazyPools | undefined;
  constructor(cluster: string, pools: LazyPools | undefined) {
    this.cluster = cluster;
    this.#pools = pools;
  }
  get poolRefusals(): PoolRefusal[] | undefined {
    return this.#pools?.get();
  }
  toJSON(): ClusterEvaluation {
    const { poolRefusals } = this;
    return { ...this, ...(poolRefusals && { poolRefusals }) };
  }
}

/** A candidate with the lazy refusals of its cluster's other pools. */
interface Scored extends Candidate {
  pools?: LazyPools;
}

const isCandidate = (x: Evaluation | Scored): x is Scored => !(x instanceof Evaluation);

interface Ranked {
  candidate: Candidate;
  score: number;
  scores: PluginScore[];
}

function rank(state: CycleState, candidates: Candidate[], scorers: readonly ScorePlugin[]): Ranked[] {
  const weights = state.options.weights;
  const raw = scorers.map((plugin) => {
    const values = candidates.map((c) => plugin.score(state, c));
    plugin.normalize?.(values);
    return values;
  });
  const totalWeight = scorers.reduce((sum, p) => sum + weights[p.name], 0);
  const ranked = candidates.map((candidate, i) => {
    const scores = scorers.map((p, k) => ({ plugin: p.name, score: Math.max(0, Math.min(100, raw[k][i])) }));
    const sum = scores.reduce((s, x) => s + weights[x.plugin] * x.score, 0);
    return { candidate, scores, score: totalWeight ? Math.round(sum / totalWeight) : 0 };
  });
  return ranked.sort((a, b) => b.score - a.score || byName(a.candidate.cluster, b.candidate.cluster));
}

type Split = { counts: number[] } | { code: ReasonCode; message: string };

const unit = (request: WorkloadRequest) => (request.kind === 'Job' ? 'parallel pod(s)' : 'replica(s)');

/** Where a GPU candidate's room goes: the pool's free and allocatable devices and who booked the rest. */
function poolRoom(ranked: readonly Ranked[]): string {
  const pools = ranked.flatMap((r) => (r.candidate.pool ? [r.candidate.pool] : []));
  if (!pools.length) return '';
  return ` (${pools.map((p) => `pool ${p.cluster}/${p.name}: ${p.free} of ${p.allocatable} ${p.resourceName} free${bookedNote([p])}`).join('; ')})`;
}

/** One pod on the best cluster of each of the first minGroups groups, so a Divided split covers them. */
function seeds(ranked: readonly Ranked[], request: WorkloadRequest): number[] | { code: ReasonCode; message: string } {
  const start = ranked.map(() => 0);
  for (const constraint of request.spread) {
    if (constraint.minGroups === undefined) continue;
    const seen = new Set<string>();
    ranked.forEach((r, i) => {
      const group = groupOf(r.candidate, constraint.by);
      if (seen.has(group) || seen.size >= constraint.minGroups!) return;
      seen.add(group);
      start[i] = 1;
    });
  }
  const seeded = start.reduce((a, b) => a + b, 0);
  if (seeded > request.pods) {
    return {
      code: 'SpreadUnsatisfiable',
      message: `${request.pods} ${unit(request)} cannot cover the ${seeded} groups the spread constraints' minGroups require`,
    };
  }
  return start;
}

/**
 * The current placement, kept where it is still feasible (and scaled down from the least preferred cluster).
 * Not on a cluster the weights no longer name: a Weighted workload moved off it would otherwise stay.
 */
function keptStart(ranked: readonly Ranked[], request: WorkloadRequest, current: readonly CurrentPlacement[], weights?: readonly number[]): number[] {
  const start = ranked.map((r, i) =>
    weights && !weights[i] ? 0 : Math.min(r.candidate.slots, podsIn(current, r.candidate.cluster.name, r.candidate.pool?.name)),
  );
  let excess = start.reduce((a, b) => a + b, 0) - request.pods;
  for (let i = start.length - 1; i >= 0 && excess > 0; i--) {
    const drop = Math.min(excess, start[i]);
    start[i] -= drop;
    excess -= drop;
  }
  return start;
}

function coversSpread(ranked: readonly { candidate: Candidate }[], counts: readonly number[], request: WorkloadRequest): boolean {
  return request.spread.every((constraint) => {
    const groups = new Set(ranked.filter((_, i) => counts[i] > 0).map((r) => groupOf(r.candidate, constraint.by)));
    return (
      (constraint.minGroups === undefined || groups.size >= Math.min(constraint.minGroups, request.pods)) &&
      (constraint.maxGroups === undefined || groups.size <= constraint.maxGroups)
    );
  });
}

function split(ranked: readonly Ranked[], request: WorkloadRequest, options: ResolvedOptions): Split {
  const capacity = ranked.map((r) => r.candidate.slots);
  const weights = request.division === 'Weighted' ? ranked.map((r) => request.weights.get(r.candidate.cluster.name) ?? 0) : undefined;
  if (weights && !weights.some((w) => w > 0)) {
    return {
      code: 'NoWeightedClusterFeasible',
      message: `none of the clusters in replicaScheduling.weights (${[...request.weights.keys()].join(', ')}) passes the filters`,
    };
  }
  const insufficient = () => {
    const room = capacity.reduce((sum, c, i) => sum + (weights && !weights[i] ? 0 : c), 0);
    return {
      code: 'InsufficientCapacity' as const,
      message: `${request.pods} ${unit(request)} asked; the verified free capacity of the ${ranked.length} selected cluster(s) holds ${room}${poolRoom(ranked)}`,
    };
  };
  if (options.current?.length) {
    const start = keptStart(ranked, request, options.current, weights);
    const kept = start.reduce((a, b) => a + b, 0);
    const counts = divide(request.division, capacity, request.pods - kept, weights, start);
    if (counts && coversSpread(ranked, counts, request)) return { counts };
  }
  const start = seeds(ranked, request);
  if (!Array.isArray(start)) return start;
  const counts = divide(request.division, capacity, request.pods - start.reduce((a, b) => a + b, 0), weights, start);
  return counts ? { counts } : insufficient();
}

function placementsOf(ranked: readonly { candidate: Candidate; score?: number }[], counts: readonly number[], request: WorkloadRequest): Placement[] {
  const chosen = ranked.map((r, i) => ({ r, pods: counts[i] })).filter((x) => x.pods > 0);
  // Duplicated: every cluster runs the whole Job; Divided: the completions follow the parallelism shares.
  const completions =
    request.completions === undefined
      ? undefined
      : request.duplicated
        ? chosen.map(() => request.completions!)
        : splitCompletions(
            chosen.map((x) => x.pods),
            request.completions,
          );
  return chosen
    .map(({ r, pods }, i) => {
      const { cluster, pool, group, country } = r.candidate;
      return {
        cluster: cluster.name,
        ...(pool && { pool: pool.name }),
        country,
        provider: pool?.provider ?? cluster.provider,
        replicas: pods,
        ...(completions && { completions: completions[i] }),
        ...(r.score !== undefined && { score: r.score }),
        nodes: group ? group.nodes.map((n) => n.node) : (cluster.countries.find((g) => g.country === country)?.nodes ?? []),
      };
    })
    .sort((a, b) => (a.cluster < b.cluster ? -1 : 1));
}

interface Outcome {
  placements: Placement[];
  unschedulable?: { code: ReasonCode; message: string };
  refusedForCapacity: ClusterEvaluation[];
}

function place(state: CycleState, ranked: Ranked[]): Outcome {
  const { request, options } = state;
  if (!ranked.length) return { placements: [], unschedulable: { code: 'NoFeasibleCluster', message: 'no cluster passes the filters' }, refusedForCapacity: [] };
  if (request.duplicated) {
    const refusedForCapacity: ClusterEvaluation[] = [];
    const fit = ranked.filter((r) => {
      if (r.candidate.slots >= request.pods) return true;
      refusedForCapacity.push({
        cluster: r.candidate.cluster.name,
        refusal: {
          plugin: request.gpu ? GPU_FIT : RESOURCE_FIT,
          code: 'InsufficientCapacity',
          reason: `Duplicated: every cluster runs all ${request.pods} ${unit(request)}; ${r.candidate.cluster.name} fits ${r.candidate.slots}${poolRoom([r])}`,
        },
      });
      return false;
    });
    const selection = selectBySpread(
      fit.map((r) => r.candidate),
      request.spread,
    );
    if ('code' in selection) return { placements: [], unschedulable: selection, refusedForCapacity };
    const keep = new Set(selection.candidates);
    const selected = fit.filter((r) => keep.has(r.candidate));
    if (!selected.length)
      return {
        placements: [],
        unschedulable: { code: 'InsufficientCapacity', message: `no cluster fits all ${request.pods} ${unit(request)}` },
        refusedForCapacity,
      };
    return {
      placements: placementsOf(
        selected,
        selected.map(() => request.pods),
        request,
      ),
      refusedForCapacity,
    };
  }
  const selection = selectBySpread(
    ranked.map((r) => r.candidate),
    request.spread,
  );
  if ('code' in selection) return { placements: [], unschedulable: selection, refusedForCapacity: [] };
  const keep = new Set(selection.candidates);
  const selected = ranked.filter((r) => keep.has(r.candidate));
  const result = split(selected, request, options);
  if ('code' in result) return { placements: [], unschedulable: result, refusedForCapacity: [] };
  return { placements: placementsOf(selected, result.counts, request), refusedForCapacity: [] };
}

/** Fallback clusters in their order, under every rule but the preference ones; each is filled before the next. */
function placeFallback(state: CycleState, snapshot: Snapshot, scorers: readonly ScorePlugin[], evaluations: Evaluations): Outcome | undefined {
  const { request } = state;
  const filters = CLUSTER_FILTERS.filter((p) => !p.preference && (p.applies?.(state) ?? true));
  const poolFilters = request.gpu ? POOL_FILTERS.filter((p) => p.applies?.(state) ?? true) : [];
  const candidates: Candidate[] = [];
  for (const name of request.fallback) {
    const cluster = clusterNamed(snapshot, name);
    if (!cluster) continue;
    const result = evaluate(state, cluster, filters, poolFilters);
    if (isCandidate(result)) candidates.push(result);
    else evaluations.set(name, result);
  }
  if (!candidates.length) return undefined;
  const scored = new Map(rank(state, candidates, scorers).map((r) => [r.candidate, r]));
  const ordered = candidates.map((c) => scored.get(c)!);
  for (const r of ordered) evaluations.set(r.candidate.cluster.name, evaluationOf(r));
  let left = request.pods;
  const counts = ordered.map((r) => {
    const take = request.duplicated ? (r.candidate.slots >= request.pods && left ? request.pods : 0) : Math.min(left, r.candidate.slots);
    left -= take;
    return take;
  });
  if (left > 0) return undefined;
  return { placements: placementsOf(ordered, counts, request), refusedForCapacity: [] };
}

function evaluationOf(r: Ranked): ClusterEvaluation {
  const c = r.candidate as Scored;
  const evaluation = new Evaluation(c.cluster.name, c.pools);
  evaluation.scores = r.scores;
  evaluation.score = r.score;
  if (c.pool) evaluation.pool = c.pool.name;
  evaluation.country = c.country;
  evaluation.slots = c.slots;
  return evaluation;
}

function reservationsOf(placements: readonly Placement[], request: WorkloadRequest, current: readonly CurrentPlacement[] | undefined): Reservation[] {
  const out: Reservation[] = [];
  for (const p of placements) {
    const pods = p.replicas - podsIn(current, p.cluster, p.pool);
    if (pods <= 0) continue;
    out.push({
      cluster: p.cluster,
      pods,
      cpuMillisPerPod: request.cpuMillisPerPod,
      memoryMiBPerPod: request.memoryMiBPerPod,
      ...(p.pool !== undefined && { pool: p.pool, country: p.country, devicesPerPod: request.gpu!.count }),
    });
  }
  return out;
}

class Evaluations {
  readonly #snapshot: Snapshot;
  readonly #byIndex: (ClusterEvaluation | undefined)[];
  constructor(snapshot: Snapshot) {
    this.#snapshot = snapshot;
    this.#byIndex = new Array(snapshot.clusters.length);
  }
  set(cluster: string, evaluation: ClusterEvaluation): void {
    this.#byIndex[this.#snapshot.indexOf.get(cluster)!] = evaluation;
  }
  get(cluster: string): ClusterEvaluation | undefined {
    return this.#byIndex[this.#snapshot.indexOf.get(cluster)!];
  }
  list(): ClusterEvaluation[] {
    return this.#byIndex.filter((e): e is ClusterEvaluation => e !== undefined);
  }
}

/**
 * Stability's fast path: the current placement, unchanged, when every one of
 * its clusters (and pools) still passes every filter and it still adds up to
 * the request and the spread. Only those clusters are judged.
 */
function keepCurrent(
  state: CycleState,
  snapshot: Snapshot,
  filters: readonly FilterPlugin[],
  poolFilters: readonly PoolFilterPlugin[],
): Placement[] | undefined {
  const { request } = state;
  const current = (state.options.current ?? []).filter((c) => c.replicas > 0);
  if (!current.length) return undefined;
  const kept: { candidate: Candidate }[] = [];
  for (const entry of current) {
    const cluster = clusterNamed(snapshot, entry.cluster);
    if (!cluster || filters.some((f) => f.filter(state, cluster))) return undefined;
    if (request.gpu) {
      const pool = cluster.pools.find((p) => p.name === entry.pool);
      if (!pool || pool.resourceName !== request.gpu.resourceName || poolFilters.some((f) => f.filterPool(state, cluster, pool))) return undefined;
      const group = pool.groups.find((g) => usablePlace(state, g));
      if (!group) return undefined;
      kept.push({ candidate: { cluster, country: group.country, pool, group, slots: entry.replicas } });
    } else {
      const group = entry.pool === undefined ? bestCountry(state, cluster) : undefined;
      if (!group) return undefined;
      kept.push({ candidate: { cluster, country: group.country, slots: entry.replicas } });
    }
  }
  const counts = current.map((c) => c.replicas);
  const total = counts.reduce((a, b) => a + b, 0);
  if (request.duplicated ? counts.some((c) => c !== request.pods) : total !== request.pods) return undefined;
  if (!request.duplicated && request.division === 'Weighted' && current.some((c) => !request.weights.has(c.cluster))) return undefined;
  if (!coversSpread(kept, counts, request)) return undefined;
  return placementsOf(kept, counts, request);
}

/** Decides one normalized workload. */
export function decide(request: WorkloadRequest, snapshot: Snapshot, scheduleOptions: ScheduleOptions = {}): Decision {
  const options = resolve(scheduleOptions);
  const state: CycleState = {
    request,
    options,
    jurisdictions: request.jurisdictions ?? new Set(options.defaultJurisdictions),
    places: new Map(),
    jurisdictionVerdicts: new Map(),
  };
  const filters = CLUSTER_FILTERS.filter((p) => p.applies?.(state) ?? true);
  const poolFilters = request.gpu ? POOL_FILTERS.filter((p) => p.applies?.(state) ?? true) : [];
  const scorers = SCORE_PLUGINS.filter((p) => (options.weights[p.name] ?? 0) > 0 && (p.applies?.(state) ?? true));

  if (options.current?.length && request.pods > 0 && !scheduleOptions.explainKept) {
    const placements = keepCurrent(state, snapshot, filters, poolFilters);
    if (placements) {
      const decision = { workload: request.key, result: 'Scheduled', placements, fallback: false, reservations: [] } as unknown as Decision;
      // How every other cluster fares is worked out when someone asks (explain, status): the same pure pipeline, same snapshot.
      let evaluations: ClusterEvaluation[] | undefined;
      return Object.defineProperty(decision, 'evaluations', {
        enumerable: true,
        get: () => (evaluations ??= decide(request, snapshot, { ...scheduleOptions, explainKept: true }).evaluations),
      });
    }
  }

  // In snapshot (name) order, by cluster index.
  const evaluations = new Evaluations(snapshot);
  const candidates: Candidate[] = [];
  for (const cluster of snapshot.clusters) {
    const result = evaluate(state, cluster, filters, poolFilters);
    if (isCandidate(result)) candidates.push(result);
    else evaluations.set(cluster.name, result);
  }
  const ranked = rank(state, candidates, scorers);
  for (const r of ranked) evaluations.set(r.candidate.cluster.name, evaluationOf(r));

  let outcome = request.pods === 0 ? { placements: [], refusedForCapacity: [] } : place(state, ranked);
  for (const e of outcome.refusedForCapacity) evaluations.get(e.cluster)!.refusal = e.refusal;
  let fallback = false;
  if (outcome.unschedulable && request.fallback.length) {
    const viaFallback = placeFallback(state, snapshot, scorers, evaluations);
    if (viaFallback) {
      outcome = viaFallback;
      fallback = true;
    }
  }
  const list = evaluations.list();
  if (outcome.unschedulable) {
    const refused = list.filter((e) => e.refusal).length;
    const message = ranked.length
      ? outcome.unschedulable.message
      : `${outcome.unschedulable.message}: ${refused} of ${snapshot.clusters.length} cluster(s) refused${summary(list)}`;
    return {
      workload: request.key,
      result: 'Unschedulable',
      placements: [],
      evaluations: list,
      unschedulable: { code: outcome.unschedulable.code, message },
      fallback: false,
      reservations: [],
    };
  }
  return {
    workload: request.key,
    result: 'Scheduled',
    placements: outcome.placements,
    evaluations: list,
    fallback,
    reservations: reservationsOf(outcome.placements, request, options.current),
  };
}

/** The most common refusal codes, e.g. " (JurisdictionNotAllowed: 3, UntoleratedTaint: 1)". */
function summary(evaluations: readonly ClusterEvaluation[]): string {
  const counts = new Map<string, number>();
  for (const e of evaluations) if (e.refusal) counts.set(e.refusal.code, (counts.get(e.refusal.code) ?? 0) + 1);
  if (!counts.size) return '';
  return ` (${[...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([code, n]) => `${code}: ${n}`)
    .join(', ')})`;
}

/** Decides one FederatedWorkload; a workload that cannot be read is an Error decision naming the field. */
export function schedule(workload: FederatedWorkload, snapshot: Snapshot, options: ScheduleOptions = {}): Decision {
  let request: WorkloadRequest;
  try {
    request = readWorkload(workload);
  } catch (error) {
    if (!(error instanceof InvalidWorkloadError)) throw error;
    const key = `${workload.metadata?.namespace ?? 'default'}/${workload.metadata?.name}`;
    return {
      workload: key,
      result: 'Error',
      placements: [],
      evaluations: [],
      unschedulable: { code: 'InvalidWorkload', message: error.message },
      fallback: false,
      reservations: [],
    };
  }
  return decide(request, snapshot, options);
}

/**
 * Decides workloads in the given order, each against what the previous ones
 * left: the snapshot returned has every decision's pods deducted.
 */
export function scheduleAll(
  workloads: readonly FederatedWorkload[],
  snapshot: Snapshot,
  options: ScheduleOptions | ((workload: FederatedWorkload) => ScheduleOptions) = {},
): { decisions: Decision[]; snapshot: Snapshot } {
  let current = snapshot;
  const decisions = workloads.map((workload) => {
    const decision = schedule(workload, current, typeof options === 'function' ? options(workload) : options);
    current = reserve(current, decision.reservations);
    return decision;
  });
  return { decisions, snapshot: current };
}
