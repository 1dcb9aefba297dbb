// A FederatedWorkload read once per decision into the shape the plugins use:
// sets instead of lists, numbers instead of quantity strings, images parsed.
import type { ClusterToleration, FederatedWorkload, LabelSelector, ReplicaScheduling, SpreadConstraint } from '../api/generated/types.ts';
import { cpuMillis, memoryMiB } from '../capacity/quantity.ts';
import { parseImageReference } from './image-reference.ts';

export class InvalidWorkloadError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

export interface ContainerImage {
  container: string;
  image: string;
  registry: string;
}

export interface GpuNeed {
  count: number;
  resourceName: string;
  model?: string;
  minMemoryMiB?: number;
  pools?: ReadonlySet<string>;
}

export type Division = NonNullable<ReplicaScheduling['divisionPreference']>;

export interface WorkloadRequest {
  /** namespace/name */
  key: string;
  kind: 'Deployment' | 'StatefulSet' | 'Job';
  /** Pods to place: replicas, or a Job's effective parallelism. */
  pods: number;
  /** A Job's completions, split in proportion to each cluster's parallelism share. */
  completions?: number;
  gpu?: GpuNeed;
  cpuMillisPerPod: number;
  memoryMiBPerPod: number;
  images: readonly ContainerImage[];
  /** Images per cluster where overrides replace some. */
  imagesByCluster: ReadonlyMap<string, readonly ContainerImage[]>;
  jurisdictions?: ReadonlySet<string>;
  countriesInclude?: ReadonlySet<string>;
  countriesExclude?: ReadonlySet<string>;
  providersInclude?: ReadonlySet<string>;
  providersExclude?: ReadonlySet<string>;
  clusterNames?: ReadonlySet<string>;
  labelSelector?: LabelSelector;
  tolerations: readonly ClusterToleration[];
  spread: readonly SpreadConstraint[];
  duplicated: boolean;
  division: Division;
  weights: ReadonlyMap<string, number>;
  fallback: readonly string[];
  maxPrice?: number;
  maxPriceText?: string;
  datasets: readonly string[];
  purpose?: string;
}

interface Container {
  name?: string;
  image?: string;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
}

const setOf = <T>(list: readonly T[] | undefined): ReadonlySet<T> | undefined => (list?.length ? new Set(list) : undefined);

function request(container: Container, resource: string, parse: (q: string | number | undefined) => number | undefined, field: string): number {
  // A container with a limit and no request gets the limit as its request (the API server defaults it so).
  const raw = container.resources?.requests?.[resource] ?? container.resources?.limits?.[resource];
  if (raw === undefined) return 0;
  const value = parse(raw);
  if (value === undefined || value < 0)
    throw new InvalidWorkloadError(
      field,
      `${JSON.stringify(raw)} is not a ${resource} quantity; write e.g. ${resource === 'cpu' ? '500m or 2' : '512Mi or 4Gi'}`,
    );
  return value;
}

function podRequest(containers: Container[], init: Container[], resource: string, parse: (q: string | number | undefined) => number | undefined): number {
  const path = 'spec.template.spec.template.spec';
  const main = containers.reduce((sum, c, i) => sum + request(c, resource, parse, `${path}.containers[${i}].resources.requests.${resource}`), 0);
  const initMax = init.reduce((max, c, i) => Math.max(max, request(c, resource, parse, `${path}.initContainers[${i}].resources.requests.${resource}`)), 0);
  return Math.max(main, initMax);
}

function imageOf(container: string, image: string | undefined, field: string): ContainerImage {
  if (!image) throw new InvalidWorkloadError(field, `container ${container} has no image`);
  try {
    return { container, image, registry: parseImageReference(image).registry };
  } catch (error) {
    throw new InvalidWorkloadError(field, (error as Error).message);
  }
}

function count(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new InvalidWorkloadError(field, `${JSON.stringify(value)} is not a non-negative integer`);
  return value;
}

/** Reads a FederatedWorkload; throws InvalidWorkloadError naming the field when it cannot be placed as written. */
export function readWorkload(workload: FederatedWorkload): WorkloadRequest {
  const spec = workload.spec;
  const template = spec.template;
  const body = template.spec as {
    replicas?: unknown;
    parallelism?: unknown;
    completions?: unknown;
    template?: { spec?: { containers?: Container[]; initContainers?: Container[] } };
  };
  const podSpec = body.template?.spec;
  const containers = podSpec?.containers ?? [];
  const init = podSpec?.initContainers ?? [];
  if (!containers.length) throw new InvalidWorkloadError('spec.template.spec.template.spec.containers', 'the pod template has no containers');

  let pods: number;
  let completions: number | undefined;
  if (template.kind === 'Job') {
    const parallelism = count(body.parallelism, 'spec.template.spec.parallelism', 1);
    completions = body.completions === undefined ? undefined : count(body.completions, 'spec.template.spec.completions', 1);
    // A Job never runs more pods at once than it has completions left.
    pods = completions === undefined ? parallelism : Math.min(parallelism, completions);
  } else {
    pods = count(body.replicas, 'spec.template.spec.replicas', 1);
  }

  const podPath = 'spec.template.spec.template.spec';
  const images = [
    ...init.map((c, i) => imageOf(c.name ?? `#${i}`, c.image, `${podPath}.initContainers[${i}].image`)),
    ...containers.map((c, i) => imageOf(c.name ?? `#${i}`, c.image, `${podPath}.containers[${i}].image`)),
  ];
  const imagesByCluster = new Map<string, ContainerImage[]>();
  (spec.overrides ?? []).forEach((override, o) => {
    if (!override.images?.length) return;
    const replaced = new Map(
      override.images.map((entry, i) => [entry.container, imageOf(entry.container, entry.image, `spec.overrides[${o}].images[${i}].image`)]),
    );
    imagesByCluster.set(
      override.clusterName,
      images.map((image) => replaced.get(image.container) ?? image),
    );
  });

  const placement = spec.placement ?? {};
  const scheduling = placement.replicaScheduling;
  const gpu = spec.gpu;
  const maxPrice = placement.maxPricePerGpuHour === undefined ? undefined : Number(placement.maxPricePerGpuHour);
  return {
    key: `${workload.metadata.namespace ?? 'default'}/${workload.metadata.name}`,
    kind: template.kind,
    pods,
    ...(completions !== undefined && { completions }),
    ...(gpu && { gpu: { count: gpu.count, resourceName: gpu.resourceName, model: gpu.model, minMemoryMiB: gpu.minMemoryMiB, pools: setOf(gpu.pools) } }),
    cpuMillisPerPod: podRequest(containers, init, 'cpu', cpuMillis),
    memoryMiBPerPod: podRequest(containers, init, 'memory', memoryMiB),
    images,
    imagesByCluster,
    jurisdictions: setOf(placement.jurisdictions),
    countriesInclude: setOf(placement.countries?.include),
    countriesExclude: setOf(placement.countries?.exclude),
    providersInclude: setOf(placement.providers?.include),
    providersExclude: setOf(placement.providers?.exclude),
    clusterNames: setOf(placement.clusterAffinity?.clusterNames),
    labelSelector: placement.clusterAffinity?.labelSelector,
    tolerations: placement.clusterTolerations ?? [],
    spread: placement.spreadConstraints ?? [],
    duplicated: scheduling?.type === 'Duplicated',
    division: scheduling?.divisionPreference ?? 'Balanced',
    weights: new Map((scheduling?.weights ?? []).map((w) => [w.clusterName, w.weight])),
    fallback: placement.fallback ?? [],
    ...(maxPrice !== undefined && { maxPrice, maxPriceText: placement.maxPricePerGpuHour }),
    datasets: spec.dataAccess?.datasets ?? [],
    purpose: spec.dataAccess?.purpose,
  };
}
