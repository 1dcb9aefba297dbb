// The invariants of DESIGN.md, judged against the model's ground truth (what
// each credential really is, when it was revoked, where each node really
// is), not against the product's own view. Each check returns sentences
// naming what broke, so a shrunk counterexample reads as a bug report.
import { ACCESS_REASON_CODES, PLACEMENT_REASON_CODES, type RecordedDecision } from '@cloud-empire/chaincode/records';
import type { V1Node, V1PodSpec } from '@kubernetes/client-node';
import type { FederatedWorkload } from '../../src/api/generated/types.ts';
import { LABEL_WORKLOAD } from '../../src/cluster/propagation/labels.ts';
import { REASON_CODES } from '../../src/scheduler/reasons.ts';
import { conditionReason, REASONS } from '../../src/trust/reasons.ts';
import { nodeAdmits } from '../helpers/fake-member-api.ts';
import { GPU_RESOURCES, type WorkloadModel } from './arbitraries.ts';
import { NAMESPACE, T0, type FederationWorld, type NodeTruth } from './world.ts';

const NODE_REASONS = new Set<string>([...REASONS.map(conditionReason), 'LedgerUnavailable', 'LedgerRefused']);
/** The Scheduled condition's reasons: the scheduler's codes and the controller's own outcomes. */
const SCHEDULED_REASONS = new Set<string>([...REASON_CODES, 'Placed', 'FailedOver', 'LedgerUnavailable', 'LedgerRefused', 'InvalidSpec']);
const PLACEMENT_REASONS = new Set<string>(PLACEMENT_REASON_CODES);
const ACCESS_REASONS = new Set<string>(ACCESS_REASON_CODES);

const condition = (o: { status?: { conditions?: { type: string; status: string; reason: string }[] } } | undefined, type: string) =>
  o?.status?.conditions?.find((c) => c.type === type);

/** Whether the operator, when it last marked the node, had every reason to trust it: a good credential, unrevoked, unexpired, attesting an EU country. */
export function trustedWhenMarked(world: FederationWorld, truth: NodeTruth): boolean {
  const at = truth.lastVerifiedAt;
  if (at === undefined) return false;
  const { node } = truth;
  if (!world.config.countries.includes(node.country)) return false;
  if (truth.revokedAt !== undefined && at > truth.revokedAt) return false;
  if (node.credential === 'valid') return true;
  if (node.credential !== 'expiring') return false;
  const exp = Math.floor(T0 / 1000) - 60 + 60 + world.model.expiresAfterMs / 1000;
  return at <= (exp + world.config.clockSkewSeconds) * 1000;
}

/** Countries the workload may run in, from its spec and the operator's jurisdiction alone. */
export function allowedCountries(world: FederationWorld, w: WorkloadModel): Set<string> {
  if (w.jurisdictions && !w.jurisdictions.includes(world.config.jurisdiction)) return new Set();
  const inJurisdiction = new Set(world.config.countries);
  const include = w.countries?.include?.length ? w.countries.include : world.config.countries;
  return new Set(include.filter((c) => inJurisdiction.has(c) && !(w.countries?.exclude ?? []).includes(c)));
}

async function recorded(world: FederationWorld, id: string): Promise<RecordedDecision | undefined> {
  try {
    return await world.ledger.getDecision(id);
  } catch {
    return undefined;
  }
}

/** Invariants 1 and 2 on what the members hold: every pod template admits only trusted nodes in allowed places, and traces to an approved, recorded decision. */
async function memberViolations(world: FederationWorld): Promise<string[]> {
  const out: string[] = [];
  for (const [cluster, api] of world.members) {
    const nodes: V1Node[] = [...world.memberNodes.nodes.entries()].filter(([k]) => k.startsWith(`${cluster}/`)).map(([, n]) => n);
    for (const object of api.workloads()) {
      const what = `${object.kind} ${object.metadata!.namespace}/${object.metadata!.name} in ${cluster}`;
      const owner = object.metadata!.labels?.[LABEL_WORKLOAD] ?? '';
      const name = owner.startsWith(`${NAMESPACE}.`) ? owner.slice(NAMESPACE.length + 1) : '';
      const model = world.model.workloads.find((w) => w.name === name);
      const fw = world.workloads.objects.get(`${NAMESPACE}/${name}`);
      if (!model || !fw) {
        out.push(`${what} has no FederatedWorkload (label ${owner}): an orphan`);
        continue;
      }
      // Invariant 2: the cluster is an approved target of a decision recorded for this workload.
      const current = fw.status?.decision;
      const ids =
        current?.ledgerTxId && current.decisionId && current.placements.some((p) => p.cluster === cluster)
          ? [current.decisionId]
          : [...(world.decisionIds.get(`${NAMESPACE}/${name}`) ?? [])];
      const approvedCountries = new Set<string>();
      const approvedPools = new Set<string | undefined>();
      for (const id of ids) {
        const decision = await recorded(world, id);
        if (!decision || decision.workload.name !== name || !decision.approved) continue;
        const shares = world.decisionPlacements.get(id) ?? [];
        for (const t of decision.targets) {
          if (t.cluster !== cluster || !t.approved) continue;
          approvedPools.add(t.pool);
          for (const share of shares) if (share.cluster === cluster && share.country) approvedCountries.add(share.country);
        }
      }
      if (!approvedPools.size) {
        out.push(`${what} traces to no approved decision recorded on the ledger (decisions ${ids.join(', ') || 'none'})`);
        continue;
      }
      // Invariant 1: the template admits only nodes the operator trusted, in the workload's countries, on the approved pool.
      const allowed = allowedCountries(world, model);
      const podSpec = object.spec.template.spec as V1PodSpec;
      for (const node of nodes) {
        if (!nodeAdmits(node, podSpec)) continue;
        const truth = world.truth.get(`${cluster}/${node.metadata!.name}`)!;
        const where = `${what} admits node ${node.metadata!.name}`;
        if (!trustedWhenMarked(world, truth))
          out.push(
            `${where}, whose credential (${truth.node.credential}${truth.revokedAt !== undefined ? ', revoked' : ''}) was not trustworthy when last marked`,
          );
        if (!allowed.has(truth.node.country))
          out.push(`${where} in ${truth.node.country}, outside the workload's countries ${[...allowed].join(',') || '(none)'}`);
        if (approvedCountries.size && !approvedCountries.has(truth.node.country))
          out.push(`${where} in ${truth.node.country}, but the ledger approved ${cluster} in ${[...approvedCountries].join(',')} only`);
        if (model.providers && !model.providers.includes(truth.cluster.provider))
          out.push(`${where} of provider ${truth.cluster.provider}, not in ${model.providers.join(',')}`);
        if (model.gpu) {
          const pool = truth.node.pool === undefined ? undefined : truth.cluster.pools[truth.node.pool];
          if (!pool || !approvedPools.has(pool.name)) out.push(`${where}, which is not in an approved pool (${[...approvedPools].join(',')})`);
          else if (pool.resourceName !== GPU_RESOURCES[model.gpu.resource].resourceName)
            out.push(
              `${where} of pool ${pool.name} offering ${pool.resourceName}, but the workload asks for ${GPU_RESOURCES[model.gpu.resource].resourceName}`,
            );
        }
      }
    }
  }
  return out;
}

const gpuOf = (fw: FederatedWorkload) => fw.spec.gpu?.count ?? 0;

/**
 * Invariant 4 for one decision: it books no pool beyond its verified devices,
 * no pod larger than a verified node of it, and only the resource (MIG
 * profile) asked for. Across workloads: `doubleBookings`.
 */
function gpuViolations(world: FederationWorld): string[] {
  const out: string[] = [];
  const verified = (cluster: string, node: string) => condition(world.sovereignNodes.objects.get(`${cluster}-${node}`), 'Verified')?.status === 'True';
  for (const key of world.decidedInStep) {
    const fw = world.workloads.objects.get(key);
    if (!fw?.status?.decision?.ledgerTxId) continue;
    const perPod = gpuOf(fw);
    for (const p of fw.status.decision.placements) {
      if (!p.pool) {
        if (perPod) out.push(`${key} asks for ${perPod} devices per pod but its share in ${p.cluster} names no pool`);
        continue;
      }
      const cluster = world.model.clusters.find((c) => c.name === p.cluster)!;
      const index = cluster.pools.findIndex((pool) => pool.name === p.pool);
      const devices = cluster.nodes.filter((n) => n.pool === index && verified(cluster.name, n.name)).map((n) => n.gpus);
      const fitting = devices.reduce((pods, d) => pods + Math.floor(d / Math.max(1, perPod)), 0);
      if (p.replicas > fitting)
        out.push(`${key} books ${p.replicas} pod(s) of ${perPod} devices on pool ${p.pool}, whose verified nodes (${devices.join(', ')}) fit ${fitting}`);
      if (fw.spec.gpu && cluster.pools[index]?.resourceName !== fw.spec.gpu.resourceName)
        out.push(`${key} asks for ${fw.spec.gpu.resourceName} but is placed on pool ${p.pool} of ${cluster.pools[index]?.resourceName}`);
    }
  }
  return out;
}

/** Invariant 4 across workloads: the devices every recorded decision books on a pool fit its verified devices. */
export function poolBookings(world: FederationWorld): string[] {
  const out: string[] = [];
  const verified = (cluster: string, node: string) => condition(world.sovereignNodes.objects.get(`${cluster}-${node}`), 'Verified')?.status === 'True';
  const placed = [...world.workloads.objects.values()].filter((fw) => fw.status?.decision?.ledgerTxId && gpuOf(fw));
  for (const cluster of world.model.clusters)
    cluster.pools.forEach((pool, index) => {
      const capacity = cluster.nodes.filter((n) => n.pool === index && verified(cluster.name, n.name)).reduce((sum, n) => sum + n.gpus, 0);
      const booked = placed.flatMap((fw) => fw.status!.decision!.placements.filter((q) => q.pool === pool.name).map((q) => q.replicas * gpuOf(fw)));
      const total = booked.reduce((a, b) => a + b, 0);
      if (total > capacity) out.push(`pool ${pool.name} is booked for ${total} devices (${booked.join(' + ')}) but has ${capacity} on verified nodes`);
    });
  return out;
}

/** What a workload's decision books on a pool, in devices: its recorded shares there. */
const bookedOn = (fw: FederatedWorkload, placements: readonly { pool?: string; replicas: number }[], pool: string) =>
  placements.filter((p) => p.pool === pool).reduce((sum, p) => sum + p.replicas * gpuOf(fw), 0);

/**
 * Invariant 4 across workloads: no GPU is double-booked. When a step makes a
 * decision that books more on a pool than the workload's previous decision
 * did, the devices every live recorded decision (not being deleted) books on
 * that pool fit its verified devices. A pool already over-booked because its
 * nodes were revoked since is only judged when a decision adds to it.
 */
export function doubleBookings(world: FederationWorld): string[] {
  const out: string[] = [];
  const verified = (cluster: string, node: string) => condition(world.sovereignNodes.objects.get(`${cluster}-${node}`), 'Verified')?.status === 'True';
  const live = [...world.workloads.objects.values()].filter((fw) => fw.status?.decision?.ledgerTxId && gpuOf(fw) && !fw.metadata.deletionTimestamp);
  for (const key of world.decidedInStep) {
    const fw = world.workloads.objects.get(key);
    if (!fw?.status?.decision?.ledgerTxId || !gpuOf(fw) || fw.metadata.deletionTimestamp) continue;
    const ids = [...(world.decisionIds.get(key) ?? [])];
    const previous = ids.length > 1 ? (world.decisionPlacements.get(ids[ids.length - 2]) ?? []) : [];
    for (const pool of new Set(fw.status.decision.placements.flatMap((p) => (p.pool ? [p.pool] : [])))) {
      if (bookedOn(fw, fw.status.decision.placements, pool) <= bookedOn(fw, previous, pool)) continue;
      const cluster = world.model.clusters.find((c) => c.pools.some((p) => p.name === pool))!;
      const index = cluster.pools.findIndex((p) => p.name === pool);
      const capacity = cluster.nodes.filter((n) => n.pool === index && verified(cluster.name, n.name)).reduce((sum, n) => sum + n.gpus, 0);
      const booked = live.map((w) => [w.metadata.name!, bookedOn(w, w.status!.decision!.placements, pool)] as const).filter(([, d]) => d > 0);
      const total = booked.reduce((sum, [, d]) => sum + d, 0);
      if (total > capacity)
        out.push(
          `${key}'s decision books pool ${pool} to ${total} devices (${booked.map(([w, d]) => `${w}: ${d}`).join(', ')}), its verified nodes have ${capacity}`,
        );
    }
  }
  return out;
}

/** Invariant 5: every verdict carries a reason code from the declared tuples. */
async function reasonViolations(world: FederationWorld): Promise<string[]> {
  const out: string[] = [];
  for (const sn of world.sovereignNodes.objects.values()) {
    const verified = condition(sn, 'Verified');
    if (verified && !NODE_REASONS.has(verified.reason))
      out.push(`SovereignNode ${sn.metadata.name}: Verified reason ${verified.reason} is not a declared code`);
    const truth = world.truth.get(`${sn.spec.memberCluster}/${sn.spec.nodeName}`)!;
    if (verified?.status === 'True' && !world.forged.has(sn.metadata.name!) && sn.status?.countryCode !== truth.node.country)
      out.push(`SovereignNode ${sn.metadata.name} is verified in ${sn.status?.countryCode}, but its credential attests ${truth.node.country}`);
  }
  for (const fw of world.workloads.objects.values()) {
    const scheduled = condition(fw, 'Scheduled');
    if (scheduled && !SCHEDULED_REASONS.has(scheduled.reason)) out.push(`${fw.metadata.name}: Scheduled reason ${scheduled.reason} is not a declared code`);
    for (const refusal of fw.status?.decision?.refused ?? [])
      if (!refusal.code || !(REASON_CODES as readonly string[]).includes(refusal.code))
        out.push(`${fw.metadata.name}: refusal of ${refusal.cluster} carries code ${refusal.code}`);
    const unschedulable = fw.status?.decision?.unschedulable?.code;
    if (unschedulable && !(REASON_CODES as readonly string[]).includes(unschedulable))
      out.push(`${fw.metadata.name}: unschedulable code ${unschedulable} is not declared`);
  }
  for (const [key, ids] of world.decisionIds) {
    for (const id of ids) {
      if (world.judgedDecisions.has(id)) continue;
      world.judgedDecisions.add(id);
      const decision = await recorded(world, id);
      if (!decision) {
        out.push(`${key}: its status names decision ${id}, which the ledger has not recorded`);
        continue;
      }
      for (const t of decision.targets) {
        for (const r of t.reasons) if (!PLACEMENT_REASONS.has(r.code)) out.push(`decision ${id}: target ${t.cluster} reason ${r.code} is not declared`);
        if (t.approved !== (t.reasons.length === 0))
          out.push(`decision ${id}: target ${t.cluster} approved=${t.approved} with reasons ${t.reasons.map((r) => r.code).join(',')}`);
      }
      for (const grant of decision.grants) {
        const target = decision.targets.find((t) => t.approved);
        const verdict = await world.ledger.checkAccess(grant, 'did:key:z6MkNotTheNodeOfThisGrant');
        if (!ACCESS_REASONS.has(verdict.reason) || verdict.allowed)
          out.push(`grant ${grant} of ${target?.cluster}: a foreign node got ${verdict.reason} (allowed=${verdict.allowed})`);
      }
    }
  }
  return out;
}

export async function violations(world: FederationWorld): Promise<string[]> {
  return [...(await memberViolations(world)), ...gpuViolations(world), ...doubleBookings(world), ...(await reasonViolations(world))];
}
