// What the GpuPool reconciler decides, as pure functions of what it read.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { GpuPool, GpuPoolStatus, SovereignNode } from '../api/generated/types.ts';
import { poolCapacity } from '../capacity/gpu-pool.ts';
import { setCondition } from '../runtime/conditions.ts';
import { verifiedNodeNames } from '../trust/verified-nodes.ts';

/** Why the member's caches could not be read, for the Ready condition. */
export interface MemberFailure {
  reason: string;
  message: string;
}

export interface GpuPoolPlan {
  status: GpuPoolStatus;
  /** The nodes that belong to the pool (verified and selected): they carry the pool label. Undefined when the member was not read. */
  poolNodes?: string[];
}

/**
 * The pool's status from the member's Nodes and Pods and the host's
 * SovereignNodes, or — when the member cannot be read — the last counts with
 * Ready=False and the reason.
 */
export function gpuPoolStatus(
  pool: GpuPool,
  member: { nodes: readonly V1Node[]; pods: readonly V1Pod[] } | MemberFailure,
  sovereignNodes: readonly SovereignNode[],
  now: Date,
): GpuPoolPlan {
  const generation = pool.metadata.generation ?? 0;
  const status: GpuPoolStatus = { ...pool.status, observedGeneration: generation };
  if ('reason' in member) {
    status.conditions = setCondition(
      status.conditions,
      { type: 'Ready', status: 'False', reason: member.reason, message: member.message, observedGeneration: generation },
      now,
    );
    return { status };
  }
  const cluster = pool.spec.memberCluster;
  const capacity = poolCapacity(pool.spec, [...member.nodes], [...member.pods], verifiedNodeNames(sovereignNodes, cluster));
  const inPool = new Set(capacity.verifiedNodes);
  const countries = [
    ...new Set(
      sovereignNodes
        .filter((n) => n.spec.memberCluster === cluster && inPool.has(n.spec.nodeName))
        .map((n) => n.status?.countryCode)
        .filter((c): c is NonNullable<typeof c> => Boolean(c)),
    ),
  ].sort();
  Object.assign(status, {
    nodes: capacity.nodes,
    verifiedNodes: capacity.verifiedNodes.length,
    capacity: capacity.capacity,
    allocatable: capacity.allocatable,
    allocated: capacity.allocated,
    // The schema keeps 5,000 nodes per pool; past that the pool counts fewer than it has, never more.
    nodeCapacity: capacity.perNode.slice(0, 5000),
    countries,
  });
  status.conditions = setCondition(
    status.conditions,
    capacity.verifiedNodes.length
      ? {
          type: 'Ready',
          status: 'True',
          reason: 'PoolAvailable',
          message: `${capacity.allocatable - capacity.allocated} of ${capacity.allocatable} ${pool.spec.resourceName} free on ${capacity.verifiedNodes.length} verified node(s)`,
          observedGeneration: generation,
        }
      : {
          type: 'Ready',
          status: 'False',
          reason: 'NoVerifiedNodes',
          message: `${capacity.nodes} node(s) match the selector, none verified`,
          observedGeneration: generation,
        },
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
      : {
          type: 'HardwareMatches',
          status: 'True',
          reason: 'FeatureDiscoveryAgrees',
          message: 'GPU Feature Discovery labels agree with the declared model and memory',
          observedGeneration: generation,
        },
    now,
  );
  return { status, poolNodes: capacity.verifiedNodes };
}

/**
 * The Nodes whose pool label must change: [name, should carry it]. A node carries one pool label: one that
 * another live pool (`otherPools`) put there first stays, or two pools whose selectors overlap would
 * relabel it in turn forever (each write wakes the other), and that stream of Node updates starves the
 * kubelet's own status writes until the node is marked unreachable.
 */
export function poolLabelChanges(
  nodes: readonly V1Node[],
  label: string,
  pool: string,
  members: ReadonlySet<string>,
  otherPools: ReadonlySet<string> = new Set(),
): [string, boolean][] {
  const changes: [string, boolean][] = [];
  for (const node of nodes) {
    const name = node.metadata!.name!;
    const current = node.metadata?.labels?.[label];
    const should = members.has(name) && !(current !== undefined && current !== pool && otherPools.has(current));
    if ((current === pool) !== should) changes.push([name, should]);
  }
  return changes;
}
