import type { Logger } from 'winston';
import type { MemberCluster, SovereignNode } from '../api/generated/types.ts';
import { MemberAccessError } from '../cluster/member-clients.ts';
import type { MemberCaches, MemberProbe, MemberProber } from '../cluster/member-watches.ts';
import { describeError, isConflict } from '../runtime/api-errors.ts';
import { Controller } from '../runtime/controller.ts';
import type { SharedInformer } from '../runtime/informer.ts';
import type { KindClient } from '../runtime/kind-client.ts';
import { done, requeueAfter, type ReconcileResult, type Reconciler } from '../runtime/result.ts';
import { memberClusterStatus, memberStatusWorthWriting, UNREACHABLE_TAINT } from './membercluster-status.ts';
import type { MemberFailure } from './gpupool-status.ts';

export { deviceCapacity, UNREACHABLE_TAINT } from './membercluster-status.ts';

export interface MemberClusterReconcilerDeps {
  memberClusters: KindClient<MemberCluster>;
  members: MemberProber;
  sovereignNodes: () => readonly SovereignNode[];
  log: Logger;
  /** How often a member is probed. */
  probeIntervalMs?: number;
  probeTimeoutMs?: number;
  /** How long a member may be unreachable before it is tainted. */
  unreachableGraceMs?: number;
  now?: () => number;
}

/** Probes one member cluster: reachable, its version, node counts and the GPU capacity of its verified nodes. */
export class MemberClusterReconciler implements Reconciler {
  private readonly deps: MemberClusterReconcilerDeps;

  constructor(deps: MemberClusterReconcilerDeps) {
    this.deps = deps;
  }

  private async probe(name: string): Promise<MemberProbe | MemberFailure> {
    try {
      return await this.deps.members.probe(name, this.deps.probeTimeoutMs ?? 5_000);
    } catch (error) {
      if (isConflict(error)) throw error;
      return { reason: error instanceof MemberAccessError ? error.reason : 'Unreachable', message: describeError(error) };
    }
  }

  async reconcile(name: string): Promise<ReconcileResult> {
    let member = await this.deps.memberClusters.get(name);
    if (!member) return done;
    const timing = { intervalMs: this.deps.probeIntervalMs ?? 10_000, graceMs: this.deps.unreachableGraceMs ?? 60_000 };
    const probe = await this.probe(name);
    const nowMs = this.deps.now?.() ?? Date.now();
    const plan = memberClusterStatus(member, probe, this.deps.sovereignNodes(), nowMs, timing);
    if (plan.taints) {
      member = await this.deps.memberClusters.update({ ...member, spec: { ...member.spec, taints: plan.taints } });
      plan.status.observedGeneration = member.metadata.generation ?? plan.status.observedGeneration;
      const tainted = plan.taints.some((t) => t.key === UNREACHABLE_TAINT);
      this.deps.log.info(tainted ? 'member unreachable past grace: tainted' : 'member reachable again: taint removed', {
        component: 'membercluster',
        memberCluster: name,
      });
    }
    if (memberStatusWorthWriting(plan.status, member.status ?? {}, nowMs, timing.intervalMs)) {
      await this.deps.memberClusters.updateStatus({ ...member, status: plan.status });
    }
    return requeueAfter(plan.requeueAfterMs);
  }
}

export interface MemberClusterControllerDeps extends Omit<MemberClusterReconcilerDeps, 'sovereignNodes' | 'members'> {
  informer: SharedInformer<MemberCluster>;
  members: MemberProber & Pick<MemberCaches, 'onChange'>;
  sovereignNodes: SharedInformer<SovereignNode>;
}

/** Probes every MemberCluster on a timer and whenever its nodes or their verdicts change. */
export function memberClusterController(deps: MemberClusterControllerDeps): Controller<MemberCluster> {
  return new Controller<MemberCluster>({
    name: 'membercluster',
    informer: deps.informer,
    reconciler: new MemberClusterReconciler({ ...deps, sovereignNodes: () => deps.sovereignNodes.list() }),
    reads: [deps.sovereignNodes],
    log: deps.log,
  })
    .watches(deps.sovereignNodes.subscribe, (node) => [node.spec.memberCluster])
    .watches(deps.members.onChange, (cluster) => [cluster]);
}
