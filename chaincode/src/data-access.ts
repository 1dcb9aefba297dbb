import type { Context } from 'fabric-contract-api';
import { assertDatasetOwner, caller, isOperator } from './access.ts';
import { canonicalJson } from './canonical-json.ts';
import { getPolicy } from './dataset-policy.ts';
import { requireOwnerEndorsement } from './key-endorsement.ts';
import { ContractError } from './errors.ts';
import { emit, getJson, key, listJson, putJson, txTime } from './ledger-context.ts';
import {
  EVENTS,
  PLACEMENT_REMOVAL_KEY,
  type AccessReasonCode,
  type AccessVerdict,
  type GrantRecord,
  type PlacementDecision,
  type PlacementRequest,
  type RecordedRemoval,
} from './records.ts';
import { SovereignContract } from './sovereign-contract.ts';
import { attestationForDid } from './trust-registry.ts';
import * as v from './validation.ts';
import { compareInstants } from './instants.ts';

const GRANT = 'Grant';
const ACCESS = 'Access';
// An index, dataset → grant id, so that an owner can ask who may read its data;
// it points at the grant record, which stays the only truth (revocations included).
const GRANT_OF_DATASET = 'GrantOfDataset';

export function grantId(decisionId: string, datasetId: string): string {
  return `${decisionId}.${datasetId}`;
}

/** One grant per dataset of an approved decision, bound to the DIDs of the approved targets' nodes. */
export async function issueGrants(ctx: Context, request: PlacementRequest, decision: PlacementDecision): Promise<string[]> {
  const approved = new Set(decision.targets.filter((t) => t.approved).map((t) => `${t.cluster}/${t.pool ?? ''}`));
  const nodeDids = [...new Set(request.targets.filter((t) => approved.has(`${t.cluster}/${t.pool ?? ''}`)).flatMap((t) => t.nodes.map((n) => n.did)))].sort();
  const issuedAt = txTime(ctx);
  const ids: string[] = [];
  for (const datasetId of request.datasets) {
    const policy = await getPolicy(ctx, datasetId);
    if (!policy) continue; // an approved decision names only datasets with policies
    const grant: GrantRecord = {
      grantId: grantId(request.decisionId, datasetId),
      datasetId,
      ownerMsp: policy.ownerMsp,
      decisionId: request.decisionId,
      workload: request.workload,
      purpose: request.purpose,
      nodeDids,
      issuedAt,
      expiresAt: new Date(Date.parse(issuedAt) + policy.grantTtlSeconds * 1000).toISOString(),
      revoked: false,
    };
    const grantKey = key(ctx, GRANT, grant.grantId);
    await putJson(ctx, grantKey, grant);
    // Revoking is the owner's: its peers must endorse any later change of the grant.
    await requireOwnerEndorsement(ctx, grantKey, grant.ownerMsp);
    await putJson(ctx, key(ctx, GRANT_OF_DATASET, datasetId, grant.grantId), grant.grantId);
    ids.push(grant.grantId);
  }
  return ids;
}

async function requireGrant(ctx: Context, id: string): Promise<GrantRecord> {
  const grant = await getJson<GrantRecord>(ctx, key(ctx, GRANT, v.string(id, 'grantId')));
  if (!grant) throw new ContractError('NotFound', `no grant ${id}`);
  return grant;
}

/** Judges one use of a grant by one node at the transaction's time; the reasons are stable codes. */
async function judge(ctx: Context, grant: GrantRecord, nodeDid: string): Promise<AccessVerdict> {
  const at = txTime(ctx);
  const verdict = (allowed: boolean, reason: AccessReasonCode, message: string): AccessVerdict => ({
    grantId: grant.grantId,
    nodeDid,
    allowed,
    reason,
    message,
    at,
  });
  if (grant.revoked) return verdict(false, 'GrantRevoked', `grant ${grant.grantId} was revoked at ${grant.revokedAt} by ${grant.revokedBy}`);
  if (compareInstants(grant.expiresAt, at) <= 0) return verdict(false, 'GrantExpired', `grant ${grant.grantId} expired at ${grant.expiresAt}`);
  // A closed placement (deleted, scaled to zero, or recorded but never run) reads nothing more, whatever the grant's TTL.
  const removal = await getJson<RecordedRemoval>(ctx, key(ctx, PLACEMENT_REMOVAL_KEY, grant.decisionId));
  if (removal)
    return verdict(
      false,
      'PlacementRemoved',
      `decision ${grant.decisionId} was closed (${removal.reason}) at ${removal.removedAt} by transaction ${removal.txId}`,
    );
  if (!grant.nodeDids.includes(nodeDid))
    return verdict(false, 'NodeNotBound', `grant ${grant.grantId} is bound to ${grant.nodeDids.length} other node(s), not ${nodeDid}`);
  const policy = await getPolicy(ctx, grant.datasetId);
  if (!policy) return verdict(false, 'DatasetUnknown', `dataset ${grant.datasetId} has no policy any more`);
  if (!grant.purpose || !policy.allowedPurposes.includes(grant.purpose)) {
    return verdict(
      false,
      'PurposeNotAllowed',
      `dataset ${grant.datasetId}'s policy (version ${policy.version}) no longer allows ${grant.purpose ?? 'an unstated purpose'}`,
    );
  }
  if (policy.verifiedNodesOnly) {
    const attestation = await attestationForDid(ctx, nodeDid);
    if (!attestation?.verified) return verdict(false, 'NodeNotVerified', `${nodeDid} is not verified now${attestation ? ` (${attestation.reason})` : ''}`);
    if (attestation.expiresAt && compareInstants(attestation.expiresAt, at) <= 0)
      return verdict(false, 'AttestationExpired', `${nodeDid}'s credential expired at ${attestation.expiresAt}`);
  }
  return verdict(true, 'Allowed', `${nodeDid} may read ${grant.datasetId} for ${grant.purpose}`);
}

/** Grants bound to a workload and its nodes' DIDs: checked at each use, revocable by the dataset's owner. */
export class DataAccessContract extends SovereignContract {
  constructor() {
    super('DataAccess');
  }

  async GetGrant(ctx: Context, id: string): Promise<string> {
    return canonicalJson(await requireGrant(ctx, id));
  }

  /** Every grant issued on a dataset, oldest first, revoked and expired ones included. */
  async ListGrants(ctx: Context, datasetId: string): Promise<string> {
    const ids = await listJson<string>(ctx, GRANT_OF_DATASET, [v.string(datasetId, 'datasetId', v.NAME, v.NAME_HINT)]);
    const grants: GrantRecord[] = [];
    for (const id of ids) {
      const grant = await getJson<GrantRecord>(ctx, key(ctx, GRANT, id));
      if (grant) grants.push(grant);
    }
    return canonicalJson(grants.sort((a, b) => a.issuedAt.localeCompare(b.issuedAt) || a.grantId.localeCompare(b.grantId)));
  }

  /** Whether a node may use a grant now, without recording the question. */
  async CheckAccess(ctx: Context, id: string, nodeDid: string): Promise<string> {
    return canonicalJson(await judge(ctx, await requireGrant(ctx, id), v.string(nodeDid, 'nodeDid', v.DID, v.DID_HINT)));
  }

  /** Judges a use and records it, allowed or not: the audit trail has refusals too. */
  async RecordAccess(ctx: Context, id: string, nodeDid: string): Promise<string> {
    const grant = await requireGrant(ctx, id);
    if (!isOperator(ctx)) assertDatasetOwner(ctx, grant.datasetId, grant.ownerMsp, 'record uses of its grants');
    const verdict = await judge(ctx, grant, v.string(nodeDid, 'nodeDid', v.DID, v.DID_HINT));
    const recorded = { ...verdict, txId: ctx.stub.getTxID(), recordedBy: caller(ctx) };
    await putJson(ctx, key(ctx, ACCESS, grant.grantId, ctx.stub.getTxID()), recorded);
    emit(ctx, EVENTS.accessRecorded, recorded);
    return canonicalJson(recorded);
  }

  async RevokeGrant(ctx: Context, id: string): Promise<string> {
    const grant = await requireGrant(ctx, id);
    assertDatasetOwner(ctx, grant.datasetId, grant.ownerMsp, 'revoke its grants');
    if (grant.revoked) return canonicalJson(grant);
    const revoked: GrantRecord = { ...grant, revoked: true, revokedAt: txTime(ctx), revokedBy: caller(ctx) };
    await putJson(ctx, key(ctx, GRANT, grant.grantId), revoked);
    emit(ctx, EVENTS.grantRevoked, { grantId: revoked.grantId, datasetId: revoked.datasetId, revokedAt: revoked.revokedAt });
    return canonicalJson(revoked);
  }
}
