// The placement framework in Karmada's shape: filter plugins answer for one
// cluster (or one GPU pool), score plugins rank what passed, 0–100.
import type { ReasonCode } from './reasons.ts';
import type { ClusterInfo, PoolGroup, PoolInfo } from './snapshot.ts';
import type { WorkloadRequest } from './workload.ts';

export const MIN_SCORE = 0;
export const MAX_SCORE = 100;

export interface Refusal {
  plugin: string;
  code: ReasonCode;
  /** One sentence a user can act on. */
  reason: string;
}

/** undefined is Success, as a nil Result in Karmada. */
export type FilterResult = Refusal | undefined;

/** What a cluster offers this workload once its filters passed: the country, the pool and how many pods fit. */
export interface Candidate {
  cluster: ClusterInfo;
  /** The attested country whose nodes the pods would use. */
  country: string;
  /** For GPU workloads: the pool (and its nodes of `country`) chosen in this cluster. */
  pool?: PoolInfo;
  group?: PoolGroup;
  /** Pods that fit on verified free capacity (GPU slots per node, CPU and memory). */
  slots: number;
}

export interface PoolRefusal extends Refusal {
  pool: string;
}

/** Per-decision context every plugin may read: the normalized workload and the scheduler options. */
export interface CycleState {
  request: WorkloadRequest;
  options: ResolvedOptions;
  /** The workload's jurisdictions, or the operator default when it names none. */
  jurisdictions: ReadonlySet<string>;
  /** Memos by country/jurisdiction, for this decision only: usablePlace, and the jurisdiction verdict. */
  places: Map<string, boolean>;
  jurisdictionVerdicts: Map<string, Refusal | null>;
}

export interface FilterPlugin {
  readonly name: string;
  /** A preference rule: ordered fallback clusters are evaluated without it (never jurisdiction, verification or policy). */
  readonly preference?: boolean;
  /** Whether the plugin has anything to check for this workload (skipped otherwise, at no cost). */
  applies?(state: CycleState): boolean;
  filter(state: CycleState, cluster: ClusterInfo): FilterResult;
}

export interface PoolFilterPlugin {
  readonly name: string;
  applies?(state: CycleState): boolean;
  filterPool(state: CycleState, cluster: ClusterInfo, pool: PoolInfo): FilterResult;
}

export interface ScorePlugin {
  readonly name: string;
  applies?(state: CycleState): boolean;
  /** A raw score; normalize (when present) maps the raw scores of all candidates onto 0–100. */
  score(state: CycleState, candidate: Candidate): number;
  normalize?(scores: number[]): void;
}

export interface DatasetPolicyView {
  allowedJurisdictions: readonly string[];
  allowedCountries: readonly string[];
  allowedProviders: readonly string[];
  allowedPurposes: readonly string[];
}

export interface CurrentPlacement {
  cluster: string;
  pool?: string;
  replicas: number;
}

export interface ScheduleOptions {
  /** Jurisdictions a workload may use when it names none (the trust configuration's default). */
  defaultJurisdictions?: readonly string[];
  /** Federation-wide registry allow-list, for clusters that set none themselves. */
  allowedRegistries?: readonly string[];
  /** Public dataset policies by id, as the ledger publishes them: placements they refuse are filtered early. */
  datasetPolicies?: ReadonlyMap<string, DatasetPolicyView>;
  /** Countries where each dataset lives, for the locality score. */
  datasetCountries?: ReadonlyMap<string, readonly string[]>;
  /** The workload's current placement, for stability. */
  current?: readonly CurrentPlacement[];
  /** Internal: rank the whole federation even when the current placement is kept (to explain a kept decision). */
  explainKept?: boolean;
  /** Score plugin weights by name (0 disables a plugin). */
  weights?: Readonly<Record<string, number>>;
}

export interface ResolvedOptions extends ScheduleOptions {
  defaultJurisdictions: readonly string[];
  allowedRegistrySet?: ReadonlySet<string>;
  weights: Readonly<Record<string, number>>;
}

/** Pods the workload runs now in this cluster (and pool): already counted as allocated in the snapshot. */
export function currentPods(options: ScheduleOptions, cluster: string, pool?: string): number {
  return podsIn(options.current, cluster, pool);
}

export function podsIn(current: readonly CurrentPlacement[] | undefined, cluster: string, pool?: string): number {
  if (!current) return 0;
  let pods = 0;
  for (const c of current) if (c.cluster === cluster && (pool === undefined || c.pool === pool)) pods += c.replicas;
  return pods;
}
