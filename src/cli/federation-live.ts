// The federation read from a live host: loaded only by the commands that talk
// to one, as the Kubernetes client is most of empirectl's start-up cost.
import type { KubeConfig } from '@kubernetes/client-node';
import type { GpuPool, MemberCluster, SovereignNode } from '../api/generated/types.ts';
import { GpuPoolKind } from '../api/schema/gpupool.ts';
import { MemberClusterKind } from '../api/schema/membercluster.ts';
import { SovereignNodeKind } from '../api/schema/sovereignnode.ts';
import { kindClient } from '../runtime/kind-client.ts';
import type { FederationObjects } from '../scheduler/snapshot-builder.ts';

/** The federation as a host API server describes it now. */
export async function readFederation(host: KubeConfig): Promise<FederationObjects> {
  const [memberClusters, sovereignNodes, gpuPools] = await Promise.all([
    kindClient<MemberCluster>(host, MemberClusterKind).list(),
    kindClient<SovereignNode>(host, SovereignNodeKind).list(),
    kindClient<GpuPool>(host, GpuPoolKind).list(),
  ]);
  return { memberClusters: memberClusters.items, sovereignNodes: sovereignNodes.items, gpuPools: gpuPools.items };
}
