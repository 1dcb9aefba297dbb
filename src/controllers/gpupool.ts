import { CustomObjectsApi, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import type { GpuPool, GpuPoolStatus, SovereignNode } from '../api/generated/types.ts';
import { GROUP, VERSION } from '../api/schema/common.ts';
import { poolCapacity } from '../capacity/gpu-pool.ts';
import type { MemberWatches } from '../cluster/member-watches.ts';
import { MemberAccessError, type MemberClient } from '../cluster/pool.ts';
import { describeError, isConflict } from '../operator/api-errors.ts';
import { setCondition } from '../operator/conditions.ts';
import { clusterCollection, getClusterObject } from '../operator/objects.ts';
import { sameJson } from '../util/canonical-json.ts';
import { startController, type RunningController } from '../operator/controller.ts';
import type { SovereignNodeCache } from '../operator/sovereign-nodes.ts';
import { verifiedNodeNames } from '../trust/verified-nodes.ts';

export const POOL_LABEL = 'gpu.cloudempire.eu/pool';
export const GPU_POOL_FINALIZER = 'cloudempire.eu/gpupool';
const POOL_FIELD_MANAGER = 'cloud-empire-gpupool';
const RESYNC_MS = 5 * 60_000;
const RETRY_MS = 10_000;
const api = { group: GROUP, version: VERSION, plural: 'gpupools' };

export interface GpuPoolReconcilerDeps {
  host: KubeConfig;
  watches: MemberWatches;
  /** The host's SovereignNodes (an informer cache): the verified facts capacity is counted from. */
  sovereignNodes: () => readonly SovereignNode[];
  log: Logger;
  now?: () => number;
}

/**
 * Keeps `gpu.cloudempire.eu/pool=<pool>` on exactly the pool's verified nodes,
 * touching no other label. Node labels are a granular map, but reading and
 * updating keeps one code path with the trust marks.
 */
async function labelPoolNodes(client: MemberClient, nodes: readonly V1Node[], pool: string, members: ReadonlySet<string>): Promise<void> {
  for (const node of nodes) {
    const name = node.metadata!.name!;
    const has = node.metadata?.labels?.[POOL_LABEL] === pool;
    const should = members.has(name);
    if (has === should) continue;
    const fresh = await client.core.readNode({ name });
    const labels = { ...fresh.metadata?.labels };
    if (should) labels[POOL_LABEL] = pool;
    else if (labels[POOL_LABEL] === pool) delete labels[POOL_LABEL];
    else continue;
    await client.core.replaceNode({ name, body: { ...fresh, metadata: { ...fresh.metadata, labels } }, fieldManager: POOL_FIELD_MANAGER });
  }
}

export class GpuPoolReconciler {
  private readonly custom: CustomObjectsApi;
  private readonly deps: GpuPoolReconcilerDeps;

  constructor(deps: GpuPoolReconcilerDeps) {
    this.deps = deps;
    this.custom = deps.host.makeApiClient(CustomObjectsApi);
  }

  async reconcile(name: string): Promise<{ requeueAfterMs?: number }> {
    let pool = await getClusterObject<GpuPool>(this.custom, api.plural, name);
    if (!pool) return {};
    const cluster = pool.spec.memberCluster;

    if (pool.metadata.deletionTimestamp) {
      if (pool.metadata.finalizers?.includes(GPU_POOL_FINALIZER)) {
        const view = await this.deps.watches.view(cluster).catch((error) => {
          // A member that no longer exists has no labels left to clean.
          if (error instanceof MemberAccessError && error.reason === 'MemberClusterNotFound') return undefined;
          throw error;
        });
        if (view) await labelPoolNodes(view.client, view.nodes.list(), name, new Set());
        pool.metadata.finalizers = pool.metadata.finalizers.filter((f) => f !== GPU_POOL_FINALIZER);
        await this.custom.replaceClusterCustomObject({ ...api, name, body: pool });
      }
      return {};
    }
    if (!pool.metadata.finalizers?.includes(GPU_POOL_FINALIZER)) {
      pool.metadata.finalizers = [...(pool.metadata.finalizers ?? []), GPU_POOL_FINALIZER];
      pool = (await this.custom.replaceClusterCustomObject({ ...api, name, body: pool })) as GpuPool;
    }

    const now = new Date(this.deps.now?.() ?? Date.now());
    const generation = pool.metadata.generation ?? 0;
    const previous = pool.status ?? {};
    const status: GpuPoolStatus = { ...previous, observedGeneration: generation };
    let requeueAfterMs = RESYNC_MS;
    try {
      const view = await this.deps.watches.view(cluster);
      const nodes = view.nodes.list();
      const sovereignNodes = this.deps.sovereignNodes();
      const capacity = poolCapacity(pool.spec, [...nodes], [...view.pods.list()], verifiedNodeNames(sovereignNodes, cluster));
      const inPool = new Set(capacity.verifiedNodes);
      const countries = [...new Set(sovereignNodes.filter((n) => n.spec.memberCluster === cluster && inPool.has(n.spec.nodeName)).map((n) => n.status?.countryCode).filter((c): c is NonNullable<typeof c> => Boolean(c)))].sort();
      await labelPoolNodes(view.client, nodes, name, new Set(capacity.verifiedNodes));
      Object.assign(status, {
        nodes: capacity.nodes,
        verifiedNodes: capacity.verifiedNodes.length,
        capacity: capacity.capacity,
        allocatable: capacity.allocatable,
        allocated: capacity.allocated,
        nodeCapacity: capacity.perNode,
        countries,
      });
      status.conditions = setCondition(
        status.conditions,
        capacity.verifiedNodes.length
          ? { type: 'Ready', status: 'True', reason: 'PoolAvailable', message: `${capacity.allocatable - capacity.allocated} of ${capacity.allocatable} ${pool.spec.resourceName} free on ${capacity.verifiedNodes.length} verified node(s)`, observedGeneration: generation }
          : { type: 'Ready', status: 'False', reason: 'NoVerifiedNodes', message: `${capacity.nodes} node(s) match the selector, none verified`, observedGeneration: generation },
        now,
      );
      status.conditions = setCondition(
        status.conditions,
        capacity.mismatches.length
          ? {
              type: 'HardwareMatches',
              status: 'False',
              reason: 'FeatureDiscoveryMismatch',
              message: capacity.mismatches.map((m) => `${m.node}: ${m.label}=${m.reported}, pool declares ${m.declared}`).join('; '),
              observedGeneration: generation,
            }
          : { type: 'HardwareMatches', status: 'True', reason: 'FeatureDiscoveryAgrees', message: 'GPU Feature Discovery labels agree with the declared model and memory', observedGeneration: generation },
        now,
      );
    } catch (error) {
      if (isConflict(error)) throw error;
      const reason = error instanceof MemberAccessError ? error.reason : 'MemberUnreachable';
      status.conditions = setCondition(status.conditions, { type: 'Ready', status: 'False', reason, message: describeError(error), observedGeneration: generation }, now);
      requeueAfterMs = RETRY_MS;
    }
    if (!sameJson(status, previous)) {
      await this.custom.replaceClusterCustomObjectStatus({ ...api, name, body: { ...pool, status } });
    }
    return { requeueAfterMs };
  }
}

/** Watches GpuPools, the SovereignNodes that vouch for their nodes, and the members' Nodes and Pods. */
export async function startGpuPoolController(deps: Omit<GpuPoolReconcilerDeps, 'sovereignNodes'> & { sovereignNodes: SovereignNodeCache }): Promise<RunningController<GpuPool>> {
  // The wake-up paths exist before the controller they wake.
  const ref: { pools?: RunningController<GpuPool> } = {};
  const wake = (cluster: string) => {
    for (const pool of ref.pools?.watch.list() ?? []) if (pool.spec.memberCluster === cluster) ref.pools!.queue.add(pool.metadata.name!);
  };
  await deps.sovereignNodes.synced;
  deps.sovereignNodes.onChange(wake);
  deps.watches.onChange(wake);
  const reconciler = new GpuPoolReconciler({ ...deps, sovereignNodes: () => deps.sovereignNodes.list() });
  const running = await startController<GpuPool>({
    name: 'gpupool',
    kubeConfig: deps.host,
    ...clusterCollection<GpuPool>(deps.host, api.plural),
    reconcile: (name) => reconciler.reconcile(name),
    log: deps.log,
  });
  ref.pools = running;
  return running;
}
