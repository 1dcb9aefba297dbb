import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { FederatedWorkload, GpuPool, MemberCluster, SovereignNode } from '../api/generated/types.ts';
import type { GpuPod } from './metering.ts';

// Which member pods hold GPUs now, and what the bill says about each: a
// pure function over one member's cached Pods and Nodes and the host's
// GpuPools, MemberClusters, SovereignNodes and FederatedWorkloads.

export const WORKLOAD_LABEL = 'cloudempire.eu/workload';
export const POOL_NODE_LABEL = 'gpu.cloudempire.eu/pool';

export interface HostFacts {
  pools: readonly GpuPool[];
  memberClusters: readonly MemberCluster[];
  sovereignNodes: readonly SovereignNode[];
  workloads: readonly FederatedWorkload[];
}

function gpusOf(pod: V1Pod, resourceName: string): number {
  let total = 0;
  for (const container of pod.spec?.containers ?? []) {
    const quantity = container.resources?.limits?.[resourceName] ?? container.resources?.requests?.[resourceName];
    const n = Number(quantity);
    if (Number.isFinite(n) && n > 0) total += n;
  }
  return total;
}

/** `<namespace>.<name>`: namespaces hold no dots, names may. */
export function parseWorkloadLabel(value: string | undefined): { namespace: string; name: string } | undefined {
  const dot = value?.indexOf('.') ?? -1;
  if (!value || dot <= 0 || dot === value.length - 1) return undefined;
  return { namespace: value.slice(0, dot), name: value.slice(dot + 1) };
}

/**
 * The running pods of `memberCluster` that belong to a FederatedWorkload
 * and hold GPUs of a pool: on a node labelled with the pool, with limits (or
 * requests) of the pool's resource. Each is priced from its pool and backed
 * by its workload's placement transaction when the status names one.
 */
export function gpuPodsOf(memberCluster: string, snapshot: { pods: readonly V1Pod[]; nodes: readonly V1Node[] }, facts: HostFacts): GpuPod[] {
  const pools = new Map(facts.pools.filter((p) => p.spec.memberCluster === memberCluster).map((p) => [p.metadata!.name!, p]));
  if (!pools.size) return [];
  const poolOfNode = new Map<string, GpuPool>();
  for (const node of snapshot.nodes) {
    const pool = pools.get(node.metadata?.labels?.[POOL_NODE_LABEL] ?? '');
    if (pool && node.metadata?.name) poolOfNode.set(node.metadata.name, pool);
  }
  const cluster = facts.memberClusters.find((c) => c.metadata?.name === memberCluster);
  const out: GpuPod[] = [];
  for (const pod of snapshot.pods) {
    const workload = parseWorkloadLabel(pod.metadata?.labels?.[WORKLOAD_LABEL]);
    const nodeName = pod.spec?.nodeName;
    const uid = pod.metadata?.uid;
    if (!workload || !nodeName || !uid || pod.status?.phase !== 'Running') continue;
    const pool = poolOfNode.get(nodeName);
    if (!pool) continue;
    const gpus = gpusOf(pod, pool.spec.resourceName);
    if (!gpus) continue;
    const startedAt = Date.parse(String(pod.status?.startTime ?? ''));
    if (Number.isNaN(startedAt)) continue; // running without a start time: seen again once the kubelet reports it
    const node = facts.sovereignNodes.find((n) => n.spec.memberCluster === memberCluster && n.spec.nodeName === nodeName);
    const fw = facts.workloads.find((w) => w.metadata?.namespace === workload.namespace && w.metadata?.name === workload.name);
    const price = pool.spec.pricePerGpuHour ? Number(pool.spec.pricePerGpuHour.amount) : undefined;
    out.push({
      uid,
      memberCluster,
      pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`,
      namespace: workload.namespace,
      name: workload.name,
      nodeName,
      pool: pool.metadata!.name!,
      resourceName: pool.spec.resourceName,
      gpus,
      startedAt,
      country: cluster?.spec.country,
      provider: pool.spec.provider,
      nodeDid: node?.spec.did,
      gpuModel: pool.spec.model,
      pricePerGpuHour: price !== undefined && Number.isFinite(price) ? price : undefined,
      currency: pool.spec.pricePerGpuHour ? (pool.spec.pricePerGpuHour.currency ?? undefined) : undefined,
      txId: (fw?.status as { decision?: { ledgerTxId?: string } } | undefined)?.decision?.ledgerTxId,
    });
  }
  return out;
}
