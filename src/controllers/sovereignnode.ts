import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import type { SovereignNode, SovereignNodeStatus } from '../api/generated/types.ts';
import { GROUP, VERSION } from '../api/schema/common.ts';
import { MemberAccessError, type MemberClusterPool } from '../cluster/pool.ts';
import { LedgerContractError, LedgerUnavailableError, type Ledger } from '../ledger/ledger.ts';
import { describeError, isConflict, isNotFound } from '../operator/api-errors.ts';
import { setCondition } from '../operator/conditions.ts';
import { getClusterObject } from '../operator/objects.ts';
import { sameJson } from '../util/canonical-json.ts';
import { sha256Hex } from '../util/sha256.ts';
import { ledgerAvailable, ledgerSubmissions, verificationOutcomes } from '../operator/metrics.ts';
import { newNonce } from '../trust/issue.ts';
import { applyTrustMarks, nodeTrustMarks, type NodeTrustMarks } from '../trust/node-labels.ts';
import { conditionReason } from '../trust/reasons.ts';
import type { TrustVerifier, Verdict } from '../trust/verifier.ts';

export const SOVEREIGN_NODE_FINALIZER = 'cloudempire.eu/node-trust';
export const TRUST_FIELD_MANAGER = 'cloud-empire-trust';
const PLURAL = 'sovereignnodes';
const RESYNC_MS = 10 * 60_000;
const RETRY_MS = 10_000;

export interface SovereignNodeReconcilerDeps {
  host: KubeConfig;
  members: MemberClusterPool;
  verifier: TrustVerifier;
  ledger: Ledger;
  log: Logger;
  now?: () => number;
  /** How soon a node whose record or Node update failed is tried again (default 10 s). */
  retryAfterMs?: number;
}

export interface ReconcileResult {
  requeueAfterMs?: number;
}

/**
 * Verifies one SovereignNode and marks its member Node by the verdict:
 * fetch → challenge → verify → record on the ledger → label/taint the Node →
 * report in status. Level-based: running it twice changes nothing the second time.
 */
export class SovereignNodeReconciler {
  private readonly custom: CustomObjectsApi;
  private readonly deps: SovereignNodeReconcilerDeps;
  private readonly now: () => number;

  constructor(deps: SovereignNodeReconcilerDeps) {
    this.deps = deps;
    this.custom = deps.host.makeApiClient(CustomObjectsApi);
    this.now = deps.now ?? Date.now;
  }

  async reconcile(name: string): Promise<ReconcileResult> {
    let node = await getClusterObject<SovereignNode>(this.custom, PLURAL, name);
    if (!node) return {};

    if (node.metadata.deletionTimestamp) {
      if (node.metadata.finalizers?.includes(SOVEREIGN_NODE_FINALIZER)) {
        // Nobody vouches for the Node any more: it returns to unverified before the object goes.
        await this.markMemberNode(node, nodeTrustMarks(undefined));
        node.metadata.finalizers = node.metadata.finalizers.filter((f) => f !== SOVEREIGN_NODE_FINALIZER);
        await this.custom.replaceClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, name, body: node });
      }
      return {};
    }
    if (!node.metadata.finalizers?.includes(SOVEREIGN_NODE_FINALIZER)) {
      node.metadata.finalizers = [...(node.metadata.finalizers ?? []), SOVEREIGN_NODE_FINALIZER];
      node = (await this.custom.replaceClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, name, body: node })) as SovereignNode;
    }

    const nowMs = this.now();
    const now = new Date(nowMs);
    const generation = node.metadata.generation ?? 0;
    const previous = node.status ?? {};
    const status: SovereignNodeStatus = { ...previous, observedGeneration: generation };
    const config = this.deps.verifier.config;

    // A challenge lives until answered and then until it lapses; a lapsed one is replaced.
    if (config.requireProofOfPossession) {
      const lapsed = !status.challenge || Date.parse(status.challenge.issuedAt) + config.challengeTtlSeconds * 1000 <= nowMs;
      if (lapsed) status.challenge = { nonce: newNonce(), audience: config.audience, issuedAt: now.toISOString() };
    } else {
      delete status.challenge;
    }

    const verdict = await this.deps.verifier.verify({ ...node.spec }, { challenge: status.challenge, now: nowMs });
    verificationOutcomes.inc({ reason: verdict.reason });
    const recorded = await this.record(node, verdict, previous, now);

    // Fail closed: a node whose verification the ledger has not recorded is not admitted.
    const effective: Verdict | undefined = recorded.ok || !verdict.verified ? verdict : undefined;
    status.conditions = setCondition(
      status.conditions,
      recorded.ok || !verdict.verified
        ? { type: 'Verified', status: verdict.verified ? 'True' : 'False', reason: conditionReason(verdict.reason), message: verdict.message, observedGeneration: generation }
        : { type: 'Verified', status: 'False', reason: recorded.reason, message: `${verdict.message}, but the ledger did not record it (${recorded.error}); the node stays unverified until it does`, observedGeneration: generation },
      now,
    );
    status.conditions = setCondition(
      status.conditions,
      recorded.ok
        ? { type: 'Recorded', status: 'True', reason: 'AttestationRecorded', message: `ledger transaction ${recorded.txId}`, observedGeneration: generation }
        : { type: 'Recorded', status: 'False', reason: recorded.reason, message: recorded.error, observedGeneration: generation },
      now,
    );
    status.conditions = setCondition(
      status.conditions,
      recorded.ok || recorded.reason !== 'LedgerUnavailable'
        ? { type: 'LedgerAvailable', status: 'True', reason: 'LedgerAnswered', message: `the ${this.deps.ledger.kind} ledger answered`, observedGeneration: generation }
        : { type: 'LedgerAvailable', status: 'False', reason: 'LedgerUnavailable', message: `${recorded.error}; the record is pending and will be written when the ledger returns`, observedGeneration: generation },
      now,
    );
    if (recorded.ok) status.ledgerTxId = recorded.txId;
    for (const key of ['issuer', 'countryCode', 'jurisdiction', 'provider', 'expiresAt'] as const) {
      if (verdict[key] === undefined) delete status[key];
      else (status as Record<string, unknown>)[key] = verdict[key];
    }
    if (effective?.verified) {
      if (findVerified(previous) !== 'True') status.verifiedAt = now.toISOString();
    } else {
      delete status.verifiedAt;
    }

    let requeueAfterMs = recorded.ok ? RESYNC_MS : (this.deps.retryAfterMs ?? RETRY_MS);
    try {
      await this.markMemberNode(node, nodeTrustMarks(effective));
      status.conditions = setCondition(status.conditions, { type: 'NodeBound', status: 'True', reason: 'NodeMarked', message: `Node ${node.spec.nodeName} in ${node.spec.memberCluster} carries the verdict`, observedGeneration: generation }, now);
    } catch (error) {
      if (isConflict(error)) throw error;
      const reason = error instanceof MemberAccessError ? error.reason : isNotFound(error) ? 'NodeNotFound' : 'MemberUnreachable';
      const message = isNotFound(error) ? `Node ${node.spec.nodeName} does not exist in ${node.spec.memberCluster} (yet)` : describeError(error);
      status.conditions = setCondition(status.conditions, { type: 'NodeBound', status: 'False', reason, message, observedGeneration: generation }, now);
      requeueAfterMs = this.deps.retryAfterMs ?? RETRY_MS;
      this.deps.log.warn('cannot mark member node', { component: 'sovereignnode', sovereignNode: name, reason, message });
    }

    if (!sameJson(status, previous)) {
      await this.custom.replaceClusterCustomObjectStatus({ group: GROUP, version: VERSION, plural: PLURAL, name, body: { ...node, status } });
      this.deps.log.info('verdict', { component: 'sovereignnode', sovereignNode: name, verified: effective?.verified ?? false, reason: verdict.reason, ledgerTxId: status.ledgerTxId });
    }

    const recheckAt = verdict.recheckAt ? Date.parse(verdict.recheckAt) : Infinity;
    const challengeLapse = status.challenge ? Date.parse(status.challenge.issuedAt) + config.challengeTtlSeconds * 1000 : Infinity;
    return { requeueAfterMs: Math.max(1000, Math.min(requeueAfterMs, recheckAt - nowMs, challengeLapse - nowMs)) };
  }

  private ledgerOutcome(outcome: 'committed' | 'refused' | 'unavailable'): void {
    ledgerSubmissions.inc({ transaction: 'RecordAttestation', outcome });
    ledgerAvailable.set({ kind: this.deps.ledger.kind }, outcome === 'unavailable' ? 0 : 1);
  }

  /** Records a verdict once per (generation, reason, credential); a repeat of the last record is skipped. */
  private async record(
    node: SovereignNode,
    verdict: Verdict,
    previous: SovereignNodeStatus,
    now: Date,
  ): Promise<{ ok: true; txId: string } | { ok: false; reason: 'LedgerUnavailable' | 'LedgerRefused'; error: string }> {
    const recordedBefore = previous.conditions?.find((c) => c.type === 'Recorded');
    const verifiedBefore = previous.conditions?.find((c) => c.type === 'Verified');
    if (
      previous.ledgerTxId &&
      recordedBefore?.status === 'True' &&
      recordedBefore.observedGeneration === node.metadata.generation &&
      verifiedBefore?.reason === conditionReason(verdict.reason)
    ) {
      return { ok: true, txId: previous.ledgerTxId };
    }
    try {
      const receipt = await this.deps.ledger.recordAttestation({
        sovereignNode: node.metadata.name!,
        memberCluster: node.spec.memberCluster,
        nodeName: node.spec.nodeName,
        did: node.spec.did,
        verified: verdict.verified,
        reason: verdict.reason,
        issuer: verdict.issuer,
        countryCode: verdict.countryCode,
        jurisdiction: verdict.jurisdiction,
        provider: verdict.provider,
        expiresAt: verdict.expiresAt,
        credentialDigest: sha256Hex(node.spec.credential),
        observedAt: now.toISOString(),
      });
      this.ledgerOutcome('committed');
      return { ok: true, txId: receipt.txId };
    } catch (error) {
      if (error instanceof LedgerUnavailableError) {
        this.ledgerOutcome('unavailable');
        return { ok: false, reason: 'LedgerUnavailable', error: error.message };
      }
      // The contract refusing a record is not a transient failure: report it; the node stays unverified.
      if (error instanceof LedgerContractError) {
        this.ledgerOutcome('refused');
        return { ok: false, reason: 'LedgerRefused', error: error.message };
      }
      throw error;
    }
  }

  /**
   * Puts the verdict on the member Node, touching only the operator's label
   * and taint keys. Not server-side apply: Node taints are an atomic list, so
   * applying ours would drop everyone else's. The update carries the
   * resourceVersion read, so a concurrent change makes it fail and retry.
   */
  private async markMemberNode(node: SovereignNode, marks: NodeTrustMarks): Promise<void> {
    const member = await this.deps.members.client(node.spec.memberCluster);
    const current = await member.core.readNode({ name: node.spec.nodeName });
    const updated = applyTrustMarks(current, marks);
    if (updated) await member.core.replaceNode({ name: node.spec.nodeName, body: updated, fieldManager: TRUST_FIELD_MANAGER });
  }
}

function findVerified(status: SovereignNodeStatus): string | undefined {
  return status.conditions?.find((c) => c.type === 'Verified')?.status;
}
