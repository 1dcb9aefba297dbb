import type { V1Container, V1Node, V1Pod } from '@kubernetes/client-node';
import type { GpuPoolSpec } from '../api/generated/types.ts';
import { matchesSelector } from './selector.ts';

/** GPU Feature Discovery labels (NVIDIA GPU Operator). */
export const GFD_PRODUCT = 'nvidia.com/gpu.product';
export const GFD_MEMORY = 'nvidia.com/gpu.memory';
export const GFD_COUNT = 'nvidia.com/gpu.count';

export interface HardwareMismatch {
  node: string;
  label: string;
  declared: string;
  reported: string;
}

export interface PoolCapacity {
  /** Nodes the selector matches. */
  nodes: number;
  /** The matching nodes whose SovereignNode is verified: the only ones that count. */
  verifiedNodes: string[];
  capacity: number;
  allocatable: number;
  allocated: number;
  /** Of `allocated`, what the federation's own pods request. */
  federationAllocated: number;
  /** Per verified node, by name: a pod needing several devices must find them on one node. */
  perNode: { name: string; allocatable: number; allocated: number; federationAllocated: number }[];
  /** Selected, verified nodes left out because another pool counts them, by name: that pool's name. */
  claimed: { name: string; pool: string }[];
  mismatches: HardwareMismatch[];
}

/** Extended resources are whole numbers; anything else counts as none. */
function count(quantity: string | undefined): number {
  if (quantity === undefined || !/^\d+$/.test(quantity)) return 0;
  return Number(quantity);
}

function containerRequest(container: V1Container, resource: string): number {
  // Extended resources may be given as limits only; the request then equals the limit.
  return count(container.resources?.requests?.[resource] ?? container.resources?.limits?.[resource]);
}

/** A pod's effective request, as the scheduler computes it: max(sum of containers, largest init container). */
export function podRequest(pod: V1Pod, resource: string): number {
  const main = (pod.spec?.containers ?? []).reduce((sum, c) => sum + containerRequest(c, resource), 0);
  const init = Math.max(0, ...(pod.spec?.initContainers ?? []).map((c) => containerRequest(c, resource)));
  return Math.max(main, init);
}

const finished = (pod: V1Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

function mismatchesOf(spec: GpuPoolSpec, node: V1Node): HardwareMismatch[] {
  const labels = node.metadata?.labels ?? {};
  const name = node.metadata!.name!;
  const found: HardwareMismatch[] = [];
  if (labels[GFD_PRODUCT] !== undefined && labels[GFD_PRODUCT] !== spec.model) {
    found.push({ node: name, label: GFD_PRODUCT, declared: spec.model, reported: labels[GFD_PRODUCT] });
  }
  if (spec.memoryMiB !== undefined && labels[GFD_MEMORY] !== undefined && labels[GFD_MEMORY] !== String(spec.memoryMiB)) {
    found.push({ node: name, label: GFD_MEMORY, declared: String(spec.memoryMiB), reported: labels[GFD_MEMORY] });
  }
  // gpu.count is whole GPUs: comparable with capacity only for the whole-GPU resource.
  const capacity = node.status?.capacity?.[spec.resourceName];
  if (spec.resourceName === 'nvidia.com/gpu' && labels[GFD_COUNT] !== undefined && capacity !== undefined && labels[GFD_COUNT] !== capacity) {
    found.push({ node: name, label: GFD_COUNT, declared: `capacity ${capacity}`, reported: labels[GFD_COUNT] });
  }
  return found;
}

export interface PoolCountOptions {
  /** Whether a pod is one the federation placed: its devices are also booked by its workload's decision, so the scheduler counts them there. */
  federationPod?: (pod: V1Pod) => boolean;
  /** Nodes another pool counts (it labelled them first), by node name: that pool's name. A node counts in one pool only. */
  claimedByOtherPools?: ReadonlyMap<string, string>;
}

/**
 * What a pool offers, from the member's Nodes and Pods and the set of node
 * names the host has verified (SovereignNode verdicts, not member labels).
 */
export function poolCapacity(spec: GpuPoolSpec, nodes: V1Node[], pods: V1Pod[], verified: ReadonlySet<string>, options: PoolCountOptions = {}): PoolCapacity {
  const matching = nodes.filter((n) => matchesSelector(n.metadata?.labels, spec.nodeSelector));
  const claimed: { name: string; pool: string }[] = [];
  const counted = matching.filter((n) => {
    const name = n.metadata!.name!;
    if (!verified.has(name)) return false;
    const other = options.claimedByOtherPools?.get(name);
    if (other !== undefined) claimed.push({ name, pool: other });
    return other === undefined;
  });
  const names = new Set(counted.map((n) => n.metadata!.name!));
  let allocated = 0;
  let federationAllocated = 0;
  const allocatedOn = new Map<string, { all: number; federation: number }>();
  for (const pod of pods) {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || !names.has(nodeName) || finished(pod)) continue;
    const request = podRequest(pod, spec.resourceName);
    const own = options.federationPod?.(pod) ? request : 0;
    allocated += request;
    federationAllocated += own;
    const on = allocatedOn.get(nodeName) ?? { all: 0, federation: 0 };
    allocatedOn.set(nodeName, { all: on.all + request, federation: on.federation + own });
  }
  const perNode = counted
    .map((n) => ({
      name: n.metadata!.name!,
      allocatable: count(n.status?.allocatable?.[spec.resourceName]),
      allocated: allocatedOn.get(n.metadata!.name!)?.all ?? 0,
      federationAllocated: allocatedOn.get(n.metadata!.name!)?.federation ?? 0,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    nodes: matching.length,
    verifiedNodes: [...names].sort(),
    capacity: counted.reduce((sum, n) => sum + count(n.status?.capacity?.[spec.resourceName]), 0),
    allocatable: counted.reduce((sum, n) => sum + count(n.status?.allocatable?.[spec.resourceName]), 0),
    allocated,
    federationAllocated,
    perNode,
    claimed: claimed.sort((a, b) => (a.name < b.name ? -1 : 1)),
    mismatches: counted.flatMap((n) => mismatchesOf(spec, n)),
  };
}
