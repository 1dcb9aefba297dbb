/**
 * The controller library: everything a reconciler needs, and nothing above it
 * (it imports only src/api and src/util). A fourth controller is written so:
 *
 * ```ts
 * // src/controllers/federatedworkload.ts
 * export class FederatedWorkloadReconciler implements Reconciler {
 *   constructor(private deps: { workloads: KindClient<FederatedWorkload>; ... })   // interfaces: unit-test with fakes
 *   async reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult> {
 *     const found = await this.deps.workloads.get(key);                 // 1. read fresh; gone = done
 *     if (!found) return done;
 *     const fw = await finalize(this.deps.workloads, found, FINALIZER, (w) => this.cleanMembers(w, signal));
 *     if (!fw) return done;                                             //    deleting: cleaned and released
 *     const plan = federatedWorkloadStatus(fw, observed, now);          // 2. compute: a pure, unit-tested function
 *     await this.apply(plan, signal);                                   // 3. write (children, members…)
 *     if (!sameJson(plan.status, fw.status ?? {})) await this.deps.workloads.updateStatus({ ...fw, status: plan.status });
 *     return requeueAfter(plan.nextLookMs);                             //    or done / requeue; throw TerminalError for bad input
 *   }
 * }
 * export const federatedWorkloadController = (deps) =>
 *   new Controller({ name: 'federatedworkload', informer: informers.forKind(FederatedWorkloadKind), reconciler, reads: [pools], log })
 *     .watches(pools.subscribe, (pool) => keysWhere(workloads, (w) => usesPool(w, pool)));   // what else wakes it
 * ```
 * Status conditions go through `setCondition` (observedGeneration, transition
 * times); a 409 from any write is retried by the Controller after a fresh read.
 * src/operator/operator.ts creates the Informers (one shared watch per kind),
 * the KindClients and the controllers, and starts and stops them.
 */
export { describeError, httpStatus, isConflict, isNotFound } from './api-errors.ts';
export { findCondition, setCondition, type ConditionInput, type ConditionStatus } from './conditions.ts';
export { Controller, type ControllerOptions, type Runnable } from './controller.ts';
export { ensureFinalizer, finalize, removeFinalizer } from './finalizers.ts';
export { Informers, keysWhere, SharedInformer, type Listener, type Subscribe } from './informer.ts';
export { collectionPath, kindClient, type KindClient } from './kind-client.ts';
export { registry } from './metrics.ts';
export { hasFinalizer, isDeleting, objectKey, parseKey, type ObjectRef } from './objects.ts';
export { WorkQueue, type QueueOptions } from './queue.ts';
export { done, isTerminal, requeue, requeueAfter, TerminalError, type ReconcileResult, type Reconciler } from './result.ts';
export { slimWatch, type SlimWatchOptions } from './slim-watch.ts';
export { watchCollection, type OpenWatch, type WatchedCollection } from './watch.ts';
