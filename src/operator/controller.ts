import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import { describeError, isConflict } from './api-errors.ts';
import { queueDepth, reconcileDuration, reconcileTotal } from './metrics.ts';
import { WorkQueue } from './queue.ts';
import { watchCollection, type WatchedCollection } from './watch.ts';

export interface ControllerOptions<T extends KubernetesObject> {
  name: string;
  kubeConfig: KubeConfig;
  /** API path of the watched collection, e.g. /apis/cloudempire.eu/v1alpha1/sovereignnodes. */
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  keyOf?: (object: T) => string;
  reconcile: (key: string) => Promise<{ requeueAfterMs?: number } | void>;
  log: Logger;
  workers?: number;
}

export interface RunningController<T extends KubernetesObject = KubernetesObject> {
  queue: WorkQueue;
  watch: WatchedCollection<T>;
  stop(): Promise<void>;
}

const defaultKey = (o: KubernetesObject) => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata!.name!);

/** A restarting watch of one collection feeding a work queue. */
export async function startController<T extends KubernetesObject>(options: ControllerOptions<T>): Promise<RunningController<T>> {
  const keyOf = options.keyOf ?? defaultKey;
  const queue = new WorkQueue(
    async (key) => {
      const stopTimer = reconcileDuration.startTimer({ controller: options.name });
      try {
        const result = await options.reconcile(key);
        reconcileTotal.inc({ controller: options.name, result: 'success' });
        return result;
      } catch (error) {
        // Someone else wrote first: read again soon, as controller-runtime does. Not worth a warning.
        if (!isConflict(error)) {
          reconcileTotal.inc({ controller: options.name, result: 'error' });
          throw error;
        }
        reconcileTotal.inc({ controller: options.name, result: 'conflict' });
        options.log.debug('conflict; reading again', { component: options.name, key });
        return { requeueAfterMs: 100 };
      } finally {
        stopTimer();
        queueDepth.set({ controller: options.name }, queue.depth);
      }
    },
    { workers: options.workers ?? 2 },
  );
  queue.onError = (key, error) =>
    options.log.warn('reconcile failed; retrying with backoff', { component: options.name, key, error: describeError(error) });
  const watch = watchCollection<T>({
    name: options.name,
    kubeConfig: options.kubeConfig,
    path: options.path,
    list: options.list,
    onChange: (object) => queue.add(keyOf(object)),
    log: options.log,
  });
  await watch.synced;
  return {
    queue,
    watch,
    async stop() {
      await watch.stop();
      await queue.stop();
    },
  };
}
