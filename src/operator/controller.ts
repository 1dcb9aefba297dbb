import { makeInformer, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import { describeError, isConflict } from './api-errors.ts';
import { WorkQueue } from './queue.ts';

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

export interface RunningController {
  queue: WorkQueue;
  stop(): Promise<void>;
}

const defaultKey = (o: KubernetesObject) => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata!.name!);

/**
 * An informer feeding a work queue. client-node's informer stops on any watch
 * error but 410 Gone; this one starts it again after a pause, and every
 * (re)list enqueues every object, so nothing missed while down is lost.
 */
export async function startController<T extends KubernetesObject>(options: ControllerOptions<T>): Promise<RunningController> {
  const keyOf = options.keyOf ?? defaultKey;
  const queue = new WorkQueue(
    async (key) => {
      try {
        return await options.reconcile(key);
      } catch (error) {
        // Someone else wrote first: read again soon, as controller-runtime does. Not worth a warning.
        if (!isConflict(error)) throw error;
        options.log.debug('conflict; reading again', { component: options.name, key });
        return { requeueAfterMs: 100 };
      }
    },
    { workers: options.workers ?? 2 },
  );
  queue.onError = (key, error) =>
    options.log.warn('reconcile failed; retrying with backoff', { component: options.name, key, error: describeError(error) });
  const informer = makeInformer<T>(options.kubeConfig, options.path, options.list);
  let stopped = false;
  const enqueue = (object: T) => queue.add(keyOf(object));
  informer.on('add', enqueue);
  informer.on('update', enqueue);
  informer.on('delete', enqueue);
  informer.on('error', (error) => {
    if (stopped) return;
    options.log.warn('watch failed; restarting', { component: options.name, error: String((error as Error)?.message ?? error) });
    setTimeout(() => {
      if (!stopped) informer.start().catch(() => undefined);
    }, 1000).unref();
  });
  await informer.start();
  return {
    queue,
    async stop() {
      stopped = true;
      await informer.stop();
      await queue.stop();
    },
  };
}
