import { CustomObjectsApi, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../api/schema/common.ts';
import type { KindDefinition } from '../api/schema/kind.ts';
import { isNotFound } from './api-errors.ts';
import { objectKey, parseKey, type ObjectRef } from './objects.ts';

/** The API path of a kind's collection, across namespaces unless one is given. */
export function collectionPath(kind: KindDefinition, namespace?: string): string {
  return namespace ? `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${kind.plural}` : `/apis/${GROUP}/${VERSION}/${kind.plural}`;
}

/**
 * What a reconciler reads and writes of its own kind. Writes carry the
 * resourceVersion read, so a concurrent change fails with 409 and the
 * controller reads again instead of overwriting.
 */
export interface KindClient<T extends KubernetesObject> {
  readonly kind: KindDefinition;
  /** The object by key, or undefined when it is gone (for a reconciler, NotFound means done). */
  get(key: string): Promise<T | undefined>;
  /** Every object, of one namespace when given (namespaced kinds). */
  list(namespace?: string): Promise<KubernetesListObject<T>>;
  create(object: T): Promise<T>;
  /** Replaces metadata and spec (finalizers, taints…); status is ignored by the API server. */
  update(object: T): Promise<T>;
  /** Replaces status through the status subresource. */
  updateStatus(object: T): Promise<T>;
  delete(key: string): Promise<void>;
}

function refOf(kind: KindDefinition, key: string): ObjectRef & { namespace: string | undefined } {
  const ref = parseKey(key);
  if (kind.scope === 'Namespaced' && !ref.namespace) throw new Error(`${kind.kind} is namespaced: use the key namespace/name, not ${JSON.stringify(key)}`);
  if (kind.scope === 'Cluster' && ref.namespace) throw new Error(`${kind.kind} is cluster-scoped: use the key name, not ${JSON.stringify(key)}`);
  return { namespace: ref.namespace, name: ref.name };
}

/** A typed client of one Cloud Empire kind, cluster-scoped or namespaced as its definition says. */
export function kindClient<T extends KubernetesObject>(host: KubeConfig, kind: KindDefinition): KindClient<T> {
  const custom = host.makeApiClient(CustomObjectsApi);
  const base = { group: GROUP, version: VERSION, plural: kind.plural };
  const namespaced = kind.scope === 'Namespaced';
  return {
    kind,
    async get(key) {
      const { namespace, name } = refOf(kind, key);
      try {
        return (await (namespaced
          ? custom.getNamespacedCustomObject({ ...base, namespace: namespace!, name })
          : custom.getClusterCustomObject({ ...base, name }))) as T;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async list(namespace) {
      const listed = namespaced && namespace ? custom.listNamespacedCustomObject({ ...base, namespace }) : custom.listClusterCustomObject(base);
      return (await listed) as KubernetesListObject<T>;
    },
    async create(object) {
      const namespace = object.metadata?.namespace;
      if (namespaced && !namespace) throw new Error(`${kind.kind} is namespaced: set metadata.namespace`);
      return (await (namespaced
        ? custom.createNamespacedCustomObject({ ...base, namespace: namespace!, body: object })
        : custom.createClusterCustomObject({ ...base, body: object }))) as T;
    },
    async update(object) {
      const { namespace, name } = refOf(kind, objectKey(object));
      return (await (namespaced
        ? custom.replaceNamespacedCustomObject({ ...base, namespace: namespace!, name, body: object })
        : custom.replaceClusterCustomObject({ ...base, name, body: object }))) as T;
    },
    async updateStatus(object) {
      const { namespace, name } = refOf(kind, objectKey(object));
      return (await (namespaced
        ? custom.replaceNamespacedCustomObjectStatus({ ...base, namespace: namespace!, name, body: object })
        : custom.replaceClusterCustomObjectStatus({ ...base, name, body: object }))) as T;
    },
    async delete(key) {
      const { namespace, name } = refOf(kind, key);
      await (namespaced ? custom.deleteNamespacedCustomObject({ ...base, namespace: namespace!, name }) : custom.deleteClusterCustomObject({ ...base, name }));
    },
  };
}
