// The scheduler's view of the federation: immutable, precomputed per cluster
// and per pool so that a decision reads aggregates instead of walking nodes.
// Reserving a decision returns a new snapshot that shares every cluster it
// did not touch.
import type { ClusterTaint, LabelSelector } from '../api/generated/types.ts';

/** A host-verified node: its identity and what its credential attests. */
export interface NodeInfo {
  name: string;
  did: string;
  country: string;
  jurisdiction?: string;
  provider?: string;
}

/** Where a group of nodes is attested: the country and jurisdiction every placement rule reads. */
export interface Place {
  country: string;
  jurisdiction?: string;
  /** country/jurisdiction, precomputed: decisions memoize their verdict on a place by it. */
  placeKey: string;
}

export const placeKey = (country: string, jurisdiction: string | undefined) => (jurisdiction === undefined ? country : `${country}/${jurisdiction}`);

/** Verified nodes of one cluster in one attested country. */
export interface CountryGroup extends Place {
  country: string;
  /** The jurisdiction every node of the group is attested in; undefined when they disagree or none is attested. */
  jurisdiction?: string;
  nodes: readonly NodeInfo[];
}

export interface PoolNode {
  node: NodeInfo;
  /** Allocatable minus allocated on this node. */
  free: number;
  /**
   * Of the allocated devices, those the federation's own pods hold and no
   * booking has accounted for yet: a booking takes these before free ones, so
   * a placed workload's bound pods are not subtracted twice.
   */
  held?: number;
}

/** Devices a workload's recorded decision books on a pool. */
export interface BookedBy {
  workload: string;
  devices: number;
}

/** A pool's verified nodes in one attested country, with their free devices. */
export interface PoolGroup extends Place {
  country: string;
  jurisdiction?: string;
  nodes: readonly PoolNode[];
  free: number;
  maxNodeFree: number;
  /** nodesWithFree[k]: how many nodes have exactly k devices free (k ≤ maxNodeFree), so slots are counted without walking nodes; empty when devices per node run into thousands. */
  readonly nodesWithFree: Int32Array;
}

export interface PoolInfo {
  name: string;
  cluster: string;
  resourceName: string;
  model: string;
  memoryMiB?: number;
  provider: string;
  /** Price per device-hour as a number for ordering; the text is what the user wrote. */
  price?: number;
  priceText?: string;
  currency?: string;
  ready: boolean;
  readyMessage?: string;
  groups: readonly PoolGroup[];
  free: number;
  allocatable: number;
  /** What recorded decisions book on the pool, largest first: already deducted from `free`, named when a workload does not fit. */
  booked?: readonly BookedBy[];
}

export interface ClusterInfo {
  name: string;
  labels: Readonly<Record<string, string>>;
  provider: string;
  region?: string;
  /** The country the MemberCluster declares; placement uses attested countries only. */
  declaredCountry: string;
  taints: readonly ClusterTaint[];
  ready: boolean;
  allowedRegistries?: ReadonlySet<string>;
  countries: readonly CountryGroup[];
  verifiedNodes: number;
  cpuMillisFree: number;
  memoryMiBFree: number;
  /** Total CPU before any reservation in this snapshot lineage, for utilization. */
  cpuMillisBase: number;
  pools: readonly PoolInfo[];
  /** The pools by device resource name, in name order: a decision looks only at the pools offering what it asks for. */
  poolsByResource: ReadonlyMap<string, ResourcePools>;
}

export interface ResourcePools {
  pools: readonly PoolInfo[];
  /** The most devices free on any one verified node of these pools: a pod needing more fits none of them. */
  maxNodeFree: number;
  free: number;
}

export function indexPools(pools: readonly PoolInfo[]): ReadonlyMap<string, ResourcePools> {
  const index = new Map<string, { pools: PoolInfo[]; maxNodeFree: number; free: number }>();
  for (const pool of pools) {
    let entry = index.get(pool.resourceName);
    if (!entry) index.set(pool.resourceName, (entry = { pools: [], maxNodeFree: 0, free: 0 }));
    entry.pools.push(pool);
    entry.free += pool.free;
    for (const group of pool.groups) if (group.maxNodeFree > entry.maxNodeFree) entry.maxNodeFree = group.maxNodeFree;
  }
  return index;
}

export interface Snapshot {
  /** Sorted by name: iteration order is part of determinism. */
  readonly clusters: readonly ClusterInfo[];
  /** Position of each cluster in `clusters`; shared by every snapshot reserved from this one. */
  readonly indexOf: ReadonlyMap<string, number>;
}

export function clusterNamed(snapshot: Snapshot, name: string): ClusterInfo | undefined {
  const index = snapshot.indexOf.get(name);
  return index === undefined ? undefined : snapshot.clusters[index];
}

export type { ClusterTaint, LabelSelector };

export function slotsFor(group: PoolGroup, perPod: number): number {
  if (perPod <= 1) return group.free;
  if (perPod > group.maxNodeFree) return 0;
  let slots = 0;
  const histogram = group.nodesWithFree;
  if (!histogram.length) {
    for (const n of group.nodes) slots += Math.floor(n.free / perPod);
    return slots;
  }
  for (let free = perPod; free < histogram.length; free++) if (histogram[free]) slots += histogram[free] * Math.floor(free / perPod);
  return slots;
}

export function makePoolGroup(country: string, jurisdiction: string | undefined, nodes: readonly PoolNode[]): PoolGroup {
  let free = 0;
  let maxNodeFree = 0;
  for (const n of nodes) {
    free += n.free;
    if (n.free > maxNodeFree) maxNodeFree = n.free;
  }
  // Devices per node are few (8 GPUs, 56 MIG slices); a resource counted in thousands walks the nodes instead.
  const nodesWithFree = new Int32Array(maxNodeFree <= 1024 ? maxNodeFree + 1 : 0);
  if (nodesWithFree.length) for (const n of nodes) nodesWithFree[n.free]++;
  return { country, jurisdiction, placeKey: placeKey(country, jurisdiction), nodes, free, maxNodeFree, nodesWithFree };
}

export function makeSnapshot(clusters: readonly ClusterInfo[]): Snapshot {
  const sorted = [...clusters].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const indexOf = new Map<string, number>();
  sorted.forEach((c, i) => {
    if (indexOf.has(c.name)) throw new Error(`snapshot: cluster ${c.name} appears twice`);
    indexOf.set(c.name, i);
  });
  return { clusters: sorted, indexOf };
}

/** What one placement takes from a cluster: pods of this shape, in this pool group. */
export interface Reservation {
  cluster: string;
  pods: number;
  cpuMillisPerPod: number;
  memoryMiBPerPod: number;
  pool?: string;
  country?: string;
  devicesPerPod?: number;
}

/**
 * Deducts placements from the snapshot. Devices are taken node by node, each
 * node giving whole pods only, in the group's (name) order, so the next
 * decision sees exactly what is left. Refuses (throws) a reservation that does
 * not fit: a caller bug must not silently double-book.
 */
export function reserve(snapshot: Snapshot, reservations: readonly Reservation[]): Snapshot {
  const changed = new Map<string, ClusterInfo>();
  for (const r of reservations) {
    if (r.pods <= 0) continue;
    const cluster = changed.get(r.cluster) ?? clusterNamed(snapshot, r.cluster);
    if (!cluster) throw new Error(`reserve: cluster ${r.cluster} is not in the snapshot`);
    const cpu = r.pods * r.cpuMillisPerPod;
    const memory = r.pods * r.memoryMiBPerPod;
    if (cpu > cluster.cpuMillisFree || memory > cluster.memoryMiBFree) {
      throw new Error(`reserve: ${r.pods} pod(s) exceed the free CPU or memory of ${r.cluster}`);
    }
    let pools = cluster.pools;
    if (r.pool !== undefined) {
      const perPod = r.devicesPerPod ?? 1;
      const index = pools.findIndex((p) => p.name === r.pool);
      if (index < 0) throw new Error(`reserve: pool ${r.pool} is not in cluster ${r.cluster}`);
      const pool = pools[index];
      const groups = pool.groups.map((g) => (g.country === r.country ? takeDevices(g, r.pods, perPod, pool.name) : g));
      const next = pools.slice();
      next[index] = { ...pool, groups, free: pool.free - r.pods * perPod };
      pools = next;
    }
    changed.set(r.cluster, {
      ...cluster,
      pools,
      poolsByResource: pools === cluster.pools ? cluster.poolsByResource : indexPools(pools),
      cpuMillisFree: cluster.cpuMillisFree - cpu,
      memoryMiBFree: cluster.memoryMiBFree - memory,
    });
  }
  if (!changed.size) return snapshot;
  const clusters = snapshot.clusters.slice();
  for (const [name, cluster] of changed) clusters[snapshot.indexOf.get(name)!] = cluster;
  return { clusters, indexOf: snapshot.indexOf };
}

function takeDevices(group: PoolGroup, pods: number, perPod: number, pool: string): PoolGroup {
  let left = pods;
  const nodes = group.nodes.map((n) => {
    if (!left) return n;
    const take = Math.min(left, Math.floor(n.free / perPod));
    if (!take) return n;
    left -= take;
    return { ...n, free: n.free - take * perPod };
  });
  if (left) throw new Error(`reserve: ${pods} pod(s) of ${perPod} device(s) do not fit pool ${pool} in ${group.country}`);
  return makePoolGroup(group.country, group.jurisdiction, nodes);
}
