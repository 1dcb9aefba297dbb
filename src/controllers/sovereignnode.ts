import type { Logger } from 'winston';
import type { SovereignNode } from '../api/generated/types.ts';
import { MemberAccessError, type MemberNodes } from '../cluster/member-clients.ts';
import { LedgerContractError, LedgerUnavailableError, type Ledger } from '../ledger/ledger.ts';
import { describeError, isConflict, isNotFound } from '../runtime/api-errors.ts';
import { Controller } from '../runtime/controller.ts';
import { finalize } from '../runtime/finalizers.ts';
import type { SharedInformer } from '../runtime/informer.ts';
import type { KindClient } from '../runtime/kind-client.ts';
import { done, requeueAfter, type ReconcileResult, type Reconciler } from '../runtime/result.ts';
import { sameJson } from '../util/canonical-json.ts';
import { sha256Hex } from '../util/sha256.ts';
import { newNonce } from '../trust/issue.ts';
import { applyTrustMarks, nodeTrustMarks, type NodeTrustMarks } from '../trust/node-labels.ts';
import type { TrustVerifier, Verdict } from '../trust/verifier.ts';
import { ledgerAvailable, ledgerSubmissions, verificationOutcomes } from './metrics.ts';
import {
  admittedVerdict,
  alreadyRecorded,
  currentChallenge,
  nextLookMs,
  sovereignNodeStatus,
  type BindOutcome,
  type RecordOutcome,
} from './sovereignnode-status.ts';

export const SOVEREIGN_NODE_FINALIZER = 'cloudempire.eu/node-trust';
export const TRUST_FIELD_MANAGER = 'cloud-empire-trust';
const RESYNC_MS = 10 * 60_000;
const RETRY_MS = 10_000;

export interface SovereignNodeReconcilerDeps {
  nodes: KindClient<SovereignNode>;
  memberNodes: MemberNodes;
  verifier: Pick<TrustVerifier, 'config' | 'verify'>;
  ledger: Pick<Ledger, 'kind' | 'recordAttestation'>;
  log: Logger;
  now?: () => number;
  /** How soon a node whose record or Node update failed is tried again (default 10 s). */
  retryAfterMs?: number;
  newNonce?: () => string;
}

/** Why the member Node could not be marked, for the NodeBound condition. */
function bindFailure(error: unknown, node: SovereignNode): Extract<BindOutcome, { ok: false }> {
  if (error instanceof MemberAccessError) return { ok: false, reason: error.reason, message: error.message };
  if (isNotFound(error)) return { ok: false, reason: 'NodeNotFound', message: `Node ${node.spec.nodeName} does not exist in ${node.spec.memberCluster} (yet)` };
  return { ok: false, reason: 'MemberUnreachable', message: describeError(error) };
}

/**
 * Verifies one SovereignNode and marks its member Node by the verdict:
 * read → challenge → verify → record on the ledger → label/taint the Node →
 * report in status. Level-based: running it twice changes nothing the second time.
 */
export class SovereignNodeReconciler implements Reconciler {
  private readonly deps: SovereignNodeReconcilerDeps;
  private readonly now: () => number;

  constructor(deps: SovereignNodeReconcilerDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
  }

  async reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    const found = await this.deps.nodes.get(key);
    if (!found) return done;
    // Nobody vouches for a leaving node's Node any more: it returns to unverified before the object goes.
    const node = await finalize(this.deps.nodes, found, SOVEREIGN_NODE_FINALIZER, (n) => this.markMemberNode(n, nodeTrustMarks(undefined)));
    if (!node) return done;

    const nowMs = this.now();
    const now = new Date(nowMs);
    const generation = node.metadata.generation ?? 0;
    const previous = node.status ?? {};
    const config = this.deps.verifier.config;
    const challenge = currentChallenge(previous.challenge, config, nowMs, this.deps.newNonce ?? newNonce);

    const verdict = await this.deps.verifier.verify({ ...node.spec }, { challenge, now: nowMs });
    signal.throwIfAborted();
    verificationOutcomes.inc({ reason: verdict.reason });
    const recorded = await this.record(node, verdict, previous, now);

    let bound: BindOutcome = { ok: true };
    try {
      await this.markMemberNode(node, nodeTrustMarks(admittedVerdict(verdict, recorded)));
    } catch (error) {
      if (isConflict(error)) throw error;
      bound = bindFailure(error, node);
      this.deps.log.warn('cannot mark member node', { component: 'sovereignnode', sovereignNode: key, reason: bound.reason, message: bound.message });
    }

    const status = sovereignNodeStatus({
      generation,
      previous,
      challenge,
      verdict,
      recorded,
      bound,
      ledgerKind: this.deps.ledger.kind,
      memberCluster: node.spec.memberCluster,
      nodeName: node.spec.nodeName,
      now,
    });
    if (!sameJson(status, previous)) {
      await this.deps.nodes.updateStatus({ ...node, status });
      this.deps.log.info('verdict', {
        component: 'sovereignnode',
        sovereignNode: key,
        verified: admittedVerdict(verdict, recorded)?.verified ?? false,
        reason: verdict.reason,
        ledgerTxId: status.ledgerTxId,
      });
    }
    const retryMs = this.deps.retryAfterMs ?? RETRY_MS;
    return requeueAfter(nextLookMs({ verdict, recorded, bound, challenge, config, nowMs, resyncMs: RESYNC_MS, retryMs }));
  }

  private ledgerOutcome(outcome: 'committed' | 'refused' | 'unavailable'): void {
    ledgerSubmissions.inc({ transaction: 'RecordAttestation', outcome });
    ledgerAvailable.set({ kind: this.deps.ledger.kind }, outcome === 'unavailable' ? 0 : 1);
  }

  private async record(node: SovereignNode, verdict: Verdict, previous: NonNullable<SovereignNode['status']>, now: Date): Promise<RecordOutcome> {
    const txId = alreadyRecorded(previous, node.metadata.generation, verdict);
    if (txId) return { ok: true, txId };
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
    const current = await this.deps.memberNodes.readNode(node.spec.memberCluster, node.spec.nodeName);
    const updated = applyTrustMarks(current, marks);
    if (updated) await this.deps.memberNodes.replaceNode(node.spec.memberCluster, updated, TRUST_FIELD_MANAGER);
  }
}

/** The SovereignNode controller: one reconcile per SovereignNode change, from the shared SovereignNode informer. */
export function sovereignNodeController(deps: SovereignNodeReconcilerDeps & { informer: SharedInformer<SovereignNode> }): Controller<SovereignNode> {
  return new Controller<SovereignNode>({ name: 'sovereignnode', informer: deps.informer, reconciler: new SovereignNodeReconciler(deps), log: deps.log });
}
