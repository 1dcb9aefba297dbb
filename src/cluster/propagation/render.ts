// The member object of one FederatedWorkload placement: the unmodified
// template plus exactly what the federation requires of it (DESIGN.md,
// invariant 1). Pure: the same input renders the same object, so server-side
// apply of it twice changes nothing.
import type { V1Container, V1NodeSelectorRequirement, V1NodeSelectorTerm, V1PodSpec, V1PodTemplateSpec, V1Toleration } from '@kubernetes/client-node';
import type { FederatedWorkload, LabelSelector } from '../../api/generated/types.ts';
import { LABEL_COUNTRY, LABEL_JURISDICTION, LABEL_VERIFIED, OWNED_TAINTS } from '../../trust/node-labels.ts';
import { LABEL_MANAGED_BY, LABEL_POOL, LABEL_WORKLOAD, ownershipLabels } from './labels.ts';
import { RenderError } from './render-error.ts';

/** One entry of the scheduler's decision (FederatedWorkload status.decision.placements). */
export interface MemberPlacement {
  cluster: string;
  pool?: string;
  /** Replicas; for a Job, its parallelism in this cluster. */
  replicas: number;
  /** For a Job with completions: this cluster's share of them. */
  completions?: number;
}

/** What the chosen GpuPool asks of the pods placed on it. */
export interface PoolTarget {
  name: string;
  resourceName: string;
  nodeSelector?: LabelSelector;
  /** Tolerations for the taints the pool's nodes carry (e.g. nvidia.com/gpu:NoSchedule). */
  tolerations?: V1Toleration[];
}

export interface RenderInput {
  workload: FederatedWorkload;
  placement: MemberPlacement;
  /** The pool named by the placement; required when the workload asks for GPUs. */
  pool?: PoolTarget;
  /** Countries the workload may run in (its include list, minus its exclude list, within its jurisdictions). */
  countries: readonly string[];
  /** Jurisdictions the workload may run in (its own, or the operator default). */
  jurisdictions: readonly string[];
}

export interface MemberObjectMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A Deployment, StatefulSet or Job as applied to a member. */
export interface MemberWorkloadObject {
  apiVersion: 'apps/v1' | 'batch/v1';
  kind: 'Deployment' | 'StatefulSet' | 'Job';
  metadata: MemberObjectMeta;
  spec: Record<string, unknown> & { template: V1PodTemplateSpec };
}

const POD_SPEC = 'spec.template.spec.template.spec';
const OWNED_LABEL_KEYS = [LABEL_WORKLOAD, LABEL_MANAGED_BY];

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

function definedEntries(map: Record<string, string | undefined> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The node requirements every pod of this placement must meet, whatever its template says. */
export function federationRequirements(input: Pick<RenderInput, 'pool' | 'countries' | 'jurisdictions'>): V1NodeSelectorRequirement[] {
  if (input.countries.length === 0) throw new RenderError('spec.placement.countries', 'no country is allowed, so no node may run the workload');
  if (input.jurisdictions.length === 0) throw new RenderError('spec.placement.jurisdictions', 'no jurisdiction is allowed, so no node may run the workload');
  const requirements: V1NodeSelectorRequirement[] = [
    { key: LABEL_VERIFIED, operator: 'In', values: ['true'] },
    { key: LABEL_COUNTRY, operator: 'In', values: sortedUnique(input.countries) },
    { key: LABEL_JURISDICTION, operator: 'In', values: sortedUnique(input.jurisdictions) },
  ];
  if (input.pool) {
    requirements.push({ key: LABEL_POOL, operator: 'In', values: [input.pool.name] });
    for (const [key, value] of Object.entries(definedEntries(input.pool.nodeSelector?.matchLabels)).sort()) {
      requirements.push({ key, operator: 'In', values: [value] });
    }
    for (const expression of input.pool.nodeSelector?.matchExpressions ?? []) {
      requirements.push({
        key: expression.key,
        operator: expression.operator,
        ...(expression.operator === 'In' || expression.operator === 'NotIn' ? { values: sortedUnique(expression.values ?? []) } : {}),
      });
    }
  }
  return requirements;
}

/**
 * Required node affinity that ANDs the federation's requirements with the
 * template's own: terms are ORed, so each term gets all of them (a term the
 * user wrote can only get narrower, never wider).
 */
function requireNodes(podSpec: V1PodSpec, requirements: V1NodeSelectorRequirement[]): void {
  const affinity = podSpec.affinity ?? {};
  const nodeAffinity = affinity.nodeAffinity ?? {};
  const userTerms: V1NodeSelectorTerm[] = nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const terms = userTerms.length > 0 ? userTerms : [{}];
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
    nodeSelectorTerms: terms.map((term) => ({ ...term, matchExpressions: [...requirements, ...(term.matchExpressions ?? [])] })),
  };
  podSpec.affinity = { ...affinity, nodeAffinity };
}

/** Refuses what would let a pod escape the verified-node rules. */
function refuseEscapes(podSpec: V1PodSpec): void {
  if (podSpec.nodeName) {
    throw new RenderError(`${POD_SPEC}.nodeName`, 'a pod bound to a named node skips the scheduler and the verified-node rules; remove nodeName');
  }
  if (podSpec.nodeSelector?.[LABEL_VERIFIED] !== undefined && podSpec.nodeSelector[LABEL_VERIFIED] !== 'true') {
    throw new RenderError(
      `${POD_SPEC}.nodeSelector`,
      `${LABEL_VERIFIED}=${podSpec.nodeSelector[LABEL_VERIFIED]} can never hold: the federation runs pods on verified nodes only; remove it`,
    );
  }
  (podSpec.tolerations ?? []).forEach((toleration, i) => {
    if (!toleration.key && toleration.operator === 'Exists') {
      throw new RenderError(
        `${POD_SPEC}.tolerations[${i}]`,
        'tolerates every taint, including the eviction of nodes whose credential is revoked; list the taints the workload needs',
      );
    }
    if (toleration.key && OWNED_TAINTS.has(toleration.key)) {
      throw new RenderError(`${POD_SPEC}.tolerations[${i}]`, `${toleration.key} marks a node the federation does not trust; remove the toleration`);
    }
  });
}

function gpuQuantity(value: string | undefined, field: string): number {
  if (value === undefined) return 0;
  if (!/^\d+$/.test(String(value))) throw new RenderError(field, `GPU quantity ${value} is not a whole number`);
  return Number(value);
}

/**
 * Gives each pod `count` GPUs of the pool's resource. Containers that already
 * name the workload's or the pool's GPU resource keep their share under the
 * pool's resource name (their total must be `count`); otherwise the first
 * container gets them all.
 */
function assignGpus(podSpec: V1PodSpec, count: number, requested: string, pool: PoolTarget): void {
  const names = sortedUnique([requested, pool.resourceName]);
  const containers = podSpec.containers;
  const asking = containers
    .map((container, index) => ({ container, index }))
    .filter(({ container }) => names.some((n) => container.resources?.limits?.[n] !== undefined || container.resources?.requests?.[n] !== undefined));
  if (asking.length === 0) {
    const first = containers[0];
    first.resources = { ...first.resources, limits: { ...first.resources?.limits, [pool.resourceName]: String(count) } };
    return;
  }
  let total = 0;
  for (const { container, index } of asking) {
    const limits = { ...container.resources?.limits };
    const requests = { ...container.resources?.requests };
    let amount = 0;
    for (const name of names) {
      const field = `${POD_SPEC}.containers[${index}].resources`;
      amount += gpuQuantity(limits[name] ?? requests[name], field);
      delete limits[name];
      delete requests[name];
    }
    limits[pool.resourceName] = String(amount);
    container.resources = { ...container.resources, limits, ...(Object.keys(requests).length > 0 ? { requests } : {}) };
    if (Object.keys(requests).length === 0) delete container.resources.requests;
    total += amount;
  }
  if (total !== count) {
    throw new RenderError(
      'spec.gpu.count',
      `the pod template's containers ask for ${total} ${names.join(' or ')} per pod but spec.gpu.count is ${count}; make them agree`,
    );
  }
}

function addTolerations(podSpec: V1PodSpec, tolerations: readonly V1Toleration[]): void {
  const have = podSpec.tolerations ?? [];
  const key = (t: V1Toleration) => JSON.stringify([t.key ?? '', t.operator ?? 'Equal', t.value ?? '', t.effect ?? '', t.tolerationSeconds ?? null]);
  const seen = new Set(have.map(key));
  const added = tolerations.filter((t) => !seen.has(key(t)));
  if (added.length > 0) podSpec.tolerations = [...have, ...added];
}

function overrideImages(podSpec: V1PodSpec, images: readonly { container: string; image: string }[], field: string): void {
  const all: V1Container[] = [...podSpec.containers, ...(podSpec.initContainers ?? [])];
  images.forEach(({ container, image }, i) => {
    const target = all.find((c) => c.name === container);
    if (!target) {
      throw new RenderError(`${field}[${i}].container`, `the pod template has no container ${container}; use one of ${all.map((c) => c.name).join(', ')}`);
    }
    target.image = image;
  });
}

/** Labels with the ownership marks, refusing a user value that would claim or disown the object. */
function withOwnership(labels: Record<string, string>, owned: Record<string, string>, field: string): Record<string, string> {
  for (const key of OWNED_LABEL_KEYS) {
    if (labels[key] !== undefined && labels[key] !== owned[key]) {
      throw new RenderError(field, `the label ${key} is set by the operator (${owned[key]}); remove it`);
    }
  }
  return { ...labels, ...owned };
}

function nonEmpty(map: Record<string, string>): Record<string, string> | undefined {
  return Object.keys(map).length > 0 ? map : undefined;
}

/** The member object for one placement of a FederatedWorkload. Throws RenderError for input that cannot be placed. */
export function renderMemberWorkload(input: RenderInput): MemberWorkloadObject {
  const { workload, placement, pool } = input;
  const owned = ownershipLabels(workload);
  const template = structuredClone(workload.spec.template);
  const overrideIndex = (workload.spec.overrides ?? []).findIndex((o) => o.clusterName === placement.cluster);
  const override = overrideIndex >= 0 ? workload.spec.overrides![overrideIndex] : undefined;
  const overrideField = `spec.overrides[${overrideIndex}]`;

  const podTemplate = template.spec.template as V1PodTemplateSpec;
  const podSpec = podTemplate?.spec;
  if (!podSpec || !Array.isArray(podSpec.containers) || podSpec.containers.length === 0) {
    throw new RenderError(`${POD_SPEC}.containers`, 'the pod template has no containers');
  }
  refuseEscapes(podSpec);

  const gpu = workload.spec.gpu;
  if (gpu && !pool) {
    throw new RenderError(
      'status.decision.placements',
      `spec.gpu asks for ${gpu.count} ${gpu.resourceName} per pod but the decision names no GpuPool in cluster ${placement.cluster}`,
    );
  }
  if (pool && placement.pool !== undefined && placement.pool !== pool.name) {
    throw new RenderError('status.decision.placements', `the decision places cluster ${placement.cluster} on pool ${placement.pool}, not ${pool.name}`);
  }
  requireNodes(podSpec, federationRequirements(input));
  if (gpu && pool) assignGpus(podSpec, gpu.count, gpu.resourceName, pool);
  if (pool?.tolerations?.length) addTolerations(podSpec, pool.tolerations);
  if (override?.images?.length) overrideImages(podSpec, override.images, `${overrideField}.images`);

  const spec: Record<string, unknown> = { ...template.spec };
  const replicas = override?.replicas ?? placement.replicas;
  if (template.kind === 'Job') {
    spec.parallelism = replicas;
    const divided = placement.completions !== undefined && placement.completions !== template.spec.completions;
    if (divided && (template.spec as { completionMode?: string }).completionMode === 'Indexed') {
      // Each member Job would count its indexes from 0: shards would run twice and others never.
      throw new RenderError(
        'spec.template.spec.completionMode',
        `an Indexed Job's ${template.spec.completions} completion indexes cannot be divided across clusters; place it in one cluster (spec.placement.clusterAffinity or replicaScheduling Duplicated)`,
      );
    }
    if (placement.completions !== undefined) spec.completions = placement.completions;
    else if (template.spec.completions !== undefined && workload.spec.placement?.replicaScheduling?.type !== 'Duplicated') {
      throw new RenderError(
        'status.decision.placements',
        `the Job has ${template.spec.completions} completions but the decision gives cluster ${placement.cluster} no share of them`,
      );
    }
  } else {
    spec.replicas = replicas;
  }

  const overrideLabels = definedEntries(override?.labels);
  const overrideAnnotations = definedEntries(override?.annotations);
  const podAnnotations = nonEmpty({ ...definedEntries(podTemplate.metadata?.annotations), ...overrideAnnotations });
  podTemplate.metadata = {
    ...podTemplate.metadata,
    labels: withOwnership({ ...definedEntries(podTemplate.metadata?.labels), ...overrideLabels }, owned, 'spec.template.spec.template.metadata.labels'),
    ...(podAnnotations ? { annotations: podAnnotations } : {}),
  };
  spec.template = podTemplate;

  const annotations = nonEmpty({ ...definedEntries(template.metadata?.annotations), ...overrideAnnotations });
  return {
    apiVersion: template.apiVersion,
    kind: template.kind,
    metadata: {
      name: template.metadata?.name ?? workload.metadata.name!,
      namespace: workload.metadata.namespace!,
      labels: withOwnership({ ...definedEntries(template.metadata?.labels), ...overrideLabels }, owned, 'spec.template.metadata.labels'),
      ...(annotations ? { annotations } : {}),
    },
    spec: spec as MemberWorkloadObject['spec'],
  };
}
