import { createHash } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { assertDatasetOwner, caller, ownerCollection } from './access.ts';
import { canonicalJson } from './canonical-json.ts';
import { ContractError } from './errors.ts';
import { requireOwnerEndorsement } from './key-endorsement.ts';
import { bytes, emit, getJson, key, parseArgument, putJson, text, txTime } from './ledger-context.ts';
import { EVENTS, type DatasetDetails, type DatasetPolicy, type DatasetPolicyInput } from './records.ts';
import { SovereignContract } from './sovereign-contract.ts';
import * as v from './validation.ts';

const POLICY = 'DatasetPolicy';
const DETAILS = 'DatasetDetails';
/** The transient-map key under which an owner sends protected details, so they never enter the transaction. */
export const DETAILS_TRANSIENT_KEY = 'datasetDetails';

export async function getPolicy(ctx: Context, datasetId: string): Promise<DatasetPolicy | undefined> {
  return getJson<DatasetPolicy>(ctx, key(ctx, POLICY, datasetId));
}

export function parsePolicy(raw: unknown): DatasetPolicyInput {
  const p = v.object(raw, 'policy');
  const known = new Set([
    'datasetId',
    'allowedJurisdictions',
    'allowedCountries',
    'allowedProviders',
    'allowedPurposes',
    'verifiedNodesOnly',
    'grantTtlSeconds',
  ]);
  for (const field of Object.keys(p)) {
    if (!known.has(field)) throw new ContractError('InvalidArgument', `policy.${field} is not a policy field; remove it (fields: ${[...known].join(', ')})`);
  }
  const policy: DatasetPolicyInput = {
    datasetId: v.string(p.datasetId, 'policy.datasetId', v.NAME, v.NAME_HINT),
    allowedJurisdictions: v.strings(p.allowedJurisdictions, 'policy.allowedJurisdictions', v.JURISDICTION, v.JURISDICTION_HINT),
    allowedCountries: v.strings(p.allowedCountries, 'policy.allowedCountries', v.COUNTRY, v.COUNTRY_HINT),
    allowedProviders: v.strings(p.allowedProviders, 'policy.allowedProviders', v.NAME, v.NAME_HINT),
    allowedPurposes: v.strings(p.allowedPurposes, 'policy.allowedPurposes', v.NAME, v.NAME_HINT),
    verifiedNodesOnly: v.boolean(p.verifiedNodesOnly, 'policy.verifiedNodesOnly', true),
    grantTtlSeconds: v.integer(p.grantTtlSeconds, 'policy.grantTtlSeconds', 60, 366 * 86_400, 86_400),
  };
  if (!policy.allowedPurposes.length)
    throw new ContractError('InvalidArgument', 'policy.allowedPurposes is empty: name at least one purpose the data may serve');
  return policy;
}

export function parseDetails(raw: unknown): DatasetDetails {
  const d = v.object(raw, `transient ${DETAILS_TRANSIENT_KEY}`);
  return {
    location: v.string(d.location, `${DETAILS_TRANSIENT_KEY}.location`),
    keyReference: v.string(d.keyReference, `${DETAILS_TRANSIENT_KEY}.keyReference`),
  };
}

/** A data owner's rules for its datasets; the protected details stay in the owner's private collection. */
export class DatasetPolicyContract extends SovereignContract {
  constructor() {
    super('DatasetPolicy');
  }

  /**
   * Creates or replaces a dataset's policy. The first publisher becomes the
   * owner; nobody else, the trust authority included, can change it after.
   * Protected details travel as transient data, land only in the owner's
   * collection, and the public record keeps their hash.
   */
  async PublishPolicy(ctx: Context, policyJson: string): Promise<string> {
    const input = parsePolicy(parseArgument(policyJson, 'policy'));
    const msp = ctx.clientIdentity.getMSPID();
    const previous = await getPolicy(ctx, input.datasetId);
    if (previous) assertDatasetOwner(ctx, input.datasetId, previous.ownerMsp, 'change its policy');
    let detailsHash = previous?.detailsHash;
    const transient = ctx.stub.getTransient().get(DETAILS_TRANSIENT_KEY);
    if (transient && transient.length) {
      const details = parseDetails(parseArgument(text(transient), `transient ${DETAILS_TRANSIENT_KEY}`));
      const stored = canonicalJson(details);
      await ctx.stub.putPrivateData(ownerCollection(msp), key(ctx, DETAILS, input.datasetId), bytes(stored));
      detailsHash = createHash('sha256').update(stored).digest('hex');
    }
    const policy: DatasetPolicy = {
      ...input,
      ownerMsp: previous?.ownerMsp ?? msp,
      version: (previous?.version ?? 0) + 1,
      updatedAt: txTime(ctx),
      updatedBy: caller(ctx),
      detailsHash,
    };
    const policyKey = key(ctx, POLICY, input.datasetId);
    await putJson(ctx, policyKey, policy);
    if (!previous) await requireOwnerEndorsement(ctx, policyKey, policy.ownerMsp);
    emit(ctx, EVENTS.policyPublished, { datasetId: policy.datasetId, ownerMsp: policy.ownerMsp, version: policy.version });
    return canonicalJson(policy);
  }

  async GetPolicy(ctx: Context, datasetId: string): Promise<string> {
    const policy = await getPolicy(ctx, datasetId);
    if (!policy) throw new ContractError('NotFound', `no policy for dataset ${datasetId}`);
    return canonicalJson(policy);
  }

  /** The protected details, for the owner only: other organizations' peers do not even hold them. */
  async ReadDatasetDetails(ctx: Context, datasetId: string): Promise<string> {
    const policy = await getPolicy(ctx, datasetId);
    if (!policy) throw new ContractError('NotFound', `no policy for dataset ${datasetId}`);
    assertDatasetOwner(ctx, datasetId, policy.ownerMsp, 'read its protected details');
    const stored = await ctx.stub.getPrivateData(ownerCollection(policy.ownerMsp), key(ctx, DETAILS, datasetId));
    if (!stored || !stored.length) throw new ContractError('NotFound', `dataset ${datasetId} has no protected details`);
    return text(stored);
  }
}
