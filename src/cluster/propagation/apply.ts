// Writes rendered objects into one member cluster and removes the ones no
// longer wanted; thin I/O around server-side apply. Only objects carrying the
// ownership labels are ever changed or deleted.
import { KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { isConflict, isNotFound } from '../../operator/api-errors.ts';
import type { MemberDependency } from './dependencies.ts';
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

function refOf(object: MemberObject): ObjectRef {
  return { apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
}

export interface ApplyOptions {
  /** The workload's objects already known to be in the member (from `listOwned`): applied without a read first. */
  owned?: readonly OwnedObject[];
}

export class MemberPropagation {
  private readonly objects: KubernetesObjectApi;
  private readonly knownNamespaces = new Set<string>();

  constructor(kubeConfig: KubeConfig) {
    this.objects = KubernetesObjectApi.makeApiClient(kubeConfig);
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
   * is written. Force: the operator is the only writer of what it renders,
   * so a hand edit in the member is taken back.
   */
  async apply(objects: readonly MemberObject[], options: ApplyOptions = {}): Promise<KubernetesObject[]> {
    const order = (o: MemberObject) => PROPAGATED_KINDS.findIndex((k) => k.kind === o.kind);
    const sorted = [...objects].sort((a, b) => order(a) - order(b));
    const known = new Set((options.owned ?? []).map(refKey));
    for (const object of sorted) await this.checkOwnership(object, known);
    for (const namespace of new Set(sorted.map((o) => o.metadata.namespace))) await this.ensureNamespace(namespace);
    const applied: KubernetesObject[] = [];
    for (const object of sorted) {
      applied.push(await this.objects.patch(object as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply));
    }
    return applied;
  }

  private async checkOwnership(object: MemberObject, known: ReadonlySet<string>): Promise<void> {
    const ref = refOf(object);
    if (known.has(refKey(ref))) return;
    let existing: KubernetesObject;
    try {
      existing = await this.objects.read({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } });
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    const labels = existing.metadata?.labels ?? {};
    const want = object.metadata.labels[LABEL_WORKLOAD];
    if (labels[LABEL_MANAGED_BY] === MANAGED_BY && labels[LABEL_WORKLOAD] === want) return;
    throw new OwnershipConflictError(ref, labels[LABEL_MANAGED_BY] === MANAGED_BY ? labels[LABEL_WORKLOAD] : undefined);
  }

  /** What the operator owns in the member: every propagated kind, all namespaces, by label; one workload's only when `workload` is given. */
  async listOwned(workload?: string): Promise<OwnedObject[]> {
    const labelSelector = workload ? workloadSelector(workload) : MANAGED_SELECTOR;
    const lists = await Promise.all(
      PROPAGATED_KINDS.map(async ({ apiVersion, kind }) => {
        const list = await this.objects.list(apiVersion, kind, undefined, undefined, undefined, undefined, undefined, labelSelector);
        return list.items.map(
          (item): OwnedObject => ({
            apiVersion,
            kind,
            namespace: item.metadata!.namespace!,
            name: item.metadata!.name!,
            uid: item.metadata!.uid!,
            workload: item.metadata!.labels![LABEL_WORKLOAD] ?? '',
            deleting: Boolean(item.metadata!.deletionTimestamp),
          }),
        );
      }),
    );
    return lists.flat();
  }

  /**
   * Deletes the workload's objects in the member that `keep` does not name
   * (all of them for an empty `keep`), and returns what is still there,
   * being deleted included: the controller places the share elsewhere only
   * once nothing is left. Workloads go with foreground propagation, so a Job
   * is gone only after its pods are; each delete is preconditioned on the
   * uid that was listed, so an object recreated meanwhile is not touched.
   */
  async prune(workload: string, keep: readonly ObjectRef[] = []): Promise<OwnedObject[]> {
    const wanted = new Set(keep.map(refKey));
    const owned = await this.listOwned(workload);
    const left: OwnedObject[] = [];
    for (const object of owned) {
      if (wanted.has(refKey(object))) continue;
      left.push(object);
      if (object.deleting) continue;
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
    return left;
  }
}
