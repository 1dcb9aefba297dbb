// Writes rendered objects into one member cluster and removes the ones no
// longer wanted; thin I/O around server-side apply. Only objects carrying the
// ownership labels are ever changed or deleted.
import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject, type V1PodTemplateSpec } from '@kubernetes/client-node';
import { describeError, httpStatus, isConflict, isNotFound } from '../../runtime/api-errors.ts';
import { referencedDependencies, type MemberDependency } from './dependencies.ts';
import { FIELD_MANAGER, LABEL_MANAGED_BY, LABEL_WORKLOAD, MANAGED_BY, MANAGED_SELECTOR, workloadSelector } from './labels.ts';
import type { MemberWorkloadObject } from './render.ts';

export type MemberObject = MemberWorkloadObject | MemberDependency;

/** The kinds the operator writes into members, in the order they are applied (dependencies before the pods that mount them). */
export const PROPAGATED_KINDS = [
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'batch/v1', kind: 'Job' },
] as const;

const WORKLOAD_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'Job']);
const DEPENDENCY_KINDS: ReadonlySet<string> = new Set(['ConfigMap', 'Secret']);

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface OwnedObject extends ObjectRef {
  uid: string;
  /** The `cloudempire.eu/workload` label: `<namespace>.<name>` of the FederatedWorkload. */
  workload: string;
  /** Being deleted (a Job waiting for its pods to go, for instance). */
  deleting: boolean;
}

export const refKey = (ref: ObjectRef) => `${ref.apiVersion}/${ref.kind}/${ref.namespace}/${ref.name}`;

/**
 * An object of the wanted name exists in the member but is not the
 * workload's: made by someone else (no ownership labels) or owned by another
 * FederatedWorkload. The operator leaves it as it is.
 */
export class OwnershipConflictError extends Error {
  readonly ref: ObjectRef;
  readonly owner: string | undefined;

  constructor(ref: ObjectRef, owner: string | undefined) {
    super(
      owner
        ? `${ref.kind} ${ref.namespace}/${ref.name} in the member belongs to FederatedWorkload ${owner}; rename one of them (spec.template.metadata.name)`
        : `${ref.kind} ${ref.namespace}/${ref.name} already exists in the member and was not created by cloud-empire; it is left untouched: rename the workload (spec.template.metadata.name) or remove that object`,
    );
    this.name = 'OwnershipConflictError';
    this.ref = ref;
    this.owner = owner;
  }
}

/**
 * A Job in the member runs another pod template (or completions) than the
 * one rendered, and the API server does not let a Job's template change.
 * Whether to stop the running Job (prune it) and start the new one is the
 * controller's decision, not this adapter's.
 */
export class ImmutableJobError extends Error {
  readonly ref: ObjectRef;

  constructor(ref: ObjectRef, detail: string) {
    super(`Job ${ref.namespace}/${ref.name} in the member cannot take the new template (${detail}); it must be deleted and created again`);
    this.name = 'ImmutableJobError';
    this.ref = ref;
  }
}

export function refOf(object: MemberObject): ObjectRef {
  return { apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
}

export interface ApplyOptions {
  /** The workload's objects already known to be in the member (from `listOwned`): applied without a read first. */
  owned?: readonly OwnedObject[];
}

/** The generic object calls propagation makes; a seam so property tests can run it against an in-memory API server. */
export type MemberObjectApi = Pick<KubernetesObjectApi, 'read' | 'create' | 'patch' | 'list' | 'delete'>;

export class MemberPropagation {
  private readonly objects: MemberObjectApi;
  private readonly knownNamespaces = new Set<string>();

  constructor(member: KubeConfig | MemberObjectApi) {
    this.objects = member instanceof KubeConfig ? KubernetesObjectApi.makeApiClient(member) : member;
  }

  /** Creates the namespace, labelled as the operator's, unless it exists (an existing namespace is never changed). */
  async ensureNamespace(name: string): Promise<void> {
    if (this.knownNamespaces.has(name)) return;
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
    try {
      await this.objects.read(namespace);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      try {
        await this.objects.create({ ...namespace, metadata: { name, labels: { [LABEL_MANAGED_BY]: MANAGED_BY } } }, undefined, undefined, FIELD_MANAGER);
      } catch (createError) {
        if (!isConflict(createError)) throw createError;
      }
    }
    this.knownNamespaces.add(name);
  }

  /**
   * Server-side applies the objects (all of one workload) in dependency
   * order, creating their namespaces. An object of the same name that is not
   * this workload's is refused with OwnershipConflictError before anything
   * is written; a ConfigMap or Secret that another workload already
   * propagated is shared, keeping that workload's label (so two workloads
   * applying it do not rewrite it in turn). Force: the operator is the only
   * writer of what it renders, so a hand edit in the member is taken back.
   */
  async apply(objects: readonly MemberObject[], options: ApplyOptions = {}): Promise<KubernetesObject[]> {
    const order = (o: MemberObject) => PROPAGATED_KINDS.findIndex((k) => k.kind === o.kind);
    const sorted = [...objects].sort((a, b) => order(a) - order(b));
    const known = new Set((options.owned ?? []).map(refKey));
    const sharedOwners = new Map<string, string>();
    for (const object of sorted) {
      const owner = await this.sharedOwner(object, known);
      if (owner !== undefined) sharedOwners.set(refKey(refOf(object)), owner);
    }
    for (const namespace of new Set(sorted.map((o) => o.metadata.namespace))) await this.ensureNamespace(namespace);
    const applied: KubernetesObject[] = [];
    for (const object of sorted) {
      const owner = sharedOwners.get(refKey(refOf(object)));
      const body =
        owner === undefined ? object : { ...object, metadata: { ...object.metadata, labels: { ...object.metadata.labels, [LABEL_WORKLOAD]: owner } } };
      const applyOne = () => this.objects.patch(body as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
      try {
        applied.push(await applyOne());
      } catch (error) {
        const namespace = object.metadata.namespace;
        // A namespace seen once may be deleted since (or its create was lost): make it again rather than
        // failing every apply into it until the operator restarts.
        if (isNotFound(error) && this.knownNamespaces.delete(namespace)) {
          await this.ensureNamespace(namespace);
          applied.push(await applyOne());
          continue;
        }
        if (object.kind === 'Job' && httpStatus(error) === 422) throw new ImmutableJobError(refOf(object), describeError(error));
        throw error;
      }
    }
    return applied;
  }

  /** The other workload whose shared dependency this is, if any; throws for an object the workload may not write. */
  private async sharedOwner(object: MemberObject, known: ReadonlySet<string>): Promise<string | undefined> {
    const ref = refOf(object);
    if (known.has(refKey(ref))) return undefined;
    let existing: KubernetesObject;
    try {
      existing = await this.objects.read({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    const labels = existing.metadata?.labels ?? {};
    if (labels[LABEL_MANAGED_BY] !== MANAGED_BY) throw new OwnershipConflictError(ref, undefined);
    const owner = labels[LABEL_WORKLOAD];
    if (owner === object.metadata.labels[LABEL_WORKLOAD]) return undefined;
    if (DEPENDENCY_KINDS.has(ref.kind) && owner) return owner;
    throw new OwnershipConflictError(ref, owner);
  }

  /** Pages of 500: a member's responses are size-capped, and one big list is one big buffer. */
  private async list(kind: (typeof PROPAGATED_KINDS)[number], labelSelector: string, namespace?: string): Promise<KubernetesObject[]> {
    const items: KubernetesObject[] = [];
    let continueToken: string | undefined;
    do {
      const page = await this.objects.list(
        kind.apiVersion,
        kind.kind,
        namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        labelSelector,
        500,
        continueToken,
      );
      items.push(...page.items);
      continueToken = page.metadata?._continue || undefined;
    } while (continueToken);
    return items;
  }

  /** What the operator owns in the member: every propagated kind, all namespaces, by label; one workload's only when `workload` is given. */
  async listOwned(workload?: string): Promise<OwnedObject[]> {
    const labelSelector = workload ? workloadSelector(workload) : MANAGED_SELECTOR;
    const lists = await Promise.all(
      PROPAGATED_KINDS.map(async (kind) =>
        (await this.list(kind, labelSelector)).map((item): OwnedObject => ({
          apiVersion: kind.apiVersion,
          kind: kind.kind,
          namespace: item.metadata!.namespace!,
          name: item.metadata!.name!,
          uid: item.metadata!.uid!,
          workload: item.metadata!.labels![LABEL_WORKLOAD] ?? '',
          deleting: Boolean(item.metadata!.deletionTimestamp),
        })),
      ),
    );
    return lists.flat();
  }

  private async delete(object: OwnedObject | (ObjectRef & { uid: string })): Promise<void> {
    // The policy goes in the body: the API server reads delete options from the body when
    // there is one (ignoring the query), and batch/v1 Jobs default to orphaning their pods.
    const propagationPolicy = WORKLOAD_KINDS.has(object.kind) ? 'Foreground' : 'Background';
    try {
      await this.objects.delete(
        { apiVersion: object.apiVersion, kind: object.kind, metadata: { name: object.name, namespace: object.namespace } },
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        { propagationPolicy, preconditions: { uid: object.uid } },
      );
    } catch (error) {
      // Gone already, or replaced by an object with another uid: not ours to delete.
      if (!isNotFound(error) && !isConflict(error)) throw error;
    }
  }

  /**
   * Deletes the workload's Deployments, StatefulSets and Jobs in the member
   * that `keep` does not name (all of them for an empty `keep`), then the
   * operator's ConfigMaps and Secrets in those namespaces that no remaining
   * workload object there references (dependencies are shared, so the
   * member's own objects say which are still needed; apply before pruning).
   * Returns the workload objects still there, being deleted included: the
   * controller places a share elsewhere only once nothing is left.
   * Workloads go with foreground propagation, so a Job is gone only after
   * its pods are; each delete is preconditioned on the uid that was listed,
   * so an object recreated meanwhile is not touched.
   */
  async prune(workload: string, keep: readonly ObjectRef[] = []): Promise<OwnedObject[]> {
    const wanted = new Set(keep.map(refKey));
    const owned = await this.listOwned(workload);
    const left: OwnedObject[] = [];
    for (const object of owned) {
      if (!WORKLOAD_KINDS.has(object.kind) || wanted.has(refKey(object))) continue;
      left.push(object);
      if (!object.deleting) await this.delete(object);
    }
    const namespaces = new Set([...owned.map((o) => o.namespace), ...keep.map((k) => k.namespace)]);
    for (const namespace of namespaces) await this.pruneDependencies(namespace, wanted);
    return left;
  }

  private async pruneDependencies(namespace: string, wanted: ReadonlySet<string>): Promise<void> {
    const [configMaps, secrets, ...workloads] = await Promise.all(PROPAGATED_KINDS.map((kind) => this.list(kind, MANAGED_SELECTOR, namespace)));
    const needed = { ConfigMap: new Set<string>(), Secret: new Set<string>() };
    for (const item of workloads.flat()) {
      if (item.metadata?.deletionTimestamp) continue;
      const refs = referencedDependencies((item as { spec?: { template?: V1PodTemplateSpec } }).spec?.template?.spec);
      for (const name of refs.configMaps) needed.ConfigMap.add(name);
      for (const name of refs.secrets) needed.Secret.add(name);
    }
    const dependencies = [...configMaps.map((item) => ({ item, kind: PROPAGATED_KINDS[0] })), ...secrets.map((item) => ({ item, kind: PROPAGATED_KINDS[1] }))];
    for (const { item, kind } of dependencies) {
      const ref = { apiVersion: kind.apiVersion, kind: kind.kind, namespace, name: item.metadata!.name!, uid: item.metadata!.uid! };
      if (wanted.has(refKey(ref)) || needed[kind.kind].has(ref.name)) continue;
      await this.delete(ref);
    }
  }
}
