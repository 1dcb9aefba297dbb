// GPU bookings: what recorded decisions hold on pools before (and while) their
// pods are bound, deducted from a snapshot as Kueue deducts admitted
// workloads from a ClusterQueue's quota. A GpuPool's status counts bound pods
// only, so without bookings two decisions made before the first one's pods
// bind would both take the same devices.
import type { FederatedWorkload } from '../api/generated/types.ts';
import { indexPools, makePoolGroup, type BookedBy, type ClusterInfo, type PoolInfo, type PoolNode, type Snapshot } from './snapshot.ts';

/** What one recorded share books: pods of `devicesPerPod` on a pool, in the country the ledger approved. */
export interface Booking {
  /** `<namespace>/<name>` of the workload. */
  workload: string;
  cluster: string;
  pool: string;
  country?: string;
  pods: number;
  devicesPerPod: number;
}

const finishedJob = (fw: FederatedWorkload) =>
  fw.spec.template.kind === 'Job' && fw.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True' && c.reason === 'JobsComplete') === true;

/**
 * The bookings of recorded, unfinished decisions: every GPU share in a
 * workload's `status.decision` that the ledger recorded. Statuses survive an
 * operator restart, so the bookings do too. A workload being deleted books
 * nothing more (its pods, until gone, are still counted as allocated), nor
 * does a Job whose pods all completed.
 */
export function bookingsOf(workloads: readonly FederatedWorkload[]): Booking[] {
  const out: Booking[] = [];
  for (const fw of workloads) {
    const decision = fw.status?.decision;
    const perPod = fw.spec.gpu?.count ?? 0;
    if (!decision?.ledgerTxId || !perPod || fw.metadata.deletionTimestamp || finishedJob(fw)) continue;
    const workload = `${fw.metadata.namespace}/${fw.metadata.name}`;
    for (const p of decision.placements) {
      if (!p.pool || p.replicas <= 0) continue;
      out.push({ workload, cluster: p.cluster, pool: p.pool, ...(p.country && { country: p.country }), pods: p.replicas, devicesPerPod: perPod });
    }
  }
  return out;
}

interface MutableNode extends PoolNode {
  held: number;
}

/**
 * Takes one booking from a pool's nodes: first from devices the federation's
 * pods already hold (they are the booking's bound pods, already allocated),
 * then whole pods from free devices, node by node in name order as `reserve`
 * does. A booking that no longer fits as pods (a node was revoked, or pods
 * wait Pending) still takes what devices are left: its pending pods will get
 * them first, so no new decision may count them.
 */
function take(nodes: MutableNode[], booking: Booking): void {
  const perPod = booking.devicesPerPod;
  let left = booking.pods;
  for (const n of nodes) {
    if (!left) return;
    const pods = Math.min(left, Math.floor(n.held / perPod));
    n.held -= pods * perPod;
    left -= pods;
  }
  for (const n of nodes) {
    if (!left) return;
    const pods = Math.min(left, Math.floor(n.free / perPod));
    n.free -= pods * perPod;
    left -= pods;
  }
  let devices = left * perPod;
  for (const n of nodes) {
    if (!devices) return;
    const some = Math.min(devices, n.free);
    n.free -= some;
    devices -= some;
  }
}

function bookPool(pool: PoolInfo, bookings: readonly Booking[]): PoolInfo {
  const groups = pool.groups.map((g) => ({ group: g, nodes: g.nodes.map((n): MutableNode => ({ ...n, held: n.held ?? 0 })) }));
  const byWorkload = new Map<string, number>();
  for (const b of bookings) {
    // The ledger approved the share in one country: its pods can only land on that country's nodes.
    const nodes = groups.filter((g) => b.country === undefined || g.group.country === b.country).flatMap((g) => g.nodes);
    take(nodes, b);
    byWorkload.set(b.workload, (byWorkload.get(b.workload) ?? 0) + b.pods * b.devicesPerPod);
  }
  const booked: BookedBy[] = [...byWorkload].map(([workload, devices]) => ({ workload, devices }));
  booked.sort((a, b) => b.devices - a.devices || (a.workload < b.workload ? -1 : 1));
  const next = groups.map(({ group, nodes }) => makePoolGroup(group.country, group.jurisdiction, nodes));
  return { ...pool, groups: next, free: next.reduce((sum, g) => sum + g.free, 0), booked: [...(pool.booked ?? []), ...booked] };
}

/** The snapshot with every booking deducted from its pool; bookings naming a cluster or pool the snapshot lacks are ignored (nothing to take from). */
export function book(snapshot: Snapshot, bookings: readonly Booking[]): Snapshot {
  const byPool = new Map<string, Booking[]>();
  for (const b of [...bookings].sort((x, y) => (x.workload < y.workload ? -1 : x.workload > y.workload ? 1 : 0))) {
    const key = `${b.cluster}/${b.pool}`;
    byPool.set(key, [...(byPool.get(key) ?? []), b]);
  }
  if (!byPool.size) return snapshot;
  const clusters = snapshot.clusters.map((cluster): ClusterInfo => {
    if (!cluster.pools.some((p) => byPool.has(`${cluster.name}/${p.name}`))) return cluster;
    const pools = cluster.pools.map((p) => {
      const own = byPool.get(`${cluster.name}/${p.name}`);
      return own ? bookPool(p, own) : p;
    });
    return { ...cluster, pools, poolsByResource: indexPools(pools) };
  });
  return { clusters, indexOf: snapshot.indexOf };
}

/** "8 booked by team/a, 4 by team/b": who holds a pool's devices, for the message of a workload that does not fit. */
export function bookedNote(pools: readonly Pick<PoolInfo, 'booked'>[]): string {
  const all = pools.flatMap((p) => p.booked ?? []);
  if (!all.length) return '';
  const shown = all.slice(0, 5).map((b, i) => `${b.devices} ${i ? 'by' : 'booked by'} ${b.workload}`);
  return `; ${shown.join(', ')}${all.length > 5 ? ` and ${all.length - 5} more workload(s)` : ''}`;
}
