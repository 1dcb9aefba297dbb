import type { SovereignNode } from '../api/generated/types.ts';

/** Whether the host has verified this SovereignNode for its current spec. */
export function isVerified(node: SovereignNode): boolean {
  const condition = node.status?.conditions?.find((c) => c.type === 'Verified');
  return condition?.status === 'True' && condition.observedGeneration === node.metadata.generation;
}

/**
 * The node names of `cluster` that the host has verified: capacity is counted
 * from these facts, never from member Node labels, which a member admin could set.
 */
export function verifiedNodeNames(nodes: readonly SovereignNode[], cluster: string): Set<string> {
  return new Set(nodes.filter((n) => n.spec.memberCluster === cluster && isVerified(n)).map((n) => n.spec.nodeName));
}
