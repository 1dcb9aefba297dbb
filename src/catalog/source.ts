import type { KubeConfig } from '@kubernetes/client-node';
import type { GpuPool, MemberCluster } from '../api/generated/types.ts';
import { clusterCollection } from '../operator/objects.ts';
import { buildCatalog, type CatalogFilter, type Offering } from './catalog.ts';

/** The catalog of the federation a host API server describes. */
export async function readCatalog(host: KubeConfig, filter: CatalogFilter = {}): Promise<Offering[]> {
  const [pools, clusters] = await Promise.all([
    clusterCollection<GpuPool>(host, 'gpupools').list(),
    clusterCollection<MemberCluster>(host, 'memberclusters').list(),
  ]);
  return buildCatalog(pools.items, clusters.items, filter);
}
