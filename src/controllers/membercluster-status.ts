// What the MemberCluster reconciler decides, as pure functions of what it read.
import type { V1Node } from '@kubernetes/client-node';
import type { ClusterTaint, GpuCapacity, MemberCluster, MemberClusterStatus, SovereignNode } from '../api/generated/types.ts';
import { verifiedResources } from '../capacity/cluster-resources.ts';
import type { MemberProbe } from '../cluster/member-watches.ts';
import { setCondition } from '../runtime/conditions.ts';
import { sameJson } from '../util/canonical-json.ts';
import { verifiedNodeNames } from '../trust/verified-nodes.ts';
import type { MemberFailure } from './gpupool-status.ts';

export const UNREACHABLE_TAINT = 'cloudempire.eu/unreachable';

// Device-plugin resources: domain-qualified names outside kubernetes.io.
const isExtendedResource = (name: string) => name.includes('/') && !name.split('/')[0].endsWith('kubernetes.io');

/** GPU (and other device-plugin) capacity summed over verified nodes, per resource name. */
export function deviceCapacity(nodes: readonly V1Node[], verified: ReadonlySet<string>): GpuCapacity[] {
  const totals = new Map<string, GpuCapacity>();
  for (const node of nodes) {
    if (!verified.has(node.metadata!.name!)) continue;
    for (const [resourceName, quantity] of Object.entries(node.status?.capacity ?? {})) {
      if (!isExtendedResource(resourceName)) continue;
      const entry = totals.get(resourceName) ?? { resourceName, capacity: 0, allocatable: 0 };
      entry.capacity += Number(quantity) || 0;
      entry.allocatable += Number(node.status?.allocatable?.[resourceName] ?? 0) || 0;
      totals.set(resourceName, entry);
    }
  }
  return [...totals.values()].sort((a, b) => a.resourceName.localeCompare(b.resourceName));
}

export interface MemberClusterTiming {
  /** How often a member is probed. */
  intervalMs: number;
  /** How long a member may be unreachable before it is tainted. */
  graceMs: number;
}

export interface MemberClusterPlan {
  status: MemberClusterStatus;
  /** The spec taints to write, or undefined when the unreachable taint is already as it should be. */
  taints?: ClusterTaint[];
  requeueAfterMs: number;
}

/**
 * The member's status after one probe: Ready at once either way; the
 * unreachable taint (spec, as Karmada's cluster taints: placement reads it
 * like any other) only once it has been down for the grace period.
 */
export function memberClusterStatus(
  member: MemberCluster,
  probe: MemberProbe | MemberFailure,
  sovereignNodes: readonly SovereignNode[],
  nowMs: number,
  timing: MemberClusterTiming,
): MemberClusterPlan {
  const now = new Date(nowMs);
  const name = member.metadata.name!;
  const generation = member.metadata.generation ?? 0;
  const status: MemberClusterStatus = { ...member.status, observedGeneration: generation, lastProbeTime: now.toISOString() };
  let requeueAfterMs = timing.intervalMs;
  if ('version' in probe) {
    const verified = verifiedNodeNames(sovereignNodes, name);
    Object.assign(status, {
      kubernetesVersion: probe.version,
      nodeCount: probe.nodes.length,
      verifiedNodeCount: probe.nodes.filter((n) => verified.has(n.metadata!.name!)).length,
      gpus: deviceCapacity(probe.nodes, verified),
      verifiedResources: verifiedResources(probe.nodes, probe.pods ?? [], verified),
    });
    delete status.unreachableSince;
    status.conditions = setCondition(
      status.conditions,
      { type: 'Ready', status: 'True', reason: 'Reachable', message: `API server ${probe.version} answers`, observedGeneration: generation },
      now,
    );
  } else {
    status.unreachableSince ??= now.toISOString();
    status.conditions = setCondition(
      status.conditions,
      { type: 'Ready', status: 'False', reason: probe.reason, message: probe.message, observedGeneration: generation },
      now,
    );
    const downFor = nowMs - Date.parse(status.unreachableSince);
    // Look again no later than when the grace period ends, so the taint comes on time.
    requeueAfterMs = Math.min(timing.intervalMs, Math.max(100, timing.graceMs - downFor));
  }
  const shouldTaint = status.unreachableSince !== undefined && nowMs - Date.parse(status.unreachableSince) >= timing.graceMs;
  const current = member.spec.taints ?? [];
  const tainted = current.some((t) => t.key === UNREACHABLE_TAINT);
  let taints: ClusterTaint[] | undefined;
  if (tainted !== shouldTaint) {
    taints = current.filter((t) => t.key !== UNREACHABLE_TAINT);
    if (shouldTaint) taints.push({ key: UNREACHABLE_TAINT, effect: 'NoSchedule' });
  }
  return { status, taints, requeueAfterMs };
}

/** lastProbeTime alone changing is not worth a write on every probe; a stale one (5 intervals) is. */
export function memberStatusWorthWriting(status: MemberClusterStatus, previous: MemberClusterStatus, nowMs: number, intervalMs: number): boolean {
  const changed = !sameJson({ ...status, lastProbeTime: undefined }, { ...previous, lastProbeTime: undefined });
  return changed || !previous.lastProbeTime || nowMs - Date.parse(previous.lastProbeTime) > 5 * intervalMs;
}
