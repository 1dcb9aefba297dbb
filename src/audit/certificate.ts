import { decodeJwt, signJwt } from '../trust/jwt.ts';
import type { KeyFile } from '../trust/issue.ts';
import { verifyingKeyOfDid } from '../trust/signing-key.ts';
import { canonicalJson } from '../util/canonical-json.ts';
import { clipInterval, type MeteringRecord, type PlacementRecord, type TimeRange, type VerificationRecord } from './records.ts';
import type { AuditSource } from './source.ts';

// The sovereignty certificate: a VC-JWT, signed by the operator's did:key,
// stating where one FederatedWorkload ran in a period — the placements the
// ledger recorded, the nodes its pods ran on (from the meter) and each
// node's attestation — every claim naming the ledger transaction behind it.

export const CERTIFICATE_TYPE = 'SovereigntyCertificate';
export const CERTIFICATE_CONTEXT = 'https://cloudempire.eu/credentials/v1';

export interface PlacementClaim {
  event: PlacementRecord['event'];
  decisionId: string;
  cluster: string;
  pool?: string;
  country?: string;
  provider?: string;
  recordedAt: string;
  txId: string;
}

export interface RunClaim {
  cluster: string;
  pool: string;
  nodeName: string;
  nodeDid?: string;
  country?: string;
  provider?: string;
  from: string;
  to: string;
  gpuHours: number;
  placementTxId?: string;
}

export interface NodeAttestationClaim {
  did: string;
  memberCluster: string;
  nodeName: string;
  verified: boolean;
  reason: string;
  issuer?: string;
  country?: string;
  jurisdiction?: string;
  provider?: string;
  recordedAt: string;
  txId: string;
}

export interface SovereigntyClaims {
  id: string;
  workload: { namespace: string; name: string };
  period: { from?: string; to: string };
  clusters: string[];
  countries: string[];
  providers: string[];
  placements: PlacementClaim[];
  ran: RunClaim[];
  nodes: NodeAttestationClaim[];
  ledger: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const sorted = (values: Iterable<string | undefined>) => [...new Set([...values].filter((v): v is string => !!v))].sort();

/**
 * Reads the ledger and the meter for one workload and period. Placements
 * recorded in the period count, and the last one before it (still in
 * effect when the period began); each node it ran on or was placed on gets
 * its latest attestation recorded before the period's end.
 */
export async function sovereigntyClaims(
  workload: { namespace: string; name: string },
  range: TimeRange & { to: number },
  source: AuditSource,
  metering: AsyncIterable<MeteringRecord>,
): Promise<SovereigntyClaims> {
  const placements: PlacementClaim[] = [];
  let before: PlacementClaim[] = [];
  const attestations = new Map<string, VerificationRecord>();
  for await (const record of source.records()) {
    if (record.recordedAt >= range.to) continue;
    if (record.kind === 'verifications') attestations.set(record.nodeDid, record);
    if (record.kind !== 'placements' || record.namespace !== workload.namespace || record.name !== workload.name) continue;
    const claim: PlacementClaim = {
      event: record.event,
      decisionId: record.decisionId,
      cluster: record.cluster,
      pool: record.pool,
      country: record.country,
      provider: record.provider,
      recordedAt: iso(record.recordedAt),
      txId: record.txId,
    };
    if (range.from !== undefined && record.recordedAt < range.from)
      before = record.approved ? [...before.filter((p) => p.decisionId === record.decisionId), claim] : before;
    else placements.push(claim);
  }
  const ran: RunClaim[] = [];
  for await (const interval of metering) {
    if (interval.namespace !== workload.namespace || interval.name !== workload.name) continue;
    const clipped = clipInterval(interval, range);
    if (!clipped) continue;
    ran.push({
      cluster: clipped.memberCluster,
      pool: clipped.pool,
      nodeName: clipped.nodeName,
      nodeDid: clipped.nodeDid,
      country: clipped.country,
      provider: clipped.provider,
      from: iso(clipped.start),
      to: iso(clipped.end),
      gpuHours: clipped.gpuHours,
      placementTxId: clipped.txId,
    });
  }
  ran.sort((a, b) => a.from.localeCompare(b.from) || a.nodeName.localeCompare(b.nodeName));
  const inEffect = [...before.filter((p) => p.event !== 'refused' && p.event !== 'removed'), ...placements];
  const placementNodeDids = new Set<string>();
  for await (const record of source.records()) {
    if (record.kind === 'placements' && inEffect.some((p) => p.txId === record.txId && p.cluster === record.cluster) && record.nodeDids)
      for (const did of record.nodeDids.split(',')) placementNodeDids.add(did);
  }
  const dids = sorted([...ran.map((r) => r.nodeDid), ...placementNodeDids]);
  const nodes = dids.flatMap((did) => {
    const a = attestations.get(did);
    return a
      ? [
          {
            did,
            memberCluster: a.memberCluster,
            nodeName: a.nodeName,
            verified: a.verified,
            reason: a.reason,
            issuer: a.issuer,
            country: a.country,
            jurisdiction: a.jurisdiction,
            provider: a.provider,
            recordedAt: iso(a.recordedAt),
            txId: a.txId,
          },
        ]
      : [];
  });
  const approved = inEffect.filter((p) => p.event === 'placed' || p.event === 'failover');
  return {
    id: `urn:cloudempire:workload:${workload.namespace}.${workload.name}`,
    workload,
    period: { from: range.from === undefined ? undefined : iso(range.from), to: iso(range.to) },
    clusters: sorted([...approved.map((p) => p.cluster), ...ran.map((r) => r.cluster)]),
    countries: sorted([...approved.map((p) => p.country), ...ran.map((r) => r.country)]),
    providers: sorted([...approved.map((p) => p.provider), ...ran.map((r) => r.provider)]),
    placements: inEffect,
    ran,
    nodes,
    ledger: source.description,
  };
}

/** The certificate as a VC-JWT signed by the operator's key. */
export function signCertificate(claims: SovereigntyClaims, operatorKey: KeyFile, now = Math.floor(Date.now() / 1000)): string {
  const operatorDid = operatorKey.kid.split('#')[0];
  return signJwt(
    {
      iss: operatorDid,
      sub: claims.id,
      nbf: now,
      iat: now,
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1', CERTIFICATE_CONTEXT],
        type: ['VerifiableCredential', CERTIFICATE_TYPE],
        issuer: operatorDid,
        issuanceDate: new Date(now * 1000).toISOString(),
        credentialSubject: claims,
      },
    },
    operatorKey,
    { kid: operatorKey.kid },
  );
}

export interface CertificateVerdict {
  verified: boolean;
  /** Why not, in one sentence. */
  problem?: string;
  issuer?: string;
  claims?: SovereigntyClaims;
}

const refuse = (problem: string, issuer?: string): CertificateVerdict => ({ verified: false, problem, issuer });

/** Offline checks: a compact JWS signed by the did:key it names as issuer (the expected operator's, when given), of our type, with the claims' shape. */
export function verifyCertificate(jwt: string, expectedOperator?: string): CertificateVerdict {
  let decoded;
  try {
    decoded = decodeJwt(jwt.trim());
  } catch (error) {
    return refuse(`not a JWT: ${(error as Error).message}`);
  }
  const iss = decoded.payload.iss;
  if (typeof iss !== 'string' || !iss.startsWith('did:key:')) return refuse('the issuer (iss) is not a did:key');
  if (expectedOperator && iss !== expectedOperator) return refuse(`issued by ${iss}, not by the operator ${expectedOperator}`, iss);
  if (decoded.header.alg === 'none' || typeof decoded.header.alg !== 'string') return refuse('unsigned (alg none)', iss);
  let key;
  try {
    key = verifyingKeyOfDid(iss);
  } catch (error) {
    return refuse((error as Error).message, iss);
  }
  if (!key.verify(decoded.signingInput, decoded.signature.toString('base64url')))
    return refuse(`the signature is not ${iss}'s: the certificate was altered or forged`, iss);
  const vc = decoded.payload.vc as { type?: unknown; credentialSubject?: SovereigntyClaims } | undefined;
  if (!vc || !Array.isArray(vc.type) || !vc.type.includes(CERTIFICATE_TYPE)) return refuse(`not a ${CERTIFICATE_TYPE}`, iss);
  const claims = vc.credentialSubject;
  if (
    !claims ||
    typeof claims !== 'object' ||
    decoded.payload.sub !== claims.id ||
    !Array.isArray(claims.placements) ||
    !Array.isArray(claims.nodes) ||
    !Array.isArray(claims.ran) ||
    !claims.period?.to
  ) {
    return refuse('the credential subject is not a workload statement (id, period, placements, ran, nodes)', iss);
  }
  return { verified: true, issuer: iss, claims };
}

/** Against the ledger and meter: the claims must be exactly what they say now for the same workload and period. */
export async function checkClaimsAgainstLedger(
  claims: SovereigntyClaims,
  source: AuditSource,
  metering: AsyncIterable<MeteringRecord>,
): Promise<string | undefined> {
  const range = { from: claims.period.from === undefined ? undefined : Date.parse(claims.period.from), to: Date.parse(claims.period.to) };
  const now = await sovereigntyClaims(claims.workload, range, source, metering);
  for (const key of ['clusters', 'countries', 'providers', 'placements', 'ran', 'nodes'] as const) {
    if (canonicalJson(now[key]) !== canonicalJson(claims[key]))
      return `${key} differ from what the ledger and the meter record for ${claims.workload.namespace}.${claims.workload.name} in that period`;
  }
  return undefined;
}
