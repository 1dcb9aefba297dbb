import type { KubernetesObject } from '@kubernetes/client-node';

/** A work-queue key: `name` for cluster-scoped objects, `namespace/name` for namespaced ones. */
export function objectKey(object: KubernetesObject): string {
  const { namespace, name } = object.metadata ?? {};
  if (!name) throw new Error('an object without metadata.name has no key');
  return namespace ? `${namespace}/${name}` : name;
}

export interface ObjectRef {
  namespace?: string;
  name: string;
}

export function parseKey(key: string): ObjectRef {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export const isDeleting = (object: KubernetesObject): boolean => Boolean(object.metadata?.deletionTimestamp);

export const hasFinalizer = (object: KubernetesObject, finalizer: string): boolean => object.metadata?.finalizers?.includes(finalizer) ?? false;
