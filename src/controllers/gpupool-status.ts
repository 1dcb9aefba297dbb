// What the GpuPool reconciler decides, as pure functions of what it read.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { GpuPool, GpuPoolStatus, SovereignNode } from '../api/generated/types.ts';
import { poolCapacity } from '../capacity/gpu-pool.ts';
import { LABEL_MANAGED_BY, LABEL_WORKLOAD, MANAGED_BY } from '../cluster/propagation/index.ts';
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

/** A pod the operator placed for a FederatedWorkload: its devices are that workload's booking, counted once by the scheduler. */
export const isFederationPod = (pod: V1Pod) => pod.metadata?.labels?.[LABEL_MANAGED_BY] === MANAGED_BY && Boolean(pod.metadata.labels[LABEL_WORKLOAD]);

/**
 * The member's nodes that carry another live pool's label (that pool labelled
 * them first, see `poolLabelChanges`), by node name: that pool's name. They
 * count in that pool, not in this one.
 */
export function nodesClaimedByOtherPools(nodes: readonly V1Node[], label: string, pool: string, otherPools: ReadonlySet<string>): Map<string, string> {
  const claimed = new Map<string, string>();
  for (const node of nodes) {
    const current = node.metadata?.labels?.[label];
    if (current !== undefined && current !== pool && otherPools.has(current)) claimed.set(node.metadata!.name!, current);
  }
  return claimed;
}

/**
 * The pool's status from the member's Nodes and Pods and the host's
 * SovereignNodes, or — when the member cannot be read — the last counts with
 * Ready=False and the reason. Nodes another pool counts (`claimed`) are left
 * out and named in the NodesExclusive condition.
 */
export function gpuPoolStatus(
  pool: GpuPool,
  member: { nodes: readonly V1Node[]; pods: readonly V1Pod[] } | MemberFailure,
  sovereignNodes: readonly SovereignNode[],
  now: Date,
  claimed: ReadonlyMap<string, string> = new Map(),
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
  const capacity = poolCapacity(pool.spec, [...member.nodes], [...member.pods], verifiedNodeNames(sovereignNodes, cluster), {
    federationPod: isFederationPod,
    claimedByOtherPools: claimed,
  });
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
    federationAllocated: capacity.federationAllocated,
    // The schema keeps 5,000 nodes per pool; past that the pool counts fewer than it has, never more.
    nodeCapacity: capacity.perNode.slice(0, 5000),
    countries,
  });
  if (capacity.claimed.length) status.claimedNodes = capacity.claimed.slice(0, 5000);
  else delete status.claimedNodes;
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
          message: `${capacity.nodes} node(s) match the selector, none verified${capacity.claimed.length ? ` outside other pools (${capacity.claimed.length} count in another pool)` : ''}`,
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
  status.conditions = setCondition(status.conditions, exclusiveCondition(capacity.claimed, generation), now);
  return { status, poolNodes: capacity.verifiedNodes };
}

function exclusiveCondition(claimed: readonly { name: string; pool: string }[], generation: number) {
  if (!claimed.length)
    return {
      type: 'NodesExclusive',
      status: 'True' as const,
      reason: 'NoOverlap',
      message: 'no selected node is counted by another pool',
      observedGeneration: generation,
    };
  const byPool = new Map<string, string[]>();
  for (const c of claimed) byPool.set(c.pool, [...(byPool.get(c.pool) ?? []), c.name]);
  const shown = [...byPool].map(
    ([other, nodes]) => `${nodes.slice(0, 10).join(', ')}${nodes.length > 10 ? ` and ${nodes.length - 10} more` : ''} to pool ${other}`,
  );
  return {
    type: 'NodesExclusive',
    status: 'False' as const,
    reason: 'NodesClaimedByOtherPool',
    message: `${claimed.length} verified node(s) the selector matches belong to another pool, which labelled them first, and count there, not here: ${shown.join('; ')}`,
    observedGeneration: generation,
  };
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
