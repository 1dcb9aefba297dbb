import type { Logger } from 'winston';
import type { GpuPool, SovereignNode } from '../api/generated/types.ts';
import { MemberAccessError, type MemberNodes } from '../cluster/member-clients.ts';
import type { MemberCaches } from '../cluster/member-watches.ts';
import { describeError, isConflict } from '../runtime/api-errors.ts';
import { Controller } from '../runtime/controller.ts';
import { finalize } from '../runtime/finalizers.ts';
import { keysWhere, type SharedInformer } from '../runtime/informer.ts';
import type { KindClient } from '../runtime/kind-client.ts';
import { done, requeueAfter, type ReconcileResult, type Reconciler } from '../runtime/result.ts';
import { sameJson } from '../util/canonical-json.ts';
import { gpuPoolStatus, nodesClaimedByOtherPools, poolLabelChanges, type MemberFailure } from './gpupool-status.ts';

export const POOL_LABEL = 'gpu.cloudempire.eu/pool';
export const GPU_POOL_FINALIZER = 'cloudempire.eu/gpupool';
const POOL_FIELD_MANAGER = 'cloud-empire-gpupool';
const RESYNC_MS = 5 * 60_000;
const RETRY_MS = 10_000;

export interface GpuPoolReconcilerDeps {
  pools: KindClient<GpuPool>;
  members: MemberCaches;
  memberNodes: MemberNodes;
  /** The host's SovereignNodes (an informer cache): the verified facts capacity is counted from. */
  sovereignNodes: () => readonly SovereignNode[];
  /** The names of the GpuPools that exist and are not being deleted (an informer cache). */
  livePools?: () => ReadonlySet<string>;
  log: Logger;
  now?: () => number;
}

const memberFailure = (error: unknown): MemberFailure => ({
  reason: error instanceof MemberAccessError ? error.reason : 'MemberUnreachable',
  message: describeError(error),
});

/** Counts a GpuPool from its member's verified nodes and keeps the pool label on exactly those. */
export class GpuPoolReconciler implements Reconciler {
  private readonly deps: GpuPoolReconcilerDeps;

  constructor(deps: GpuPoolReconcilerDeps) {
    this.deps = deps;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const found = await this.deps.pools.get(key);
    if (!found) return done;
    const pool = await finalize(this.deps.pools, found, GPU_POOL_FINALIZER, (p) => this.unlabelAll(p));
    if (!pool) return done;
    const cluster = pool.spec.memberCluster;
    const now = new Date(this.deps.now?.() ?? Date.now());
    const sovereignNodes = this.deps.sovereignNodes();

    let plan;
    try {
      const snapshot = await this.deps.members.snapshot(cluster);
      const name = pool.metadata.name!;
      const claimed = nodesClaimedByOtherPools(snapshot.nodes, POOL_LABEL, name, this.otherPools(name));
      plan = gpuPoolStatus(pool, snapshot, sovereignNodes, now, claimed);
      const claimedMeanwhile = await this.label(cluster, snapshot.nodes, name, new Set(plan.poolNodes));
      // Another pool labelled some of these nodes since the snapshot: they count there, so not here either.
      if (claimedMeanwhile.size) plan = gpuPoolStatus(pool, snapshot, sovereignNodes, now, new Map([...claimed, ...claimedMeanwhile]));
    } catch (error) {
      if (isConflict(error)) throw error;
      plan = gpuPoolStatus(pool, memberFailure(error), sovereignNodes, now);
    }
    if (!sameJson(plan.status, pool.status ?? {})) await this.deps.pools.updateStatus({ ...pool, status: plan.status });
    return requeueAfter(plan.poolNodes ? RESYNC_MS : RETRY_MS);
  }

  /**
   * Keeps `gpu.cloudempire.eu/pool=<pool>` on exactly the pool's nodes,
   * touching no other label. Node labels are a granular map, but reading and
   * updating keeps one code path with the trust marks.
   */
  private otherPools(pool: string): Set<string> {
    return new Set([...(this.deps.livePools?.() ?? [])].filter((p) => p !== pool));
  }

  /** Returns the nodes another pool claimed since the snapshot (read again before writing), by name: that pool. */
  private async label(
    cluster: string,
    nodes: Parameters<typeof poolLabelChanges>[0],
    pool: string,
    members: ReadonlySet<string>,
  ): Promise<Map<string, string>> {
    const otherPools = this.otherPools(pool);
    const claimedMeanwhile = new Map<string, string>();
    for (const [name, should] of poolLabelChanges(nodes, POOL_LABEL, pool, members, otherPools)) {
      const fresh = await this.deps.memberNodes.readNode(cluster, name);
      const labels = { ...fresh.metadata?.labels };
      const current = labels[POOL_LABEL];
      // Read again: another pool may have claimed the node since the snapshot.
      if (should && current !== undefined && current !== pool && otherPools.has(current)) {
        claimedMeanwhile.set(name, current);
        continue;
      }
      if (should) labels[POOL_LABEL] = pool;
      else if (labels[POOL_LABEL] === pool) delete labels[POOL_LABEL];
      else continue;
      await this.deps.memberNodes.replaceNode(cluster, { ...fresh, metadata: { ...fresh.metadata, labels } }, POOL_FIELD_MANAGER);
    }
    return claimedMeanwhile;
  }

  private async unlabelAll(pool: GpuPool): Promise<void> {
    const cluster = pool.spec.memberCluster;
    try {
      const snapshot = await this.deps.members.snapshot(cluster);
      await this.label(cluster, snapshot.nodes, pool.metadata.name!, new Set());
    } catch (error) {
      // A member that no longer exists has no labels left to clean.
      if (!(error instanceof MemberAccessError && error.reason === 'MemberClusterNotFound')) throw error;
    }
  }
}

export interface GpuPoolControllerDeps extends Omit<GpuPoolReconcilerDeps, 'sovereignNodes'> {
  informer: SharedInformer<GpuPool>;
  sovereignNodes: SharedInformer<SovereignNode>;
}

/** Reconciles GpuPools when they change, when a SovereignNode of their member changes, and when the member's Nodes or Pods change. */
export function gpuPoolController(deps: GpuPoolControllerDeps): Controller<GpuPool> {
  const poolsOf = (cluster: string) => keysWhere(deps.informer, (p) => p.spec.memberCluster === cluster);
  return new Controller<GpuPool>({
    name: 'gpupool',
    informer: deps.informer,
    reconciler: new GpuPoolReconciler({
      ...deps,
      sovereignNodes: () => deps.sovereignNodes.list(),
      livePools: () => new Set(deps.informer.list().flatMap((p) => (p.metadata.deletionTimestamp ? [] : [p.metadata.name!]))),
    }),
    reads: [deps.sovereignNodes],
    log: deps.log,
  })
    .watches(deps.sovereignNodes.subscribe, (node) => poolsOf(node.spec.memberCluster))
    .watches(deps.members.onChange, poolsOf);
}
