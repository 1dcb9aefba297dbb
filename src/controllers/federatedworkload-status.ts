// The FederatedWorkload controller's decisions, as pure functions: which
// placement to keep or record, the ledger request and its verdict, and the
// status the workload reports. The reconciler (federatedworkload.ts) does I/O only.
import type {
  ClusterPlacement,
  Condition,
  FederatedWorkload,
  FederatedWorkloadStatus,
  MemberCluster,
  PendingDecision,
  PlacementDecision as StatusDecision,
  SupersededDecision,
} from '../api/generated/types.ts';
import type { PlacementDecision as LedgerVerdict, PlacementRequest } from '../ledger/ledger.ts';
import { setCondition, type ConditionInput } from '../runtime/conditions.ts';
import type { CurrentPlacement } from '../scheduler/framework.ts';
import type { Decision } from '../scheduler/schedule.ts';
import { placementTargets } from '../scheduler/status.ts';
import { canonicalJson, sameJson } from '../util/canonical-json.ts';
import { sha256Hex } from '../util/sha256.ts';

export const FEDERATED_WORKLOAD_FINALIZER = 'cloudempire.eu/federatedworkload';
/** The MemberCluster taint the MemberCluster controller sets once a member has been unreachable past its grace. */
export const TAINT_UNREACHABLE = 'cloudempire.eu/unreachable';

/** The share each cluster runs: what a decision is compared on (node lists and scores change without moving anything). */
export function shareOf(placements: readonly Pick<ClusterPlacement, 'cluster' | 'pool' | 'replicas' | 'completions'>[]): string {
  return canonicalJson(
    [...placements]
      .map((p) => ({ cluster: p.cluster, pool: p.pool ?? null, replicas: p.replicas, completions: p.completions ?? null }))
      .sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0)),
  );
}

/** The recorded placement, for the scheduler's stability: a running share stays unless a rule forbids it. */
export function currentPlacement(workload: FederatedWorkload): CurrentPlacement[] | undefined {
  const decision = workload.status?.decision;
  if (!decision?.ledgerTxId) return undefined;
  return decision.placements.map((p) => ({ cluster: p.cluster, ...(p.pool && { pool: p.pool }), replicas: p.replicas }));
}

/** The recorded decision's placements, if the ledger recorded one. */
export function recordedPlacements(workload: FederatedWorkload): ClusterPlacement[] {
  const decision = workload.status?.decision;
  return decision?.ledgerTxId ? decision.placements : [];
}

/**
 * Whether the decision needs the ledger: the share moved, or nothing was
 * recorded yet. An unchanged share keeps its recorded decision.
 */
export function needsNewDecision(workload: FederatedWorkload, decision: Decision): boolean {
  if (!workload.status?.decision?.ledgerTxId) return true;
  return shareOf(workload.status.decision.placements) !== shareOf(decision.placements);
}

/**
 * A decision id that is the same for the same workload, generation, share and
 * previous decision, so a reconcile restarted between RecordPlacement and the
 * status write asks for the same id and finds its own record (DecisionReplayed)
 * instead of recording twice; the previous transaction keeps a return to an
 * earlier share (A → B → A) from replaying the first A, and the generation a
 * return after a scale to zero (which leaves no previous transaction). `attempt`
 * counts the pending ids abandoned since the last acknowledged decision, so a
 * closed one (NeverApplied) is never replayed.
 */
export function decisionId(workload: FederatedWorkload, decision: Decision, attempt = 0): string {
  const digest = sha256Hex(
    canonicalJson({
      uid: workload.metadata.uid ?? '',
      generation: workload.metadata.generation ?? 0,
      share: shareOf(decision.placements),
      previous: workload.status?.decision?.ledgerTxId ?? null,
      ...(attempt > 0 && { attempt }),
    }),
  ).slice(0, 20);
  return `${workload.metadata.namespace}.${workload.metadata.name}.${digest}`.slice(0, 253);
}

export interface DecisionPlan {
  /** The id to record the decision under. */
  id: string;
  /** status.pendingDecision to store before RecordPlacement. */
  pending: PendingDecision;
  /** Pending ids left behind unacknowledged: closed on the ledger (NeverApplied) before the new one is recorded. */
  close: string[];
}

/**
 * Which id a new decision is recorded under. A pending id that is this
 * decision (same share, generation and previous) is reused: it was recorded
 * or not, RecordPlacement tells. Any other pending id is abandoned: it stays
 * in the status until it is closed and the new decision acknowledged.
 */
export function planDecision(workload: FederatedWorkload, decision: Decision): DecisionPlan {
  const pending = workload.status?.pendingDecision;
  const abandoned = pending?.abandoned ?? [];
  const candidate = decisionId(workload, decision, abandoned.length);
  if (!pending || (pending.decisionId === candidate && !abandoned.includes(candidate)))
    return { id: candidate, pending: { decisionId: candidate, ...(abandoned.length && { abandoned }) }, close: abandoned };
  const close = [...new Set([...abandoned, pending.decisionId])];
  const id = decisionId(workload, decision, close.length);
  return { id, pending: { decisionId: id, abandoned: close }, close };
}

/** The pending id given up (its record refused the placement): the next decision gets a new id, and it is closed with the others. */
export function abandonPending(pending: PendingDecision): PendingDecision {
  return { decisionId: pending.decisionId, abandoned: [...new Set([...(pending.abandoned ?? []), pending.decisionId])] };
}

/** Recorded-or-maybe ids the status names but never acknowledged: what deletion and a scale to zero close as NeverApplied. */
export function unacknowledgedDecisions(workload: FederatedWorkload): string[] {
  const pending = workload.status?.pendingDecision;
  if (!pending) return [];
  const acknowledged = workload.status?.decision?.ledgerTxId ? workload.status.decision.decisionId : undefined;
  return [...(pending.abandoned ?? []), pending.decisionId].filter((id, i, all) => id !== acknowledged && all.indexOf(id) === i);
}

/**
 * The superseded list once decision `id` replaces the recorded one in status: the replaced decision joins it
 * with the clusters it placed pods on (its objects may still run there until the members are pruned).
 */
export function supersede(workload: FederatedWorkload, id: string): SupersededDecision[] | undefined {
  const list = workload.status?.supersededDecisions ?? [];
  const previous = workload.status?.decision;
  if (!previous?.ledgerTxId || !previous.decisionId || previous.decisionId === id || list.some((s) => s.decisionId === previous.decisionId))
    return list.length ? list : undefined;
  const clusters = [...new Set(previous.placements.filter((p) => p.replicas > 0).map((p) => p.cluster))].sort();
  // The schema keeps 64: past that the oldest is dropped, left to its grants' TTL, rather than refusing the status write.
  return [...list, { decisionId: previous.decisionId, clusters }].slice(-64);
}

/**
 * The superseded decisions that can be closed now: once the current decision has `settled` (propagated, rolled
 * out, nothing waiting), those none of whose clusters is `blocked` (silent, unreachable, still deleting).
 */
export function closableSuperseded(list: readonly SupersededDecision[], settled: boolean, blocked: ReadonlySet<string>): SupersededDecision[] {
  if (!settled) return [];
  return list.filter((s) => !s.clusters.some((c) => blocked.has(c)));
}

export function placementRequest(workload: FederatedWorkload, decision: Decision, id: string): PlacementRequest {
  return {
    decisionId: id,
    workload: {
      namespace: workload.metadata.namespace!,
      name: workload.metadata.name!,
      ...(workload.metadata.uid && { uid: workload.metadata.uid }),
      ...(workload.metadata.generation !== undefined && { generation: workload.metadata.generation }),
    },
    ...(workload.spec.dataAccess && { purpose: workload.spec.dataAccess.purpose }),
    datasets: [...(workload.spec.dataAccess?.datasets ?? [])],
    targets: placementTargets(decision),
  };
}

/** The ledger's refusals, one line per refused target; empty when every target is approved. */
export function ledgerRefusals(verdict: Pick<LedgerVerdict, 'targets'>): string[] {
  return verdict.targets
    .filter((t) => !t.approved)
    .map((t) => `${t.cluster}${t.pool ? `/${t.pool}` : ''}: ${t.reasons.map((r) => `${r.code} (${r.message})`).join(', ') || 'refused'}`);
}

/** The decision's per-cluster refusals as one message (the first few; status.decision carries them all). */
export function unschedulableMessage(decision: Decision): string {
  const refused = decision.evaluations.filter((e) => e.refusal).map((e) => `${e.cluster}: ${e.refusal!.code} (${e.refusal!.reason})`);
  const head = decision.unschedulable?.message ?? 'no cluster fits';
  return refused.length ? `${head}; ${refused.slice(0, 8).join('; ')}${refused.length > 8 ? `; and ${refused.length - 8} more` : ''}` : head;
}

/** Clusters a workload must not run in now: tainted unreachable by the MemberCluster controller. */
export function unreachableClusters(members: readonly MemberCluster[]): Set<string> {
  return new Set(members.filter((m) => m.spec.taints?.some((t) => t.key === TAINT_UNREACHABLE)).map((m) => m.metadata.name!));
}

/**
 * Members not to call now: tainted unreachable, or whose last probe failed
 * (Ready=False). Their objects are left as they are and looked at again once
 * the MemberCluster controller sees them answer, instead of every reconcile
 * waiting for a member that does not answer.
 */
export function membersNotAnswering(members: readonly MemberCluster[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of members) {
    const ready = m.status?.conditions?.find((c) => c.type === 'Ready');
    if (m.spec.taints?.some((t) => t.key === TAINT_UNREACHABLE))
      out.set(m.metadata.name!, `tainted ${TAINT_UNREACHABLE}: ${ready?.message ?? 'unreachable past its grace'}`);
    else if (ready?.status === 'False') out.set(m.metadata.name!, `its last probe failed (${ready.reason}: ${ready.message})`);
  }
  return out;
}

/**
 * What of a MemberCluster a placement can depend on: everything but the probe's
 * periodic lastProbeTime refresh and the object's bookkeeping. Two equal facts
 * are a heartbeat, which wakes no workload (during a ledger outage every wake of
 * an unplaced workload is one more ledger call).
 */
export function memberClusterFacts(member: MemberCluster): unknown {
  const { resourceVersion: _version, managedFields: _fields, ...metadata } = member.metadata;
  return { ...member, metadata, ...(member.status && { status: { ...member.status, lastProbeTime: undefined } }) };
}

/**
 * Whether a MemberCluster event says something new to placements: a first
 * sight, a deletion (`exists` answers false) or changed facts; not a heartbeat.
 */
export function memberClusterChanges(exists: (name: string) => boolean): (member: MemberCluster) => boolean {
  const seen = new Map<string, unknown>();
  return (member) => {
    const name = member.metadata.name!;
    if (!exists(name)) {
      seen.delete(name);
      return true;
    }
    const facts = memberClusterFacts(member);
    const heartbeat = seen.has(name) && sameJson(seen.get(name), facts);
    seen.set(name, facts);
    return !heartbeat;
  };
}

/** Held back because the ledger did not answer: the reconciler's retry timer (retryMs) looks again. */
export function waitsForLedger(fw: FederatedWorkload): boolean {
  return fw.status?.conditions?.some((c) => c.type === 'Scheduled' && c.status === 'False' && c.reason === 'LedgerUnavailable') === true;
}

/**
 * Whether a change in member `cluster` (its MemberCluster, a SovereignNode or GpuPool there) is worth a
 * reconcile of `fw`: it runs there, or it is not placed yet and new capacity may fit it. Not a workload
 * held back for want of the ledger: its own timed retry looks again, and during an outage every extra
 * wake is one more call to a ledger that does not answer (the Fabric outage chaos test counted them).
 */
export function wokenByMemberChange(fw: FederatedWorkload, cluster: string): boolean {
  if (waitsForLedger(fw)) return false;
  const scheduled = fw.status?.conditions?.find((c) => c.type === 'Scheduled');
  return (fw.status?.decision?.placements.some((p) => p.cluster === cluster) ?? false) || !fw.status?.decision?.ledgerTxId || scheduled?.status === 'False';
}

/** The recorded clusters the decision leaves because they became unreachable: a failover. */
export function failedOverFrom(recorded: readonly ClusterPlacement[], decision: Decision, unreachable: ReadonlySet<string>): string[] {
  const chosen = new Set(decision.placements.map((p) => p.cluster));
  return recorded
    .filter((p) => !chosen.has(p.cluster) && unreachable.has(p.cluster))
    .map((p) => p.cluster)
    .sort();
}

const readySince = (member: MemberCluster | undefined): number | undefined => {
  const ready = member?.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True' || member!.spec.taints?.some((t) => t.key === TAINT_UNREACHABLE)) return undefined;
  return ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : undefined;
};

/**
 * placement.failback: with WhenRecovered, once every cluster the last
 * failover left has been Ready for the stabilization period, the workload is
 * decided afresh (no stability), so its share may go back; otherwise (Never,
 * the default) stability keeps it where it moved.
 */
export function failbackDue(workload: FederatedWorkload, members: readonly MemberCluster[], nowMs: number): boolean {
  const failback = workload.spec.placement?.failback;
  const failover = workload.status?.failover;
  if (failback?.policy !== 'WhenRecovered' || !failover?.from.length) return false;
  const stabilizationMs = (failback.stabilizationSeconds ?? 300) * 1000;
  const byName = new Map(members.map((m) => [m.metadata.name!, m]));
  return failover.from.every((cluster) => {
    const since = readySince(byName.get(cluster));
    return since !== undefined && nowMs - since >= stabilizationMs;
  });
}

/** A condition for the status, observed at the workload's generation. */
export function workloadCondition(workload: FederatedWorkload, type: string, status: Condition['status'], reason: string, message: string): ConditionInput {
  return { type, status, reason, message, observedGeneration: workload.metadata.generation ?? 0 };
}

/** The status with these conditions set (transition times kept when nothing changed) and the generation observed. */
export function withConditions(
  workload: FederatedWorkload,
  status: FederatedWorkloadStatus,
  conditions: readonly ConditionInput[],
  now: Date,
): FederatedWorkloadStatus {
  let next = status.conditions;
  for (const condition of conditions) next = setCondition(next, condition, now);
  return { ...status, observedGeneration: workload.metadata.generation ?? 0, conditions: next };
}

/** The decision as status.decision shows it when nothing is recorded (a refusal): per-cluster reasons, no ledger transaction. */
export function unrecordedDecision(decision: StatusDecision): StatusDecision {
  const { ledgerTxId: _tx, ...rest } = decision;
  return rest;
}
