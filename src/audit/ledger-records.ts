import type { AccessVerdict, AttestationRecord, GrantRecord, PlacementRequest, RecordedDecision } from '../ledger/ledger.ts';
import type { AccessRecord, PlacementRecord, VerificationRecord } from './records.ts';

// Pure mapping from the chaincode's committed transactions to audit
// records. Each record carries the transaction id that backs it.

/** A committed transaction as the audit reads it: the call, its writes and its event. */
export interface CommittedTransaction {
  txId: string;
  blockNumber: number;
  timestamp: string;
  fn?: string;
  args?: string[];
  writes?: { key: string; value?: string }[];
  event?: { name: string; payload: string };
}

type LedgerRecord = VerificationRecord | PlacementRecord | AccessRecord;

/** The contracts' composite keys: U+0000, type, U+0000, each attribute and U+0000 (fabric-shim's createCompositeKey). */
const keyOfType = (type: string) => `\u0000${type}\u0000`;

function json<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

function writesOfType<T>(tx: CommittedTransaction, type: string): T[] {
  const prefix = keyOfType(type);
  return (tx.writes ?? []).filter((w) => w.key.startsWith(prefix)).flatMap((w) => json<T>(w.value) ?? []);
}

const ms = (iso: string | undefined) => (iso ? Date.parse(iso) : undefined);

/**
 * Remembers, per workload, the clusters its last approved decision named,
 * so a decision naming another cluster is told as a failover; and per
 * decision, the clusters it named, so the removal of an earlier decision
 * (one recorded but never acknowledged is closed beside the running one)
 * is told for its own clusters.
 */
export class PlacementHistory {
  /** Per workload, its decisions not yet removed, in ledger order: the last one is where it runs now. */
  private readonly open = new Map<string, { decisionId?: string; clusters: string[] }[]>();
  private readonly decisionClusters = new Map<string, string[]>();

  /** The previous clusters of `workload`, then records `clusters` as its current ones (and, with `decisionId`, that decision's). */
  next(workload: string, clusters: string[], decisionId?: string): string[] | undefined {
    const list = this.open.get(workload) ?? [];
    const previous = list.at(-1)?.clusters;
    if (clusters.length) this.open.set(workload, [...list, { ...(decisionId && { decisionId }), clusters }]);
    if (decisionId && clusters.length) this.decisionClusters.set(decisionId, [...new Set([...(this.decisionClusters.get(decisionId) ?? []), ...clusters])]);
    return previous;
  }

  /** The clusters a recorded decision named, when this history saw it. */
  clustersOfDecision(decisionId: string): string[] | undefined {
    return this.decisionClusters.get(decisionId);
  }

  /** The clusters `workload`'s last approved decision still open named. */
  clustersOf(workload: string): string[] {
    return this.open.get(workload)?.at(-1)?.clusters ?? [];
  }

  /**
   * A removal of `decisionId` (or, without one, of the current decision) in `cluster`. A superseded decision closed
   * after its successor leaves the successor current: a later move is still told as one from where it runs.
   */
  removed(workload: string, cluster: string, decisionId?: string): void {
    const list = this.open.get(workload) ?? [];
    let index = decisionId === undefined ? list.length - 1 : list.findLastIndex((d) => d.decisionId === decisionId);
    // Placements told without their decision id: the removal is of the current one.
    if (index < 0 && list.length && list.at(-1)!.decisionId === undefined) index = list.length - 1;
    if (index < 0) return;
    const left = list[index].clusters.filter((c) => c !== cluster);
    const next = left.length ? list.with(index, { ...list[index], clusters: left }) : list.toSpliced(index, 1);
    if (next.length) this.open.set(workload, next);
    else this.open.delete(workload);
  }
}

/**
 * The event `Placement:RecordRemoval` emits: { decisionId, workload, reason, txId }. A removal ends the
 * whole decision, so it is told once per cluster that decision had placed (or for `cluster` when named).
 */
export const PLACEMENT_REMOVED_EVENT = 'PlacementRemoved';

function verification(tx: CommittedTransaction, recordedAt: number): VerificationRecord[] {
  const attestation = json<AttestationRecord>(tx.args?.[0]);
  const event = json<{ memberCluster: string; nodeName: string; did: string; verified: boolean; reason: string; observedAt: string; superseded?: boolean }>(
    tx.event?.payload,
  );
  const a = attestation ?? event;
  if (!a) return [];
  return [
    {
      kind: 'verifications',
      txId: tx.txId,
      blockNumber: tx.blockNumber,
      recordedAt,
      observedAt: ms(a.observedAt) ?? recordedAt,
      sovereignNode: attestation?.sovereignNode,
      memberCluster: a.memberCluster,
      nodeName: a.nodeName,
      nodeDid: a.did,
      verified: a.verified,
      reason: a.reason,
      issuer: attestation?.issuer,
      country: attestation?.countryCode,
      jurisdiction: attestation?.jurisdiction,
      provider: attestation?.provider,
      expiresAt: ms(attestation?.expiresAt),
      credentialDigest: attestation?.credentialDigest,
      superseded: event?.superseded === true,
    },
  ];
}

/** One row per target of a recorded decision; approved targets on a cluster the previous decision did not use are failovers. */
export function placementRecords(
  tx: CommittedTransaction,
  recordedAt: number,
  decision: RecordedDecision,
  request: PlacementRequest | undefined,
  history: PlacementHistory,
): PlacementRecord[] {
  const workload = `${decision.workload.namespace}.${decision.workload.name}`;
  const approvedClusters = [...new Set(decision.targets.filter((t) => t.approved).map((t) => t.cluster))];
  const previous = history.next(workload, approvedClusters, decision.decisionId);
  return decision.targets.map((target) => {
    const claimed = request?.targets.find((t) => t.cluster === target.cluster && (t.pool ?? '') === (target.pool ?? ''));
    const failover = target.approved && previous !== undefined && !previous.includes(target.cluster);
    return {
      kind: 'placements',
      txId: tx.txId,
      blockNumber: tx.blockNumber,
      recordedAt,
      event: !target.approved ? 'refused' : failover ? 'failover' : 'placed',
      decisionId: decision.decisionId,
      namespace: decision.workload.namespace,
      name: decision.workload.name,
      cluster: target.cluster,
      pool: target.pool,
      provider: claimed?.provider,
      country: claimed?.countryCode,
      nodeDids: claimed ? [...new Set(claimed.nodes.map((n) => n.did))].sort().join(',') || undefined : undefined,
      approved: target.approved,
      reasons: target.reasons.length ? target.reasons.map((r) => r.code).join(',') : undefined,
      previousCluster: failover ? previous!.join(',') : undefined,
      datasets: decision.datasets.length ? decision.datasets.join(',') : undefined,
    } satisfies PlacementRecord;
  });
}

export function grantRecord(tx: CommittedTransaction, recordedAt: number, grant: GrantRecord, event: 'granted' | 'revoked'): AccessRecord {
  return {
    kind: 'access',
    txId: tx.txId,
    blockNumber: tx.blockNumber,
    recordedAt,
    event,
    grantId: grant.grantId,
    datasetId: grant.datasetId,
    decisionId: grant.decisionId,
    namespace: grant.workload.namespace,
    name: grant.workload.name,
    nodeDid: grant.nodeDids.join(',') || undefined,
    ownerMsp: grant.ownerMsp,
    expiresAt: ms(grant.expiresAt),
  };
}

/**
 * The audit records of one committed transaction of the embedded ledger,
 * which keeps each transaction's arguments and writes: verdicts, placement
 * targets, grants, uses and revocations. Other transactions (anchors,
 * policies, heads) give none.
 */
export function recordsOfTransaction(tx: CommittedTransaction, history: PlacementHistory): LedgerRecord[] {
  const recordedAt = Date.parse(tx.timestamp);
  const records: LedgerRecord[] = [];
  switch (tx.fn) {
    case 'TrustRegistry:RecordAttestation':
      return verification(tx, recordedAt);
    case 'Placement:RecordPlacement': {
      const decision = writesOfType<RecordedDecision>(tx, 'Placement').find((d) => d.txId === tx.txId);
      if (!decision) return [];
      records.push(...placementRecords(tx, recordedAt, decision, json<PlacementRequest>(tx.args?.[0]), history));
      for (const grant of writesOfType<GrantRecord>(tx, 'Grant')) records.push(grantRecord(tx, recordedAt, grant, 'granted'));
      return records;
    }
    case 'DataAccess:RecordAccess':
      return accessUse(tx, recordedAt);
    case 'DataAccess:RevokeGrant':
      return writesOfType<GrantRecord>(tx, 'Grant')
        .filter((g) => g.revoked)
        .map((g) => grantRecord(tx, recordedAt, g, 'revoked'));
  }
  if (tx.event?.name === PLACEMENT_REMOVED_EVENT) return removal(tx, recordedAt, history);
  return records;
}

function accessUse(tx: CommittedTransaction, recordedAt: number): AccessRecord[] {
  const verdict = json<AccessVerdict>(tx.event?.payload);
  if (!verdict) return [];
  return [
    {
      kind: 'access',
      txId: tx.txId,
      blockNumber: tx.blockNumber,
      recordedAt,
      event: verdict.allowed ? 'used' : 'refused',
      grantId: verdict.grantId,
      nodeDid: verdict.nodeDid,
      reason: verdict.reason,
    },
  ];
}

export function removal(tx: CommittedTransaction, recordedAt: number, history: PlacementHistory): PlacementRecord[] {
  const payload = json<{ decisionId?: string; workload?: { namespace: string; name: string }; cluster?: string }>(tx.event?.payload);
  if (!payload?.workload) return [];
  const { workload } = payload;
  const key = `${workload.namespace}.${workload.name}`;
  const ofDecision = payload.decisionId ? history.clustersOfDecision(payload.decisionId) : undefined;
  const clusters = payload.cluster ? [payload.cluster] : [...(ofDecision ?? history.clustersOf(key))];
  return clusters.map((cluster) => {
    history.removed(key, cluster, payload.decisionId);
    return {
      kind: 'placements' as const,
      txId: tx.txId,
      blockNumber: tx.blockNumber,
      recordedAt,
      event: 'removed' as const,
      decisionId: payload.decisionId ?? '',
      namespace: workload.namespace,
      name: workload.name,
      cluster,
      approved: false,
    };
  });
}
