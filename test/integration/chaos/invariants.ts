// What must hold after any fault, read from the real systems: the embedded ledger's block log (verified:
// hashes, links, the operator's signatures, the head checkpoint ConfigMap), the host's FederatedWorkloads
// and SovereignNodes, and the objects the operator made in each member. Each check returns the broken
// rules as sentences, so a failing run says all that is wrong at once.
import type { FederatedWorkload, SovereignNode } from '../../../src/api/generated/types.ts';
import { EmbeddedAuditSource } from '../../../src/audit/source.ts';
import { PLACEMENT_REMOVED_EVENT } from '../../../src/audit/ledger-records.ts';
import { verifyLedger } from '../../../src/ledger/embedded/verify.ts';
import { ConfigMapHeadCheckpoint } from '../../../src/ledger/kube-head-checkpoint.ts';
import type { AttestationRecord, PlacementRequest, RecordedDecision } from '../../../src/ledger/ledger.ts';
import { loadOrCreateOperatorKey } from '../../../src/operator/identity.ts';
import { verifyingKeyOfDid } from '../../../src/trust/signing-key.ts';
import { GROUP, OPERATOR_NAMESPACE, type MemberObjectView, type OperatorWorld } from './operator-world.ts';

export type MemberView = Map<string, MemberObjectView[]>;

/** The workloads a test deleted, by uid, and whether their status named a recorded decision when it did. */
export type DeletedWorkloads = ReadonlyMap<string, { hadRecordedDecision: boolean }>;

/**
 * Decisions of deleted workloads the ledger leaves open: the last one recorded for the workload (each decision
 * supersedes the one before) without a removal. The typical one was recorded, but the operator was killed
 * before its status named it and the workload was deleted before it decided again; the finalizer finds it in
 * status.pendingDecision and closes it (NeverApplied).
 */
export function unclosedDecisions(ledger: LedgerView, deleted: DeletedWorkloads): LedgerPlacement[] {
  const closed = new Set(ledger.removals.map((r) => r.decisionId));
  const last = new Map<string, LedgerPlacement>();
  for (const p of ledger.placements) if (deleted.has(p.request.workload.uid ?? '')) last.set(p.request.workload.uid!, p);
  return [...last.values()].filter((p) => !closed.has(p.decisionId));
}

export interface LedgerPlacement {
  txId: string;
  decisionId: string;
  request: PlacementRequest;
  decision: RecordedDecision;
}

/** The embedded ledger as read back: placements, removals and attestations in commit order. */
export interface LedgerView {
  blocks: number;
  placements: LedgerPlacement[];
  removals: { txId: string; decisionId: string; uid?: string; reason?: string }[];
  attestations: (AttestationRecord & { txId: string })[];
  problems: string[];
}

const json = <T>(text: string | undefined): T | undefined => {
  try {
    return text === undefined ? undefined : (JSON.parse(text) as T);
  } catch {
    return undefined;
  }
};

/** The operator's DID, from the identity Secret every replica shares. */
export async function operatorDid(world: OperatorWorld): Promise<string> {
  return (await loadOrCreateOperatorKey(world.host(), OPERATOR_NAMESPACE)).kid.split('#')[0];
}

/**
 * Reads the ledger the operator writes (it may be running: a torn last line is skipped) and verifies it
 * against the operator's DID and the head checkpoint ConfigMap.
 */
export async function readLedger(world: OperatorWorld): Promise<LedgerView> {
  const did = await operatorDid(world);
  const verifier = verifyingKeyOfDid(did);
  // The head is read before the log: the log only grows past a checkpointed head.
  const head = await new ConfigMapHeadCheckpoint(world.host(), OPERATOR_NAMESPACE).read();
  const problems: string[] = [];
  const check = verifyLedger(world.ledgerDir, { operator: verifier, ...(head && { expectHead: head, headSource: 'the head ConfigMap' }) });
  if (!check.ok) problems.push(`the ledger does not verify: ${check.problem}`);
  if (!head) problems.push('no head checkpoint ConfigMap');
  const view: LedgerView = { blocks: 0, placements: [], removals: [], attestations: [], problems };
  for await (const block of new EmbeddedAuditSource(world.ledgerDir, verifier).blocks()) {
    view.blocks++;
    for (const tx of block.txs) {
      if (tx.fn === 'Placement:RecordPlacement') {
        const request = json<PlacementRequest>(tx.args[0]);
        const decision = tx.writes.map((w) => json<RecordedDecision>(w.value)).find((d) => d?.txId === tx.txId);
        if (request && decision) view.placements.push({ txId: tx.txId, decisionId: decision.decisionId, request, decision });
        else problems.push(`transaction ${tx.txId} (RecordPlacement) holds no decision`);
      } else if (tx.event?.name === PLACEMENT_REMOVED_EVENT) {
        const payload = json<{ decisionId: string; workload: { uid?: string }; reason?: string }>(tx.event.payload);
        if (payload) view.removals.push({ txId: tx.txId, decisionId: payload.decisionId, uid: payload.workload.uid, reason: payload.reason });
      } else if (tx.fn === 'TrustRegistry:RecordAttestation') {
        const attestation = json<AttestationRecord>(tx.args[0]);
        if (attestation) view.attestations.push({ ...attestation, txId: tx.txId });
      }
    }
  }
  return view;
}

const duplicates = <T>(items: T[], keyOf: (item: T) => string): string[] => {
  const seen = new Map<string, number>();
  for (const item of items) seen.set(keyOf(item), (seen.get(keyOf(item)) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([key, n]) => `${key} ×${n}`);
};

/**
 * Rules of the ledger alone: each decision and each removal recorded once, each verdict on an unchanged
 * credential recorded once, and no decision recorded again for the same workload generation and targets
 * (a restart that re-decided under a new id).
 */
export function ledgerProblems(ledger: LedgerView): string[] {
  const out = [...ledger.problems];
  for (const d of duplicates(ledger.placements, (p) => p.decisionId)) out.push(`decision recorded more than once: ${d}`);
  for (const d of duplicates(ledger.removals, (r) => r.decisionId)) out.push(`removal recorded more than once: ${d}`);
  for (const d of duplicates(ledger.attestations, (a) => `${a.sovereignNode} ${a.credentialDigest} verified=${a.verified} ${a.reason}`))
    out.push(`verdict recorded more than once for an unchanged credential: ${d}`);
  for (const d of duplicates(
    ledger.placements,
    (p) =>
      `${p.request.workload.namespace}/${p.request.workload.name} uid=${p.request.workload.uid} generation=${p.request.workload.generation} targets=${p.request.targets
        .map((t) => `${t.cluster}/${t.pool ?? ''}`)
        .sort()
        .join(',')}`,
  ))
    out.push(`the same placement decided again under a new decision id: ${d}`);
  return out;
}

/** What the host says now. */
export interface HostView {
  workloads: FederatedWorkload[];
  nodes: SovereignNode[];
}

export async function readHost(world: OperatorWorld): Promise<HostView> {
  const nodes = (await world.custom().listClusterCustomObject({ ...GROUP, plural: 'sovereignnodes' })) as { items: SovereignNode[] };
  return { workloads: await world.workloads(), nodes: nodes.items };
}

/** The objects the operator made in each member, by member. */
export async function readMembers(world: OperatorWorld): Promise<MemberView> {
  return new Map(await Promise.all(world.memberNames.map(async (m) => [m, await world.ownedIn(m)] as const)));
}

/**
 * Rules that hold at every instant, faults or not: every placement in a status is an approved decision
 * recorded on the ledger for that workload, and no member object outlives its FederatedWorkload.
 * `host` must be read before `members`, so a workload deleted in between is not mistaken for an orphan.
 */
export function safetyProblems(host: HostView, members: MemberView, ledger: LedgerView): string[] {
  const out: string[] = [];
  const byTx = new Map(ledger.placements.map((p) => [p.txId, p]));
  for (const fw of host.workloads) {
    const decision = fw.status?.decision;
    if (!decision?.ledgerTxId) continue;
    const where = `${fw.metadata.namespace}/${fw.metadata.name}`;
    const recorded = byTx.get(decision.ledgerTxId);
    if (!recorded) {
      out.push(`${where} runs on transaction ${decision.ledgerTxId}, which the ledger does not hold`);
      continue;
    }
    if (recorded.decisionId !== decision.decisionId)
      out.push(`${where}: status names decision ${decision.decisionId}, its transaction recorded ${recorded.decisionId}`);
    if (recorded.request.workload.uid !== fw.metadata.uid)
      out.push(`${where}: its decision was recorded for another object (uid ${recorded.request.workload.uid})`);
    const approved = new Set(recorded.decision.targets.filter((t) => t.approved).map((t) => `${t.cluster}/${t.pool ?? ''}`));
    for (const p of decision.placements)
      if (!approved.has(`${p.cluster}/${p.pool ?? ''}`)) out.push(`${where} is placed in ${p.cluster} without the ledger's approval for it`);
  }
  const known = new Set(host.workloads.map((w) => `${w.metadata.namespace}.${w.metadata.name}`));
  for (const [member, objects] of members)
    for (const o of objects) {
      if (!o.workload) out.push(`${member}: ${o.kind} ${o.namespace}/${o.name} is managed by cloud-empire but names no workload`);
      else if (!known.has(o.workload)) out.push(`${member}: orphan ${o.kind} ${o.namespace}/${o.name} of ${o.workload}, which no longer exists`);
    }
  return out;
}

const condition = (fw: FederatedWorkload | SovereignNode, type: string) => fw.status?.conditions?.find((c) => c.type === type);

/**
 * Rules of a settled federation: every live workload exists once in each member its recorded decision
 * chose (its image and replicas current) and nowhere else, with Scheduled and Ready True for its current
 * generation; every SovereignNode's verdict is on the ledger; deleted workloads are gone, their finalizer
 * done and their removal recorded once; a live workload's decision is not closed on the ledger, and every
 * decision it replaced is.
 */
export function convergedProblems(world: OperatorWorld, host: HostView, members: MemberView, ledger: LedgerView, deleted_: DeletedWorkloads): string[] {
  const out: string[] = [];
  const removed = new Map(ledger.removals.map((r) => [r.decisionId, r]));
  for (const fw of host.workloads) {
    const where = `${fw.metadata.namespace}/${fw.metadata.name}`;
    const key = `${fw.metadata.namespace}.${fw.metadata.name}`;
    if (fw.metadata.deletionTimestamp) {
      out.push(`${where} is still being deleted: ${condition(fw, 'Ready')?.message ?? ''}`);
      continue;
    }
    const generation = fw.metadata.generation;
    if (fw.status?.observedGeneration !== generation) out.push(`${where}: observedGeneration ${fw.status?.observedGeneration}, generation ${generation}`);
    for (const type of ['Scheduled', 'Ready']) {
      const c = condition(fw, type);
      if (c?.status !== 'True' || c.observedGeneration !== generation)
        out.push(`${where}: ${type} is ${c?.status}/${c?.reason} at generation ${c?.observedGeneration}, not True at ${generation} (${c?.message ?? ''})`);
    }
    const decisionId = fw.status?.decision?.decisionId;
    if (decisionId && removed.has(decisionId)) out.push(`${where}: its running decision ${decisionId} is recorded as removed`);
    // Settled, the members hold only the running decision: every earlier one of this workload is closed
    // (Superseded once replaced and pruned, NeverApplied if never acknowledged), so its grants are over.
    for (const p of ledger.placements)
      if (p.request.workload.uid === fw.metadata.uid && p.decisionId !== decisionId && !removed.has(p.decisionId))
        out.push(`${where}: its replaced decision ${p.decisionId} (transaction ${p.txId}) is still open on the ledger`);
    const placements = new Map((fw.status?.decision?.placements ?? []).map((p) => [p.cluster, p]));
    const image = (fw.spec.template.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image;
    for (const member of world.memberNames) {
      const objects = (members.get(member) ?? []).filter((o) => o.workload === key && o.kind === 'Deployment');
      const placement = placements.get(member);
      if (!placement) {
        if (objects.length) out.push(`${member}: ${objects.length} Deployment(s) of ${where}, which is not placed there`);
        continue;
      }
      if (objects.length !== 1) {
        out.push(`${member}: ${objects.length} Deployments of ${where}, expected exactly one`);
        continue;
      }
      const [object] = objects;
      if (object.deleting) out.push(`${member}: ${where}'s Deployment is being deleted although it is placed there`);
      if (object.replicas !== placement.replicas)
        out.push(`${member}: ${where}'s Deployment has ${object.replicas} replicas, the decision says ${placement.replicas}`);
      if (object.image !== image) out.push(`${member}: ${where}'s Deployment runs ${object.image}, the template says ${image}`);
    }
  }
  const live = new Set(host.workloads.map((w) => w.metadata.uid));
  for (const [uid, deleted] of deleted_) {
    if (live.has(uid)) {
      out.push(`deleted workload uid ${uid} still exists`);
      continue;
    }
    const removals = ledger.removals.filter((r) => r.uid === uid && r.reason === 'WorkloadDeleted').length;
    // A workload whose status carried a recorded decision when it was deleted always carries one (a recorded
    // decision is only ever replaced by another): its removal must be on the ledger, once. Decisions it never
    // acknowledged are closed as NeverApplied (each decision once: ledgerProblems).
    if (deleted.hadRecordedDecision ? removals !== 1 : removals > 1)
      out.push(
        `deleted workload uid ${uid}: ${removals} WorkloadDeleted removal(s) recorded on the ledger, expected ${deleted.hadRecordedDecision ? 'one' : 'at most one'}`,
      );
  }
  for (const p of unclosedDecisions(ledger, deleted_))
    out.push(
      `deleted workload uid ${p.request.workload.uid}: its last recorded decision ${p.decisionId} (transaction ${p.txId}) was never closed on the ledger`,
    );
  const attested = new Set(ledger.attestations.map((a) => a.txId));
  for (const node of host.nodes) {
    const verified = condition(node, 'Verified');
    if (verified?.status !== 'True' || verified.observedGeneration !== node.metadata.generation)
      out.push(`SovereignNode ${node.metadata.name}: Verified ${verified?.status}/${verified?.reason} at generation ${verified?.observedGeneration}`);
    if (!node.status?.ledgerTxId || !attested.has(node.status.ledgerTxId))
      out.push(`SovereignNode ${node.metadata.name}: its verdict's transaction ${node.status?.ledgerTxId} is not on the ledger`);
  }
  return out;
}

/** Every rule, read afresh: host first, then members, then the ledger. */
export async function allProblems(world: OperatorWorld, deleted: DeletedWorkloads, settled: boolean): Promise<string[]> {
  const host = await readHost(world);
  const members = await readMembers(world);
  const ledger = await readLedger(world);
  return [...ledgerProblems(ledger), ...safetyProblems(host, members, ledger), ...(settled ? convergedProblems(world, host, members, ledger, deleted) : [])];
}
