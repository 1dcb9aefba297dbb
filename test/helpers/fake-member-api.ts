// An in-memory member cluster behind the generic object calls propagation
// makes (MemberObjectApi), with the API server semantics the invariants rest
// on: namespaces must exist, uid/resourceVersion/generation, server-side apply
// by field manager (fields the manager stops applying are removed, others'
// fields kept, a no-op apply changes nothing), a Job's immutable template
// (422), uid preconditions on delete (409), foreground deletion that finishes
// only once the member's controllers ran, label-selector lists in pages. Its
// `settle()` plays the member's controllers, kube-scheduler and kubelets:
// pods for each workload, bound only to Nodes whose labels, taints and free
// devices admit them, evicted from Nodes tainted NoExecute.
import type {
  KubernetesListObject,
  KubernetesObject,
  V1DeleteOptions,
  V1Node,
  V1NodeSelectorRequirement,
  V1Pod,
  V1PodSpec,
  V1Toleration,
} from '@kubernetes/client-node';
import type { MemberObjectApi } from '../../src/cluster/propagation/apply.ts';
import { FIELD_MANAGER } from '../../src/cluster/propagation/labels.ts';
import { podRequest } from '../../src/capacity/gpu-pool.ts';
import { sameJson } from '../../src/util/canonical-json.ts';
import { apiError } from './fake-kube.ts';

type Json = Record<string, unknown>;
interface Stored {
  object: KubernetesObject & Json;
  /** Leaf paths (maps recursively, lists atomic) the field manager applied last time. */
  owned: Set<string>;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'Job']);
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function leafPaths(value: Json, prefix: string, out: Set<string>): Set<string> {
  for (const [k, v] of Object.entries(value)) {
    const path = `${prefix}/${k}`;
    if (isMap(v) && Object.keys(v).length) leafPaths(v, path, out);
    else out.add(path);
  }
  return out;
}

function removePath(target: Json, path: string): void {
  const parts = path.split('/').slice(1);
  const parents: Json[] = [];
  let at: Json = target;
  for (const part of parts.slice(0, -1)) {
    if (!isMap(at[part])) return;
    parents.push(at);
    at = at[part] as Json;
  }
  delete at[parts.at(-1)!];
  // Maps left empty by the removal go too, as the API server prunes them.
  for (let i = parents.length - 1; i >= 0; i--) {
    const key = parts[i];
    if (isMap(parents[i][key]) && !Object.keys(parents[i][key] as Json).length) delete parents[i][key];
  }
}

function merge(target: Json, applied: Json): void {
  for (const [k, v] of Object.entries(applied)) {
    if (isMap(v) && isMap(target[k])) merge(target[k] as Json, v);
    else target[k] = structuredClone(v);
  }
}

/** What server-side apply takes from a body: labels, annotations and everything but status. */
function appliedFields(body: Json): Json {
  const metadata = (body.metadata ?? {}) as Json;
  const fields: Json = {
    ...body,
    metadata: { ...(metadata.labels ? { labels: metadata.labels } : {}), ...(metadata.annotations ? { annotations: metadata.annotations } : {}) },
  };
  delete fields.status;
  delete fields.apiVersion;
  delete fields.kind;
  return fields;
}

const keyOf = (apiVersion: string | undefined, kind: string | undefined, namespace: string | undefined, name: string | undefined) =>
  `${apiVersion}/${kind}/${namespace ?? ''}/${name}`;

function matchesSelector(labels: Record<string, string> | undefined, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const match = /^([^=!]+)=([^=]*)$/.exec(term);
    if (!match) throw new Error(`the fake member API supports equality selectors only, not ${term}`);
    return labels?.[match[1]] === match[2];
  });
}

function requirementHolds(labels: Record<string, string>, r: V1NodeSelectorRequirement): boolean {
  const value = labels[r.key];
  switch (r.operator) {
    case 'In':
      return value !== undefined && (r.values ?? []).includes(value);
    case 'NotIn':
      return value === undefined || !(r.values ?? []).includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    default:
      throw new Error(`the fake scheduler does not evaluate operator ${r.operator}`);
  }
}

/** Whether kube-scheduler may bind a pod of this spec to the node, ignoring resources: node selector, required affinity, taints. */
export function nodeAdmits(node: V1Node, pod: V1PodSpec): boolean {
  const labels = node.metadata?.labels ?? {};
  if (Object.entries(pod.nodeSelector ?? {}).some(([k, v]) => labels[k] !== v)) return false;
  const terms = pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && !terms.some((t) => (t.matchExpressions ?? []).every((r) => requirementHolds(labels, r)))) return false;
  return (node.spec?.taints ?? []).every((taint) => taint.effect === 'PreferNoSchedule' || tolerated(pod.tolerations ?? [], taint));
}

function tolerated(tolerations: readonly V1Toleration[], taint: { key: string; value?: string; effect: string }): boolean {
  return tolerations.some(
    (t) =>
      (!t.effect || t.effect === taint.effect) &&
      (t.operator === 'Exists' ? !t.key || t.key === taint.key : t.key === taint.key && (t.value ?? '') === (taint.value ?? '')),
  );
}

/** What the API server adds to a new Job: a selector on its uid, and the labels that select its pods (owned by no field manager). */
function defaultJob(job: Json & KubernetesObject): void {
  const uid = job.metadata!.uid!;
  const name = job.metadata!.name!;
  const spec = job.spec as { selector?: unknown; template?: { metadata?: { labels?: Record<string, string> } } };
  const generated = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name };
  spec.selector ??= { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  spec.template = { ...spec.template, metadata: { ...spec.template?.metadata, labels: { ...spec.template?.metadata?.labels, ...generated } } };
}

/** apps/v1 validation: a selector is required and must select the template's labels. */
function refuseBadSelector(object: Json): void {
  const spec = (object.spec ?? {}) as { selector?: { matchLabels?: Record<string, string> }; template?: { metadata?: { labels?: Record<string, string> } } };
  const name = (object.metadata as { name?: string })?.name;
  const wanted = spec.selector?.matchLabels;
  if (!wanted || !Object.keys(wanted).length) throw apiError(422, `${object.kind}.apps "${name}" is invalid: spec.selector: Required value`);
  const labels = spec.template?.metadata?.labels ?? {};
  if (Object.entries(wanted).some(([k, v]) => labels[k] !== v))
    throw apiError(
      422,
      `${object.kind}.apps "${name}" is invalid: spec.template.metadata.labels: Invalid value: \`selector\` does not match template \`labels\``,
    );
}

const unreachable = (cluster: string) => Object.assign(new Error(`connect ECONNREFUSED (member ${cluster})`), { code: 'ECONNREFUSED' });

export class FakeMemberApi implements MemberObjectApi {
  readonly cluster: string;
  readonly stored = new Map<string, Stored>();
  readonly pods = new Map<string, V1Pod>();
  down = false;
  private version = 0;
  private uids = 0;
  private readonly nodes: () => V1Node[];

  constructor(cluster: string, nodes: () => V1Node[]) {
    this.cluster = cluster;
    this.nodes = nodes;
  }

  private reach(): void {
    if (this.down) throw unreachable(this.cluster);
  }

  private stamp(object: Json & KubernetesObject): void {
    object.metadata = { ...object.metadata, resourceVersion: String(++this.version) };
  }

  private namespaceExists(namespace: string | undefined): boolean {
    return namespace === undefined || this.stored.has(keyOf('v1', 'Namespace', undefined, namespace));
  }

  async read<T extends KubernetesObject>(spec: { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } }): Promise<T> {
    this.reach();
    const found = this.stored.get(keyOf(spec.apiVersion, spec.kind, spec.metadata?.namespace, spec.metadata?.name));
    if (!found) throw apiError(404, `${spec.kind} ${spec.metadata?.name} not found`);
    return structuredClone(found.object) as unknown as T;
  }

  async create<T extends KubernetesObject>(spec: T): Promise<T> {
    this.reach();
    const key = keyOf(spec.apiVersion, spec.kind, spec.metadata?.namespace, spec.metadata?.name);
    if (this.stored.has(key)) throw apiError(409, `${spec.kind} ${spec.metadata?.name} already exists`);
    if (spec.kind !== 'Namespace' && !this.namespaceExists(spec.metadata?.namespace)) throw apiError(404, `namespaces "${spec.metadata?.namespace}" not found`);
    const object = { ...structuredClone(spec), metadata: { ...spec.metadata, uid: `${this.cluster}-uid-${++this.uids}`, generation: 1 } } as Json & T;
    if (spec.kind === 'Job') defaultJob(object);
    this.stamp(object);
    this.stored.set(key, { object, owned: new Set() });
    return structuredClone(object);
  }

  async patch<T extends KubernetesObject>(spec: T, _pretty?: string, _dryRun?: string, fieldManager?: string, force?: boolean): Promise<T> {
    this.reach();
    if (fieldManager !== FIELD_MANAGER || !force) throw new Error(`the fake member API takes forced server-side apply by ${FIELD_MANAGER} only`);
    const key = keyOf(spec.apiVersion, spec.kind, spec.metadata?.namespace, spec.metadata?.name);
    const applied = appliedFields(spec as unknown as Json);
    const owned = leafPaths(applied, '', new Set());
    if (spec.kind === 'Deployment' || spec.kind === 'StatefulSet') refuseBadSelector(spec as unknown as Json);
    const existing = this.stored.get(key);
    if (!existing) {
      if (!this.namespaceExists(spec.metadata?.namespace)) throw apiError(404, `namespaces "${spec.metadata?.namespace}" not found`);
      const created = await this.create({ ...(structuredClone(spec) as unknown as Json), status: undefined } as unknown as T);
      this.stored.get(key)!.owned = owned;
      return created;
    }
    const next = structuredClone(existing.object);
    for (const path of existing.owned) if (!owned.has(path)) removePath(next, path);
    merge(next, applied);
    if (spec.kind === 'Job') {
      const before = existing.object.spec as Json;
      const after = next.spec as Json;
      for (const field of ['template', 'completions', 'selector'])
        if (!sameJson(before?.[field], after?.[field])) throw apiError(422, `Job.batch "${spec.metadata?.name}" is invalid: spec.${field}: field is immutable`);
    }
    existing.owned = owned;
    if (sameJson(next, existing.object)) return structuredClone(existing.object) as unknown as T;
    if (!sameJson(next.spec, existing.object.spec)) next.metadata = { ...next.metadata, generation: (existing.object.metadata?.generation ?? 1) + 1 };
    this.stamp(next);
    existing.object = next;
    return structuredClone(next) as unknown as T;
  }

  async list<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace?: string,
    _pretty?: string,
    _exact?: boolean,
    _exportt?: boolean,
    _fieldSelector?: string,
    labelSelector?: string,
    limit?: number,
    continueToken?: string,
  ): Promise<KubernetesListObject<T>> {
    this.reach();
    const all = [...this.stored.entries()]
      .filter(([, s]) => s.object.apiVersion === apiVersion && s.object.kind === kind)
      .filter(([, s]) => namespace === undefined || s.object.metadata?.namespace === namespace)
      .filter(([, s]) => matchesSelector(s.object.metadata?.labels, labelSelector))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      // As the API server lists them: items carry no apiVersion or kind of their own.
      .map(([, s]) => {
        const item = structuredClone(s.object) as Json;
        delete item.apiVersion;
        delete item.kind;
        return item as unknown as T;
      });
    const start = continueToken ? Number(continueToken) : 0;
    const end = limit ? start + limit : all.length;
    return { apiVersion: 'v1', kind: `${kind}List`, metadata: { ...(end < all.length && { _continue: String(end) }) }, items: all.slice(start, end) };
  }

  async delete(spec: KubernetesObject, _p?: string, _d?: string, _g?: number, _o?: boolean, _policy?: string, body?: V1DeleteOptions): Promise<never> {
    this.reach();
    const key = keyOf(spec.apiVersion, spec.kind, spec.metadata?.namespace, spec.metadata?.name);
    const found = this.stored.get(key);
    if (!found) throw apiError(404, `${spec.kind} ${spec.metadata?.name} not found`);
    const uid = body?.preconditions?.uid;
    if (uid && uid !== found.object.metadata?.uid)
      throw apiError(409, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${found.object.metadata?.uid}`);
    if (body?.propagationPolicy === 'Foreground' && WORKLOAD_KINDS.has(spec.kind!)) {
      if (!found.object.metadata?.deletionTimestamp) {
        found.object.metadata = { ...found.object.metadata, deletionTimestamp: new Date(), finalizers: ['foregroundDeletion'] };
        this.stamp(found.object);
      }
    } else {
      this.stored.delete(key);
      this.dropPodsOf(found.object.metadata?.uid);
    }
    return { kind: 'Status', status: 'Success' } as never;
  }

  private dropPodsOf(uid: string | undefined): void {
    for (const [name, pod] of this.pods) if (pod.metadata?.ownerReferences?.[0]?.uid === uid) this.pods.delete(name);
  }

  /** The workload objects the operator wrote, as stored. */
  workloads(): (KubernetesObject & { spec: { template: { spec: V1PodSpec } } & Json })[] {
    return [...this.stored.values()].map((s) => s.object).filter((o) => WORKLOAD_KINDS.has(o.kind!)) as never;
  }

  /**
   * One pass of the member's own controllers: foreground deletions finish,
   * pods follow their workload's replicas and template, untolerated NoExecute
   * evicts, pending pods are bound where kube-scheduler would bind them.
   */
  settle(): void {
    if (this.down) return;
    for (const [key, s] of this.stored)
      if (s.object.metadata?.deletionTimestamp) {
        this.stored.delete(key);
        this.dropPodsOf(s.object.metadata.uid);
      }
    const live = new Map(this.workloads().map((w) => [w.metadata!.uid!, w]));
    const nodes = this.nodes();
    const byName = new Map(nodes.map((n) => [n.metadata!.name!, n]));
    for (const [name, pod] of this.pods) {
      const owner = live.get(pod.metadata!.ownerReferences![0].uid);
      const node = pod.spec!.nodeName ? byName.get(pod.spec!.nodeName) : undefined;
      const evicted =
        pod.spec!.nodeName && (!node || (node.spec?.taints ?? []).some((t) => t.effect === 'NoExecute' && !tolerated(pod.spec!.tolerations ?? [], t)));
      const outdated = owner && !sameJson(pod.metadata!.annotations?.template, JSON.stringify(owner.spec.template));
      if (!owner || evicted || outdated) this.pods.delete(name);
    }
    for (const workload of live.values()) {
      const spec = workload.spec as Json;
      const wanted =
        workload.kind === 'Job' ? Math.min(Number(spec.parallelism ?? 1), Number(spec.completions ?? spec.parallelism ?? 1)) : Number(spec.replicas ?? 1);
      const mine = [...this.pods.values()].filter((p) => p.metadata!.ownerReferences![0].uid === workload.metadata!.uid);
      for (const extra of mine.slice(wanted)) this.pods.delete(extra.metadata!.name!);
      for (let i = mine.length; i < wanted; i++) {
        const name = `${workload.metadata!.name}-${workload.metadata!.uid}-${++this.uids}`;
        this.pods.set(name, {
          metadata: {
            name,
            namespace: workload.metadata!.namespace,
            labels: { ...(workload.spec.template as { metadata?: { labels?: Record<string, string> } }).metadata?.labels },
            annotations: { template: JSON.stringify(workload.spec.template) },
            ownerReferences: [{ apiVersion: workload.apiVersion!, kind: workload.kind!, name: workload.metadata!.name!, uid: workload.metadata!.uid! }],
          },
          spec: structuredClone(workload.spec.template.spec),
          status: { phase: 'Pending' },
        });
      }
    }
    for (const pod of this.pods.values()) if (!pod.spec!.nodeName) this.bind(pod, nodes);
  }

  private bind(pod: V1Pod, nodes: readonly V1Node[]): void {
    for (const node of nodes) {
      if (!nodeAdmits(node, pod.spec!)) continue;
      const fits = Object.entries(node.status?.allocatable ?? {}).every(([resource, quantity]) => {
        const asked = podRequest(pod, resource);
        if (!asked) return true;
        const used = [...this.pods.values()].filter((p) => p.spec!.nodeName === node.metadata!.name).reduce((sum, p) => sum + podRequest(p, resource), 0);
        return used + asked <= Number(quantity);
      });
      const asksUnknown = (pod.spec!.containers ?? []).some((c) =>
        Object.keys(c.resources?.limits ?? {}).some((r) => r.includes('/') && node.status?.allocatable?.[r] === undefined),
      );
      if (!fits || asksUnknown) continue;
      pod.spec!.nodeName = node.metadata!.name;
      pod.status = { phase: 'Running' };
      return;
    }
  }

  /** Bound pods, as the member's Pod informer lists them. */
  podList(): V1Pod[] {
    return [...this.pods.values()].map((p) => structuredClone(p));
  }
}
