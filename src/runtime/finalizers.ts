import type { KubernetesObject } from '@kubernetes/client-node';
import type { KindClient } from './kind-client.ts';
import { hasFinalizer, isDeleting } from './objects.ts';

/** The object carrying `finalizer`: written only when it lacks it, so a second call writes nothing. */
export async function ensureFinalizer<T extends KubernetesObject>(client: Pick<KindClient<T>, 'update'>, object: T, finalizer: string): Promise<T> {
  if (hasFinalizer(object, finalizer)) return object;
  return client.update({ ...object, metadata: { ...object.metadata, finalizers: [...(object.metadata?.finalizers ?? []), finalizer] } });
}

/** The object without `finalizer`: written only when it has it. */
export async function removeFinalizer<T extends KubernetesObject>(client: Pick<KindClient<T>, 'update'>, object: T, finalizer: string): Promise<T> {
  if (!hasFinalizer(object, finalizer)) return object;
  return client.update({ ...object, metadata: { ...object.metadata, finalizers: object.metadata!.finalizers!.filter((f) => f !== finalizer) } });
}

/**
 * The finalizer step every reconcile that cleans up outside its object
 * starts with. Deleting: runs `cleanup` (only while our finalizer is still
 * on), removes the finalizer and returns undefined — the reconcile is done.
 * Otherwise returns the object with the finalizer ensured, to go on with.
 */
export async function finalize<T extends KubernetesObject>(
  client: Pick<KindClient<T>, 'update'>,
  object: T,
  finalizer: string,
  cleanup: (object: T) => Promise<void>,
): Promise<T | undefined> {
  if (!isDeleting(object)) return ensureFinalizer(client, object, finalizer);
  if (hasFinalizer(object, finalizer)) {
    await cleanup(object);
    await removeFinalizer(client, object, finalizer);
  }
  return undefined;
}
