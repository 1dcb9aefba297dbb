import type { FederatedWorkload } from '../../api/generated/types.ts';
import { RenderError } from './render-error.ts';

// Ownership marks on everything the operator creates in a member (DESIGN.md):
// the operator lists, updates and deletes only objects that carry them.
export const LABEL_WORKLOAD = 'cloudempire.eu/workload';
export const LABEL_MANAGED_BY = 'cloudempire.eu/managed-by';
export const MANAGED_BY = 'cloud-empire';
export const FIELD_MANAGER = 'cloud-empire';

// The key the GpuPool controller puts on its verified pool nodes
// (controllers/gpupool.ts POOL_LABEL, which sits above this layer).
export const LABEL_POOL = 'gpu.cloudempire.eu/pool';

/** `<namespace>.<name>`: a label value (a namespace is a DNS label, so the first dot splits it back). */
export function workloadKey(workload: Pick<FederatedWorkload, 'metadata'>): string {
  const namespace = workload.metadata.namespace;
  const name = workload.metadata.name;
  if (!namespace || !name) throw new RenderError('metadata', 'a FederatedWorkload needs metadata.namespace and metadata.name');
  const key = `${namespace}.${name}`;
  if (key.length > 63) {
    throw new RenderError(
      'metadata.name',
      `the ownership label ${LABEL_WORKLOAD}=${key} would be ${key.length} characters, a label value holds 63; shorten the namespace or name to at most ${62 - namespace.length} characters`,
    );
  }
  return key;
}

export function ownershipLabels(workload: Pick<FederatedWorkload, 'metadata'>): Record<string, string> {
  return { [LABEL_WORKLOAD]: workloadKey(workload), [LABEL_MANAGED_BY]: MANAGED_BY };
}

/** The label selector of every object one workload owns in a member. */
export function workloadSelector(key: string): string {
  return `${LABEL_MANAGED_BY}=${MANAGED_BY},${LABEL_WORKLOAD}=${key}`;
}

export const MANAGED_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;
