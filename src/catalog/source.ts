import type { KubeConfig } from '@kubernetes/client-node';
import type { GpuPool, MemberCluster } from '../api/generated/types.ts';
import { GpuPoolKind } from '../api/schema/gpupool.ts';
import { MemberClusterKind } from '../api/schema/membercluster.ts';
import { kindClient } from '../runtime/kind-client.ts';
import { buildCatalog, type CatalogFilter, type Offering } from './catalog.ts';

/** The catalog of the federation a host API server describes. */
export async function readCatalog(host: KubeConfig, filter: CatalogFilter = {}): Promise<Offering[]> {
  const [pools, clusters] = await Promise.all([kindClient<GpuPool>(host, GpuPoolKind).list(), kindClient<MemberCluster>(host, MemberClusterKind).list()]);
  return buildCatalog(pools.items, clusters.items, filter);
}
