// Builds the scheduler's snapshot from the API objects the controllers cache.
// Countries and jurisdictions come only from host-verified SovereignNodes
// (their credentials), never from MemberCluster fields or labels anyone can set.
import type { Condition, GpuPool, MemberCluster, SovereignNode } from '../api/generated/types.ts';
import {
  indexPools,
  makePoolGroup,
  makeSnapshot,
  placeKey,
  type ClusterInfo,
  type CountryGroup,
  type NodeInfo,
  type PoolInfo,
  type PoolNode,
  type Snapshot,
} from './snapshot.ts';

export interface FederationObjects {
  memberClusters: readonly MemberCluster[];
  sovereignNodes: readonly SovereignNode[];
  gpuPools: readonly GpuPool[];
}

const condition = (conditions: readonly Condition[] | undefined, type: string) => conditions?.find((c) => c.type === type);

/**
 * A node counts when its Verified condition is True for its current spec, it
 * has an attested country, and its credential has not expired by `now`.
 */
export function verifiedNode(node: SovereignNode, nowMs: number): NodeInfo | undefined {
  const verified = condition(node.status?.conditions, 'Verified');
  if (verified?.status !== 'True' || !node.status?.countryCode) return undefined;
  const generation = node.metadata.generation;
  if (generation !== undefined && verified.observedGeneration !== undefined && verified.observedGeneration !== generation) return undefined;
  if (node.status.expiresAt && Date.parse(node.status.expiresAt) <= nowMs) return undefined;
  return {
    name: node.spec.nodeName,
    did: node.spec.did,
    country: node.status.countryCode,
    ...(node.status.jurisdiction && { jurisdiction: node.status.jurisdiction }),
    ...(node.status.provider && { provider: node.status.provider }),
  };
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Groups by attested country; a group's jurisdiction is the one all its nodes share (none if they disagree). */
function groupByCountry<T>(items: readonly T[], node: (item: T) => NodeInfo): { country: string; jurisdiction?: string; items: T[] }[] {
  const groups = new Map<string, { country: string; jurisdiction?: string; mixed: boolean; items: T[] }>();
  for (const item of items) {
    const n = node(item);
    const group = groups.get(n.country);
    if (!group) groups.set(n.country, { country: n.country, jurisdiction: n.jurisdiction, mixed: false, items: [item] });
    else {
      group.items.push(item);
      if (group.jurisdiction !== n.jurisdiction) group.mixed = true;
    }
  }
  return [...groups.values()]
    .sort((a, b) => (a.country < b.country ? -1 : 1))
    .map((g) => ({ country: g.country, ...(!g.mixed && g.jurisdiction && { jurisdiction: g.jurisdiction }), items: g.items }));
}

function poolInfo(pool: GpuPool, verified: ReadonlyMap<string, NodeInfo>): PoolInfo {
  const nodes: PoolNode[] = [];
  let allocatable = 0;
  for (const entry of pool.status?.nodeCapacity ?? []) {
    const node = verified.get(entry.name);
    if (!node) continue;
    const held = Math.min(entry.federationAllocated ?? 0, entry.allocated);
    nodes.push({ node, free: Math.max(0, entry.allocatable - entry.allocated), ...(held > 0 && { held }) });
    allocatable += entry.allocatable;
  }
  nodes.sort((a, b) => byName(a.node, b.node));
  const groups = groupByCountry(nodes, (n) => n.node).map((g) => makePoolGroup(g.country, g.jurisdiction, g.items));
  const ready = condition(pool.status?.conditions, 'Ready');
  const amount = pool.spec.pricePerGpuHour?.amount;
  return {
    name: pool.metadata.name!,
    cluster: pool.spec.memberCluster,
    resourceName: pool.spec.resourceName,
    model: pool.spec.model,
    ...(pool.spec.memoryMiB !== undefined && { memoryMiB: pool.spec.memoryMiB }),
    provider: pool.spec.provider,
    ...(amount !== undefined && { price: Number(amount), priceText: amount, currency: pool.spec.pricePerGpuHour?.currency ?? 'EUR' }),
    ready: ready?.status === 'True',
    ...(ready && ready.status !== 'True' && { readyMessage: ready.message }),
    groups,
    free: groups.reduce((sum, g) => sum + g.free, 0),
    allocatable,
  };
}

/** The snapshot of a federation at `nowMs` (credential expiry is judged against it). */
export function buildSnapshot(objects: FederationObjects, nowMs: number): Snapshot {
  const verifiedByCluster = new Map<string, Map<string, NodeInfo>>();
  for (const node of objects.sovereignNodes) {
    const info = verifiedNode(node, nowMs);
    if (!info) continue;
    let nodes = verifiedByCluster.get(node.spec.memberCluster);
    if (!nodes) verifiedByCluster.set(node.spec.memberCluster, (nodes = new Map()));
    nodes.set(info.name, info);
  }
  const poolsByCluster = new Map<string, GpuPool[]>();
  for (const pool of objects.gpuPools) {
    if (pool.metadata.deletionTimestamp) continue;
    const list = poolsByCluster.get(pool.spec.memberCluster) ?? [];
    list.push(pool);
    poolsByCluster.set(pool.spec.memberCluster, list);
  }
  const clusters = objects.memberClusters
    .filter((member) => !member.metadata.deletionTimestamp)
    .map((member): ClusterInfo => {
      const name = member.metadata.name!;
      const verified = verifiedByCluster.get(name) ?? new Map<string, NodeInfo>();
      const nodes = [...verified.values()].sort(byName);
      const countries: CountryGroup[] = groupByCountry(nodes, (n) => n).map((g) => ({
        country: g.country,
        ...(g.jurisdiction && { jurisdiction: g.jurisdiction }),
        placeKey: placeKey(g.country, g.jurisdiction),
        nodes: g.items,
      }));
      const resources = member.status?.verifiedResources;
      const pools = (poolsByCluster.get(name) ?? []).map((p) => poolInfo(p, verified)).sort(byName);
      return {
        name,
        labels: member.metadata.labels ?? {},
        provider: member.spec.provider,
        ...(member.spec.region && { region: member.spec.region }),
        declaredCountry: member.spec.country,
        taints: member.spec.taints ?? [],
        ready: condition(member.status?.conditions, 'Ready')?.status === 'True',
        ...(member.spec.allowedRegistries?.length && { allowedRegistries: new Set(member.spec.allowedRegistries) }),
        countries,
        verifiedNodes: nodes.length,
        cpuMillisFree: resources?.cpuMillis ?? 0,
        memoryMiBFree: resources?.memoryMiB ?? 0,
        cpuMillisBase: resources?.cpuMillis ?? 0,
        pools,
        poolsByResource: indexPools(pools),
      };
    });
  return makeSnapshot(clusters);
}
