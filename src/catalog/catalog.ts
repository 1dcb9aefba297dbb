import type { GpuPool, MemberCluster } from '../api/generated/types.ts';

/** One sovereign GPU offering: what a customer can rent, where, from whom, at what price. */
export interface Offering {
  id: string;
  memberCluster: string;
  pool: string;
  provider: string;
  /** Attested by the verified nodes' credentials, not declared by the cluster. */
  countries: string[];
  region?: string;
  model: string;
  resourceName: string;
  memoryMiB?: number;
  verifiedNodes: number;
  totalGpus: number;
  freeGpus: number;
  pricePerGpuHour?: { amount: string; currency: string };
}

export interface CatalogFilter {
  country?: string;
  /** Case-insensitive part of the GPU model, e.g. h100. */
  gpu?: string;
}

const condition = (pool: GpuPool, type: string) => pool.status?.conditions?.find((c) => c.type === type);

function current(pool: GpuPool): boolean {
  return pool.status?.observedGeneration === pool.metadata.generation;
}

/**
 * The federation's offerings from verified facts only: a pool counts when its
 * status describes its current spec, it has verified nodes, its hardware
 * agrees with GPU Feature Discovery, and its member cluster is Ready.
 */
export function buildCatalog(pools: readonly GpuPool[], clusters: readonly MemberCluster[], filter: CatalogFilter = {}): Offering[] {
  const ready = new Map(clusters.filter((c) => c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')).map((c) => [c.metadata.name!, c]));
  const offerings: Offering[] = [];
  for (const pool of pools) {
    const cluster = ready.get(pool.spec.memberCluster);
    if (!cluster || !current(pool)) continue;
    if (condition(pool, 'Ready')?.status !== 'True' || condition(pool, 'HardwareMatches')?.status !== 'True') continue;
    const countries = pool.status?.countries ?? [];
    if (!countries.length) continue;
    const allocatable = pool.status?.allocatable ?? 0;
    offerings.push({
      id: `urn:cloudempire:offering:${pool.spec.memberCluster}:${pool.metadata.name}`,
      memberCluster: pool.spec.memberCluster,
      pool: pool.metadata.name!,
      provider: pool.spec.provider,
      countries,
      region: cluster.spec.region,
      model: pool.spec.model,
      resourceName: pool.spec.resourceName,
      memoryMiB: pool.spec.memoryMiB,
      verifiedNodes: pool.status?.verifiedNodes ?? 0,
      totalGpus: allocatable,
      freeGpus: Math.max(0, allocatable - (pool.status?.allocated ?? 0)),
      pricePerGpuHour: pool.spec.pricePerGpuHour
        ? { amount: pool.spec.pricePerGpuHour.amount, currency: pool.spec.pricePerGpuHour.currency ?? 'EUR' }
        : undefined,
    });
  }
  const gpu = filter.gpu?.toLowerCase();
  return offerings
    .filter((o) => !filter.country || o.countries.includes(filter.country))
    .filter((o) => !gpu || o.model.toLowerCase().includes(gpu))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export function catalogTable(offerings: readonly Offering[]): string {
  const rows = [
    ['CLUSTER', 'POOL', 'PROVIDER', 'COUNTRY', 'GPU', 'RESOURCE', 'FREE', 'TOTAL', 'PRICE/GPU-H'],
    ...offerings.map((o) => [
      o.memberCluster,
      o.pool,
      o.provider,
      o.countries.join(','),
      o.model,
      o.resourceName,
      String(o.freeGpus),
      String(o.totalGpus),
      o.pricePerGpuHour ? `${o.pricePerGpuHour.amount} ${o.pricePerGpuHour.currency}` : '-',
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('   ')
        .trimEnd(),
    )
    .join('\n');
}
