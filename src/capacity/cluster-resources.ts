import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { VerifiedResources } from '../api/generated/types.ts';
import { cpuMillis, memoryMiB, parseQuantity } from './quantity.ts';

type Parse = (q: string | undefined) => number | undefined;

function podRequest(pod: V1Pod, resource: string, parse: Parse): number {
  const of = (c: { resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }) =>
    parse(c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource]) ?? 0;
  const main = (pod.spec?.containers ?? []).reduce((sum, c) => sum + of(c), 0);
  return Math.max(main, ...(pod.spec?.initContainers ?? []).map(of));
}

/**
 * Free CPU and memory on a member's verified nodes: allocatable minus what
 * unfinished pods bound there request, as the kube-scheduler counts it.
 */
export function verifiedResources(nodes: readonly V1Node[], pods: readonly V1Pod[], verified: ReadonlySet<string>): VerifiedResources {
  let cpu = 0;
  let memory = 0;
  const counted = new Set<string>();
  for (const node of nodes) {
    const name = node.metadata!.name!;
    if (!verified.has(name)) continue;
    counted.add(name);
    cpu += cpuMillis(node.status?.allocatable?.cpu) ?? 0;
    // What a node offers is rounded down, what a pod asks for up: never over-counted.
    memory += Math.floor((parseQuantity(node.status?.allocatable?.memory) ?? 0) / 2 ** 20);
  }
  for (const pod of pods) {
    const phase = pod.status?.phase;
    if (!pod.spec?.nodeName || !counted.has(pod.spec.nodeName) || phase === 'Succeeded' || phase === 'Failed') continue;
    cpu -= podRequest(pod, 'cpu', cpuMillis);
    memory -= podRequest(pod, 'memory', memoryMiB);
  }
  return { cpuMillis: Math.max(0, cpu), memoryMiB: Math.max(0, memory) };
}
