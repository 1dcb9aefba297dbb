import type { Context } from 'fabric-contract-api';
import { caller } from './access.ts';
import { canonicalJson } from './canonical-json.ts';
import { ContractError } from './errors.ts';
import { emit, getJson, key, listJson, parseArgument, putJson, txTime } from './ledger-context.ts';
import { EVENTS, type AttestationRecord, type StoredAttestation, type TrustAnchorRecord } from './records.ts';
import { SovereignContract } from './sovereign-contract.ts';
import * as v from './validation.ts';
import { compareInstants } from './instants.ts';

const ANCHOR = 'TrustAnchor';
const ATTESTATION = 'Attestation';
const ATTESTATION_BY_DID = 'AttestationByDid';
const ATTESTATION_HISTORY = 'AttestationHistory';

export function attestationKey(ctx: Context, memberCluster: string, nodeName: string): string {
  return key(ctx, ATTESTATION, memberCluster, nodeName);
}

/** The latest attestation of the node holding `did`, if the trust authority recorded one. */
export async function attestationForDid(ctx: Context, did: string): Promise<StoredAttestation | undefined> {
  const pointer = await getJson<{ memberCluster: string; nodeName: string }>(ctx, key(ctx, ATTESTATION_BY_DID, did));
  return pointer ? getJson<StoredAttestation>(ctx, attestationKey(ctx, pointer.memberCluster, pointer.nodeName)) : undefined;
}

function parseAttestation(raw: unknown): AttestationRecord {
  const a = v.object(raw, 'attestation');
  return {
    sovereignNode: v.string(a.sovereignNode, 'attestation.sovereignNode', v.NAME, v.NAME_HINT),
    memberCluster: v.string(a.memberCluster, 'attestation.memberCluster', v.NAME, v.NAME_HINT),
    nodeName: v.string(a.nodeName, 'attestation.nodeName', v.NAME, v.NAME_HINT),
    did: v.string(a.did, 'attestation.did', v.DID, v.DID_HINT),
    verified: v.boolean(a.verified, 'attestation.verified', false),
    reason: v.string(a.reason, 'attestation.reason', /^[A-Z][A-Z_]+$/, 'use a reason code such as VERIFIED'),
    issuer: v.optionalString(a.issuer, 'attestation.issuer', v.DID, v.DID_HINT),
    countryCode: v.optionalString(a.countryCode, 'attestation.countryCode', v.COUNTRY, v.COUNTRY_HINT),
    jurisdiction: v.optionalString(a.jurisdiction, 'attestation.jurisdiction', v.JURISDICTION, v.JURISDICTION_HINT),
    provider: v.optionalString(a.provider, 'attestation.provider', v.NAME, v.NAME_HINT),
    expiresAt: v.optionalString(a.expiresAt, 'attestation.expiresAt', v.TIMESTAMP, v.TIMESTAMP_HINT),
    credentialDigest: v.string(a.credentialDigest, 'attestation.credentialDigest', v.DIGEST, v.DIGEST_HINT),
    observedAt: v.string(a.observedAt, 'attestation.observedAt', v.TIMESTAMP, v.TIMESTAMP_HINT),
  };
}

/** Which issuers the federation trusts, and each node's latest verdict: written only by the trust authority. */
export class TrustRegistryContract extends SovereignContract {
  constructor() {
    super('TrustRegistry');
  }

  async PutTrustAnchor(ctx: Context, anchorJson: string): Promise<string> {
    const a = v.object(parseArgument(anchorJson, 'anchor'), 'anchor');
    const record: TrustAnchorRecord = {
      did: v.string(a.did, 'anchor.did', v.DID, v.DID_HINT),
      name: v.string(a.name, 'anchor.name'),
      countries: v.strings(a.countries, 'anchor.countries', v.COUNTRY, v.COUNTRY_HINT),
      registeredBy: caller(ctx),
      registeredAt: txTime(ctx),
    };
    // An anchor without countries would vouch for any country: refused, not read as "all".
    if (!record.countries.length)
      throw new ContractError('InvalidArgument', `anchor.countries of ${record.did} must list the countries (ISO 3166-1 alpha-2) it may attest`);
    await putJson(ctx, key(ctx, ANCHOR, record.did), record);
    return canonicalJson(record);
  }

  async RemoveTrustAnchor(ctx: Context, did: string): Promise<string> {
    const anchorKey = key(ctx, ANCHOR, v.string(did, 'did', v.DID, v.DID_HINT));
    if (!(await getJson(ctx, anchorKey))) throw new ContractError('NotFound', `no trust anchor ${did}`);
    await ctx.stub.deleteState(anchorKey);
    return canonicalJson({ removed: did });
  }

  async ListTrustAnchors(ctx: Context): Promise<string> {
    return canonicalJson(await listJson<TrustAnchorRecord>(ctx, ANCHOR));
  }

  /** Stores the node's latest verdict. Re-recording the same verdict for the same credential is a no-op, so retries are safe. */
  async RecordAttestation(ctx: Context, attestationJson: string): Promise<string> {
    const attestation = parseAttestation(parseArgument(attestationJson, 'attestation'));
    if (attestation.verified) await assertAnchored(ctx, attestation);
    const stateKey = attestationKey(ctx, attestation.memberCluster, attestation.nodeName);
    const previous = await getJson<StoredAttestation>(ctx, stateKey);
    if (previous && sameVerdict(previous, attestation)) return canonicalJson(previous);
    const stored: StoredAttestation = { ...attestation, recordedAt: txTime(ctx), recordedBy: caller(ctx), txId: ctx.stub.getTxID() };
    if (previous && compareInstants(previous.observedAt, attestation.observedAt) > 0) {
      // A verdict delivered late (kept while the ledger was unreachable) is history, not the node's current state.
      await putJson(ctx, key(ctx, ATTESTATION_HISTORY, attestation.memberCluster, attestation.nodeName, attestation.observedAt), stored);
      emit(ctx, EVENTS.attestationRecorded, { ...recordedEvent(stored), superseded: true });
      return canonicalJson({ ...stored, superseded: true });
    }
    await putJson(ctx, stateKey, stored);
    if (previous && previous.did !== attestation.did) await ctx.stub.deleteState(key(ctx, ATTESTATION_BY_DID, previous.did));
    await putJson(ctx, key(ctx, ATTESTATION_BY_DID, attestation.did), { memberCluster: attestation.memberCluster, nodeName: attestation.nodeName });
    emit(ctx, EVENTS.attestationRecorded, recordedEvent(stored));
    return canonicalJson(stored);
  }

  async GetAttestation(ctx: Context, memberCluster: string, nodeName: string): Promise<string> {
    const stored = await getJson<StoredAttestation>(ctx, attestationKey(ctx, memberCluster, nodeName));
    if (!stored) throw new ContractError('NotFound', `no attestation for node ${nodeName} of ${memberCluster}`);
    return canonicalJson(stored);
  }
}

/** A positive verdict must name an issuer the trust authority registered, attesting a country that issuer may attest. */
async function assertAnchored(ctx: Context, attestation: AttestationRecord): Promise<void> {
  const where = `node ${attestation.nodeName} of ${attestation.memberCluster}`;
  if (!attestation.issuer) throw new ContractError('UntrustedIssuer', `a verified attestation of ${where} must name its issuer`);
  const anchor = await getJson<TrustAnchorRecord>(ctx, key(ctx, ANCHOR, attestation.issuer));
  if (!anchor)
    throw new ContractError(
      'UntrustedIssuer',
      `${attestation.issuer} is not a registered trust anchor, so it cannot vouch for ${where}; the trust authority's admin registers anchors (TrustRegistry:PutTrustAnchor)`,
    );
  if (!anchorMayAttest(anchor, attestation.countryCode)) {
    const may = anchor.countries.length ? anchor.countries.join(', ') : 'no country (it was registered without countries)';
    throw new ContractError('UntrustedIssuer', `${attestation.issuer} may attest ${may}, not ${attestation.countryCode ?? 'no country'} (${where})`);
  }
}

/** Whether an anchor may vouch for a node in `country`; one registered without countries (an older record) may vouch for none. */
export function anchorMayAttest(anchor: Pick<TrustAnchorRecord, 'countries'>, country: string | undefined): boolean {
  return Array.isArray(anchor.countries) && country !== undefined && anchor.countries.includes(country);
}

/** Whether two verdicts on a node say the same thing, whenever they were observed or recorded. */
/** What an AttestationRecorded event carries: the verdict and its transaction, not the whole stored record. */
function recordedEvent(stored: StoredAttestation) {
  const { memberCluster, nodeName, did, verified, reason, observedAt, txId } = stored;
  return { memberCluster, nodeName, did, verified, reason, observedAt, txId };
}

export function sameVerdict(a: AttestationRecord, b: AttestationRecord): boolean {
  return canonicalJson(verdictOf(a)) === canonicalJson(verdictOf(b));
}

function verdictOf(attestation: AttestationRecord): Omit<StoredAttestation, 'recordedAt' | 'recordedBy' | 'txId' | 'superseded' | 'observedAt'> {
  const { recordedAt: _r, recordedBy: _b, txId: _t, superseded: _s, observedAt: _o, ...verdict } = attestation as StoredAttestation;
  return verdict;
}
