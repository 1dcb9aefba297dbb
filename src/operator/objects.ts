import { CustomObjectsApi, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../api/schema/common.ts';
import { isNotFound } from './api-errors.ts';

/** A cluster-scoped Cloud Empire object, or undefined when it is gone (for a reconciler, NotFound means done). */
export async function getClusterObject<T>(custom: CustomObjectsApi, plural: string, name: string): Promise<T | undefined> {
  try {
    return (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural, name })) as T;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Where a cluster-scoped Cloud Empire kind is watched and how it is listed: what a watch or informer needs. */
export function clusterCollection<T extends KubernetesObject>(host: KubeConfig, plural: string): { path: string; list: () => Promise<KubernetesListObject<T>> } {
  const custom = host.makeApiClient(CustomObjectsApi);
  return {
    path: `/apis/${GROUP}/${VERSION}/${plural}`,
    list: async () => (await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural })) as KubernetesListObject<T>,
  };
}
