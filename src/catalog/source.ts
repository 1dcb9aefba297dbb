import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { GpuPool, MemberCluster } from '../api/generated/types.ts';
import { GROUP, VERSION } from '../api/schema/common.ts';
import { buildCatalog, type CatalogFilter, type Offering } from './catalog.ts';

/** The catalog of the federation a host API server describes. */
export async function readCatalog(host: KubeConfig, filter: CatalogFilter = {}): Promise<Offering[]> {
  const custom = host.makeApiClient(CustomObjectsApi);
  const list = async <T>(plural: string) => ((await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural })) as { items: T[] }).items;
  const [pools, clusters] = await Promise.all([list<GpuPool>('gpupools'), list<MemberCluster>('memberclusters')]);
  return buildCatalog(pools, clusters, filter);
}
