import type { CustomObjectsApi } from '@kubernetes/client-node';
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
