import type { Context } from 'fabric-contract-api';
import { caller } from './access.ts';
import { canonicalJson } from './canonical-json.ts';
import { issueGrants } from './data-access.ts';
import { getPolicy } from './dataset-policy.ts';
import { ContractError } from './errors.ts';
import { emit, getJson, key, parseArgument, putJson, txTime } from './ledger-context.ts';
import { evaluateTargets } from './placement-policy.ts';
import {
  EVENTS,
  PLACEMENT_REMOVAL_KEY,
  REMOVAL_REASONS,
  type DatasetPolicy,
  type PlacementDecision,
  type PlacementNode,
  type PlacementRequest,
  type RecordedDecision,
  type RecordedRemoval,
  type RemovalReason,
  type RemovalRequest,
  type StoredAttestation,
} from './records.ts';
import { SovereignContract } from './sovereign-contract.ts';
import { attestationKey } from './trust-registry.ts';
import * as v from './validation.ts';

const DECISION = 'Placement';

function parseNode(raw: unknown, path: string): PlacementNode {
  const n = v.object(raw, path);
  return {
    memberCluster: v.string(n.memberCluster, `${path}.memberCluster`, v.NAME, v.NAME_HINT),
    nodeName: v.string(n.nodeName, `${path}.nodeName`, v.NAME, v.NAME_HINT),
    did: v.string(n.did, `${path}.did`, v.DID, v.DID_HINT),
  };
}

export function parsePlacementRequest(raw: unknown): PlacementRequest {
  const r = v.object(raw, 'request');
  const w = v.object(r.workload, 'request.workload');
  return {
    decisionId: v.string(r.decisionId, 'request.decisionId', v.NAME, v.NAME_HINT),
    workload: {
      namespace: v.string(w.namespace, 'request.workload.namespace', v.NAME, v.NAME_HINT),
      name: v.string(w.name, 'request.workload.name', v.NAME, v.NAME_HINT),
      uid: v.optionalString(w.uid, 'request.workload.uid'),
      generation: w.generation === undefined ? undefined : v.integer(w.generation, 'request.workload.generation', 0, Number.MAX_SAFE_INTEGER, 0),
    },
    purpose: v.optionalString(r.purpose, 'request.purpose', v.NAME, v.NAME_HINT),
    datasets: v.strings(r.datasets, 'request.datasets', v.NAME, v.NAME_HINT),
    targets: v.list(
      r.targets,
      'request.targets',
      (t, path) => {
        const target = v.object(t, path);
        return {
          cluster: v.string(target.cluster, `${path}.cluster`, v.NAME, v.NAME_HINT),
          pool: v.optionalString(target.pool, `${path}.pool`, v.NAME, v.NAME_HINT),
          provider: v.string(target.provider, `${path}.provider`, v.NAME, v.NAME_HINT),
          countryCode: v.string(target.countryCode, `${path}.countryCode`, v.COUNTRY, v.COUNTRY_HINT),
          nodes: v.list(target.nodes ?? [], `${path}.nodes`, parseNode, 10_000),
        };
      },
      100,
    ),
  };
}

export function parseRemovalRequest(raw: unknown): RemovalRequest {
  const r = v.object(raw, 'removal');
  const w = v.object(r.workload, 'removal.workload');
  const reason = v.string(r.reason, 'removal.reason');
  if (!(REMOVAL_REASONS as readonly string[]).includes(reason))
    throw new ContractError('InvalidArgument', `removal.reason ${reason}: use one of ${REMOVAL_REASONS.join(', ')}`);
  return {
    workload: {
      namespace: v.string(w.namespace, 'removal.workload.namespace', v.NAME, v.NAME_HINT),
      name: v.string(w.name, 'removal.workload.name', v.NAME, v.NAME_HINT),
      uid: v.optionalString(w.uid, 'removal.workload.uid'),
    },
    decisionId: v.string(r.decisionId, 'removal.decisionId', v.NAME, v.NAME_HINT),
    reason: reason as RemovalReason,
  };
}

/**
 * Whether `id` has the form the operator gives a workload's decision ids: `<namespace>.<name>.<20 hex digits>`,
 * cut at 253 characters (namespaces hold no dot, so no other namespace's ids share the prefix).
 */
export function idOfWorkload(id: string, workload: { namespace: string; name: string }): boolean {
  const prefix = `${workload.namespace}.${workload.name}.`;
  if (prefix.length + 20 <= 253) return id.startsWith(prefix) && /^[0-9a-f]{20}$/.test(id.slice(prefix.length));
  return id.length === 253 && id.startsWith(prefix.slice(0, 253)) && /^[0-9a-f]*$/.test(id.slice(prefix.length));
}

/** Reads every attestation and policy the request touches, then evaluates it as a pure function. */
async function evaluate(ctx: Context, request: PlacementRequest): Promise<PlacementDecision> {
  const attestations = new Map<string, StoredAttestation | undefined>();
  for (const node of request.targets.flatMap((t) => t.nodes)) {
    const k = attestationKey(ctx, node.memberCluster, node.nodeName);
    if (!attestations.has(k)) attestations.set(k, await getJson<StoredAttestation>(ctx, k));
  }
  const policies = new Map<string, DatasetPolicy | undefined>();
  for (const datasetId of request.datasets) policies.set(datasetId, await getPolicy(ctx, datasetId));
  const now = txTime(ctx);
  const targets = evaluateTargets(request, { attestation: (c, n) => attestations.get(attestationKey(ctx, c, n)), policy: (d) => policies.get(d) }, now);
  return {
    decisionId: request.decisionId,
    workload: request.workload,
    purpose: request.purpose,
    datasets: request.datasets,
    approved: targets.some((t) => t.approved),
    targets,
    evaluatedAt: now,
  };
}

/** Whether a placement may happen, judged against the ledger's attestations and the owners' policies. */
export class PlacementContract extends SovereignContract {
  constructor() {
    super('Placement');
  }

  /** Evaluates without recording: what the scheduler asks while it compares candidates. */
  async AuthorizePlacement(ctx: Context, requestJson: string): Promise<string> {
    return canonicalJson(await evaluate(ctx, parsePlacementRequest(parseArgument(requestJson, 'request'))));
  }

  /**
   * Evaluates again and records the result: the stored decision is the
   * ledger's own verdict, never the caller's claim. A decision id is recorded
   * once; a replay is refused and names the transaction that recorded it.
   * Approved targets get data-access grants bound to their nodes' DIDs.
   */
  async RecordPlacement(ctx: Context, requestJson: string): Promise<string> {
    const request = parsePlacementRequest(parseArgument(requestJson, 'request'));
    const decisionKey = key(ctx, DECISION, request.decisionId);
    const existing = await getJson<RecordedDecision>(ctx, decisionKey);
    if (existing) throw new ContractError('DecisionReplayed', `decision ${request.decisionId} was recorded by transaction ${existing.txId}`);
    // Read even when absent: on Fabric the key joins this transaction's read set, so a tombstone committed
    // after this endorsement but before this commit makes the commit fail its MVCC check.
    const closed = await getJson<RecordedRemoval>(ctx, key(ctx, PLACEMENT_REMOVAL_KEY, request.decisionId));
    if (closed)
      throw new ContractError(
        'DecisionClosed',
        `decision ${request.decisionId} was closed (${closed.reason}) by transaction ${closed.txId} before it was recorded: decide again under a new id`,
      );
    const decision = await evaluate(ctx, request);
    const grants = decision.approved ? await issueGrants(ctx, request, decision) : [];
    const recorded: RecordedDecision = { ...decision, txId: ctx.stub.getTxID(), recordedBy: caller(ctx), grants };
    await putJson(ctx, decisionKey, recorded);
    emit(ctx, EVENTS.placementRecorded, {
      decisionId: recorded.decisionId,
      workload: recorded.workload,
      approved: recorded.approved,
      txId: recorded.txId,
      grants,
    });
    return canonicalJson(recorded);
  }

  /**
   * Records that a recorded decision's placements were removed from every
   * member. Only a decision of this workload can be closed, and once: a
   * second call returns the first record, so a controller restarted between
   * the ledger and its own status write records nothing twice. NeverApplied
   * also closes an id the ledger has not recorded, for good (RecordPlacement
   * refuses it after that).
   */
  async RecordRemoval(ctx: Context, removalJson: string): Promise<string> {
    const removal = parseRemovalRequest(parseArgument(removalJson, 'removal'));
    const decision = await getJson<RecordedDecision>(ctx, key(ctx, DECISION, removal.decisionId));
    if (decision) {
      const { namespace, name } = decision.workload;
      if (namespace !== removal.workload.namespace || name !== removal.workload.name) {
        throw new ContractError(
          'WorkloadMismatch',
          `decision ${removal.decisionId} placed ${namespace}/${name}, not ${removal.workload.namespace}/${removal.workload.name}`,
        );
      }
    } else if (removal.reason !== 'NeverApplied') {
      throw new ContractError('NotFound', `no decision ${removal.decisionId}: only a recorded placement can be removed`);
    } else if (!idOfWorkload(removal.decisionId, removal.workload)) {
      // A tombstone bars the id for good: only ids of the named workload's own form may be barred, so closing a
      // "pending" id copied from another namespace's workload cannot refuse that workload's next decisions.
      throw new ContractError(
        'WorkloadMismatch',
        `no decision ${removal.decisionId}, and it is not an id of ${removal.workload.namespace}/${removal.workload.name} (<namespace>.<name>.<20 hex digits>): it cannot be closed as never applied`,
      );
    }
    const removalKey = key(ctx, PLACEMENT_REMOVAL_KEY, removal.decisionId);
    const existing = await getJson<RecordedRemoval>(ctx, removalKey);
    if (existing) return canonicalJson(existing);
    // Not recorded, or not yet (its transaction may still commit): a tombstone closes the id for good. Nothing was
    // placed, so no PlacementRemoved event tells the audit of it.
    const recorded: RecordedRemoval = {
      ...removal,
      removedAt: txTime(ctx),
      txId: ctx.stub.getTxID(),
      recordedBy: caller(ctx),
      ...(!decision && { unrecorded: true as const }),
    };
    await putJson(ctx, removalKey, recorded);
    if (decision)
      emit(ctx, EVENTS.placementRemoved, { decisionId: recorded.decisionId, workload: recorded.workload, reason: recorded.reason, txId: recorded.txId });
    return canonicalJson(recorded);
  }

  async GetDecision(ctx: Context, decisionId: string): Promise<string> {
    const recorded = await getJson<RecordedDecision>(ctx, key(ctx, DECISION, decisionId));
    if (!recorded) throw new ContractError('NotFound', `no decision ${decisionId}`);
    return canonicalJson(recorded);
  }
}
