import { currentPods, type FilterPlugin } from '../framework.ts';
import type { ClusterInfo } from '../snapshot.ts';

export const RESOURCE_FIT = 'ResourceFit';

/** A bound for pods that request no CPU or memory: they fit without limit, as in the kube-scheduler. */
export const UNBOUNDED_PODS = 1_000_000;

/** Pods of the request's CPU and memory that fit on the cluster's free verified capacity. */
export function podsThatFit(cluster: ClusterInfo, cpuMillisPerPod: number, memoryMiBPerPod: number): number {
  let pods = UNBOUNDED_PODS;
  if (cpuMillisPerPod > 0) pods = Math.min(pods, Math.floor(cluster.cpuMillisFree / cpuMillisPerPod));
  if (memoryMiBPerPod > 0) pods = Math.min(pods, Math.floor(cluster.memoryMiBFree / memoryMiBPerPod));
  return pods;
}

/** CPU and memory requests of one pod against what the cluster's verified nodes have free. */
export const resourceFit: FilterPlugin = {
  name: RESOURCE_FIT,
  applies: ({ request }) => request.cpuMillisPerPod > 0 || request.memoryMiBPerPod > 0,
  filter({ request, options }, cluster) {
    // The workload's own pods hold CPU and memory here already.
    if (currentPods(options, cluster.name) > 0) return undefined;
    if (request.cpuMillisPerPod > cluster.cpuMillisFree) {
      return {
        plugin: RESOURCE_FIT,
        code: 'InsufficientCpu',
        reason: `a pod requests ${request.cpuMillisPerPod}m CPU; verified nodes of ${cluster.name} have ${cluster.cpuMillisFree}m free`,
      };
    }
    if (request.memoryMiBPerPod > cluster.memoryMiBFree) {
      return {
        plugin: RESOURCE_FIT,
        code: 'InsufficientMemory',
        reason: `a pod requests ${request.memoryMiBPerPod}Mi memory; verified nodes of ${cluster.name} have ${cluster.memoryMiBFree}Mi free`,
      };
    }
    return undefined;
  },
};
