import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { GpuPool } from '../../../src/api/generated/types.ts';
import { FederatedWorkloadKind } from '../../../src/api/schema/federatedworkload.ts';
import { GpuPoolKind } from '../../../src/api/schema/gpupool.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { Controller } from '../../../src/runtime/controller.ts';
import { ensureFinalizer, finalize, removeFinalizer } from '../../../src/runtime/finalizers.ts';
import { keysWhere, SharedInformer } from '../../../src/runtime/informer.ts';
import { collectionPath, kindClient } from '../../../src/runtime/kind-client.ts';
import { WorkQueue } from '../../../src/runtime/queue.ts';
import { done, requeue, requeueAfter, TerminalError, type Reconciler } from '../../../src/runtime/result.ts';
import type { OpenWatch } from '../../../src/runtime/watch.ts';
import { apiError, FakeKind } from '../../helpers/fake-kube.ts';

const log = createLogger({ level: 'error' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pool = (name: string, cluster = 'paris'): GpuPool => ({
  apiVersion: 'cloudempire.eu/v1alpha1',
  kind: 'GpuPool',
  metadata: { name },
  spec: { memberCluster: cluster, nodeSelector: {}, resourceName: 'nvidia.com/gpu', model: 'H100', provider: 'ovhcloud' },
});

/** A watch fed by the test: counts how often it is opened. */
function scriptedWatch<T>() {
  const items: T[] = [];
  let onChange: ((object: T) => void) | undefined;
  let opened = 0;
  const open: OpenWatch<T> = (listener) => {
    opened++;
    onChange = listener;
    return { list: () => items, synced: Promise.resolve(), restarts: () => 0, stop: async () => undefined };
  };
  return {
    open,
    opened: () => opened,
    emit(object: T) {
      items.push(object);
      onChange?.(object);
    },
  };
}

describe('finalizer helpers', () => {
  it('add and remove a finalizer once: a second call writes nothing', async () => {
    const pools = new FakeKind<GpuPool>(GpuPoolKind);
    const stored = pools.seed(pool('p'));
    const once = await ensureFinalizer(pools, stored, 'cloudempire.eu/x');
    const twice = await ensureFinalizer(pools, once, 'cloudempire.eu/x');
    expect(twice.metadata.finalizers).toEqual(['cloudempire.eu/x']);
    expect(pools.writes).toHaveLength(1);
    const removed = await removeFinalizer(pools, twice, 'cloudempire.eu/x');
    await removeFinalizer(pools, removed, 'cloudempire.eu/x');
    expect(removed.metadata.finalizers).toEqual([]);
    expect(pools.writes).toHaveLength(2);
  });

  it('clean up a deleted object once, then let it go; leave others’ finalizers alone', async () => {
    const pools = new FakeKind<GpuPool>(GpuPoolKind);
    const cleanups: string[] = [];
    const cleanup = async (p: GpuPool) => void cleanups.push(p.metadata.name!);
    const live = await finalize(pools, pools.seed({ ...pool('p'), metadata: { name: 'p', finalizers: ['other.io/keep'] } }), 'cloudempire.eu/x', cleanup);
    expect(live?.metadata.finalizers).toEqual(['other.io/keep', 'cloudempire.eu/x']);
    await pools.delete('p');
    expect(await finalize(pools, (await pools.get('p'))!, 'cloudempire.eu/x', cleanup)).toBeUndefined();
    // Ours is gone, the other owner's stays: the object waits for it.
    expect((await pools.get('p'))?.metadata.finalizers).toEqual(['other.io/keep']);
    expect(await finalize(pools, (await pools.get('p'))!, 'cloudempire.eu/x', cleanup)).toBeUndefined();
    expect(cleanups).toEqual(['p']);
  });

  it('do not remove the finalizer when the cleanup fails', async () => {
    const pools = new FakeKind<GpuPool>(GpuPoolKind);
    await finalize(pools, pools.seed(pool('p')), 'cloudempire.eu/x', async () => undefined);
    await pools.delete('p');
    await expect(finalize(pools, (await pools.get('p'))!, 'cloudempire.eu/x', async () => Promise.reject(new Error('member down')))).rejects.toThrow(
      'member down',
    );
    expect((await pools.get('p'))?.metadata.finalizers).toEqual(['cloudempire.eu/x']);
  });
});

describe('work queue results', () => {
  it('backs off on requeue and on errors, waits requeueAfter, and resets the backoff after a success', async () => {
    const times: number[] = [];
    const results = [requeue, requeue, requeueAfter(60), done];
    const queue = new WorkQueue(
      async () => {
        times.push(Date.now());
        return results[times.length - 1];
      },
      { baseDelayMs: 25 },
    );
    queue.add('k');
    while (times.length < 4) await sleep(5);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(gaps[0]).toBeGreaterThanOrEqual(23);
    expect(gaps[1]).toBeGreaterThanOrEqual(48);
    expect(gaps[2]).toBeGreaterThanOrEqual(58);
    await sleep(150);
    expect(times).toHaveLength(4);
    await queue.stop();
  });

  it('does not retry a terminal error, and reports it as terminal', async () => {
    let calls = 0;
    const reported: boolean[] = [];
    const queue = new WorkQueue(
      async () => {
        calls++;
        throw new TerminalError('spec.template is not a Deployment');
      },
      { baseDelayMs: 5 },
    );
    queue.onError = (_key, _error, terminal) => reported.push(terminal);
    queue.add('k');
    await sleep(100);
    expect({ calls, reported }).toEqual({ calls: 1, reported: [true] });
    // A change of the object queues it again.
    queue.add('k');
    await queue.idle();
    expect(calls).toBe(2);
    await queue.stop();
  });
});

describe('shared informer and controllers', () => {
  it('one watch of a kind delivers every change to two controllers, also to one that subscribes late', async () => {
    const watch = scriptedWatch<GpuPool>();
    const informer = new SharedInformer<GpuPool>('gpupools', watch.open);
    const seen: Record<string, string[]> = { a: [], b: [] };
    const reconciler = (name: string): Reconciler => ({ reconcile: async (key) => (seen[name].push(key), done) });
    const a = new Controller<GpuPool>({ name: 'a', informer, reconciler: reconciler('a'), log });
    await a.start();
    watch.emit(pool('first'));
    const b = new Controller<GpuPool>({ name: 'b', informer, reconciler: reconciler('b'), log });
    await b.start();
    watch.emit(pool('second'));
    await Promise.all([a.queue.idle(), b.queue.idle()]);
    expect(watch.opened()).toBe(1);
    expect(seen).toEqual({ a: ['first', 'second'], b: ['first', 'second'] });
    await Promise.all([a.stop(), b.stop(), informer.stop()]);
  });

  it('wakes the keys an event of another kind maps to', async () => {
    const pools = scriptedWatch<GpuPool>();
    const nodes = scriptedWatch<{ cluster: string }>();
    const informer = new SharedInformer<GpuPool>('gpupools', pools.open);
    const nodeInformer = new SharedInformer<{ cluster: string }>('nodes', nodes.open);
    const woken: string[] = [];
    const controller = new Controller<GpuPool>({
      name: 'c',
      informer,
      reconciler: { reconcile: async (key) => (woken.push(key), done) },
      reads: [nodeInformer],
      log,
    }).watches(nodeInformer.subscribe, (node) => keysWhere(informer, (p) => p.spec.memberCluster === node.cluster));
    await controller.start();
    pools.emit(pool('paris-a'));
    pools.emit(pool('madrid-a', 'madrid'));
    await controller.queue.idle();
    woken.length = 0;
    nodes.emit({ cluster: 'madrid' });
    await controller.queue.idle();
    expect(woken).toEqual(['madrid-a']);
    await controller.stop();
  });

  it('cancels a running reconcile through its signal when stopped', async () => {
    const watch = scriptedWatch<KubernetesObject>();
    const informer = new SharedInformer<KubernetesObject>('things', watch.open);
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    let aborted = false;
    const reconciler: Reconciler = {
      reconcile: (_key, signal) =>
        new Promise((_, reject) => {
          started();
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(signal.reason);
          });
        }),
    };
    const controller = new Controller({ name: 'slow', informer, reconciler, log });
    await controller.start();
    watch.emit({ metadata: { name: 'x' } });
    await running;
    const stopping = Date.now();
    await controller.stop();
    expect(aborted).toBe(true);
    expect(Date.now() - stopping).toBeLessThan(1_000);
  });

  it('reads again soon after a write conflict, without counting it as a failure', async () => {
    const watch = scriptedWatch<KubernetesObject>();
    let calls = 0;
    const controller = new Controller({
      name: 'racy',
      informer: new SharedInformer<KubernetesObject>('racy', watch.open),
      reconciler: { reconcile: async () => (++calls === 1 ? Promise.reject(apiError(409)) : done) },
      log,
      queue: { baseDelayMs: 10_000 },
    });
    await controller.start();
    watch.emit({ metadata: { name: 'x' } });
    const started = Date.now();
    while (calls < 2 && Date.now() - started < 2_000) await sleep(10);
    expect(calls).toBe(2);
    expect(Date.now() - started).toBeLessThan(1_000);
    await controller.stop();
  });
});

describe('typed kind clients', () => {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });

  it('know where a kind lives, cluster-scoped or namespaced', () => {
    expect(collectionPath(GpuPoolKind)).toBe('/apis/cloudempire.eu/v1alpha1/gpupools');
    expect(collectionPath(FederatedWorkloadKind, 'ml')).toBe('/apis/cloudempire.eu/v1alpha1/namespaces/ml/federatedworkloads');
  });

  it('refuse a key of the wrong shape before any request, naming the fix', async () => {
    await expect(kindClient(kc, FederatedWorkloadKind).get('llm')).rejects.toThrow('FederatedWorkload is namespaced: use the key namespace/name');
    await expect(kindClient(kc, GpuPoolKind).get('ml/p')).rejects.toThrow('GpuPool is cluster-scoped: use the key name');
    await expect(kindClient(kc, FederatedWorkloadKind).create({ metadata: { name: 'llm' } })).rejects.toThrow('set metadata.namespace');
  });
});
