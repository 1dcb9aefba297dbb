// The decision as FederatedWorkload.status.decision stores it.
import type { PlacementDecision } from '../api/generated/types.ts';
import type { Decision } from './schedule.ts';

const MAX_REASON = 1024;
const clip = (text: string, max = MAX_REASON) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** The API shape of a decision; the ledger transaction id and time are the controller's to add. */
export function toStatusDecision(decision: Decision, extra: { ledgerTxId?: string; decidedAt?: string } = {}): PlacementDecision {
  const refused = decision.evaluations.filter((e) => e.refusal);
  const scored = decision.evaluations.filter((e) => e.scores && !e.refusal);
  const pools = (e: (typeof decision.evaluations)[number]) =>
    e.poolRefusals?.slice(0, 64).map((p) => ({ pool: p.pool, plugin: p.plugin, code: p.code, reason: clip(p.reason) }));
  return {
    placements: decision.placements.map((p) => ({
      cluster: p.cluster,
      ...(p.pool && { pool: p.pool }),
      replicas: p.replicas,
      ...(p.completions !== undefined && { completions: p.completions }),
      ...(p.score !== undefined && { score: p.score }),
      country: p.country,
      provider: p.provider,
      nodes: p.nodes.length,
    })),
    ...(refused.length && {
      refused: refused.slice(0, 1024).map((e) => {
        const p = pools(e);
        return { cluster: e.cluster, plugin: e.refusal!.plugin, code: e.refusal!.code, reason: clip(e.refusal!.reason), ...(p && { pools: p }) };
      }),
    }),
    ...(scored.length && {
      scores: scored.slice(0, 1024).map((e) => {
        const p = pools(e);
        return { cluster: e.cluster, score: e.score!, plugins: e.scores!, ...(e.pool && { pool: e.pool }), ...(p && { refusedPools: p }) };
      }),
    }),
    ...(decision.unschedulable && { unschedulable: { code: decision.unschedulable.code, message: clip(decision.unschedulable.message, 4096) } }),
    ...(extra.ledgerTxId && { ledgerTxId: extra.ledgerTxId }),
    ...(extra.decidedAt && { decidedAt: extra.decidedAt }),
  };
}

/** What AuthorizePlacement needs per target (chaincode PlacementTarget). */
export function placementTargets(
  decision: Decision,
): { cluster: string; pool?: string; provider: string; countryCode: string; nodes: { memberCluster: string; nodeName: string; did: string }[] }[] {
  return decision.placements.map((p) => ({
    cluster: p.cluster,
    ...(p.pool && { pool: p.pool }),
    provider: p.provider,
    countryCode: p.country,
    nodes: p.nodes.map((n) => ({ memberCluster: p.cluster, nodeName: n.name, did: n.did })),
  }));
}
