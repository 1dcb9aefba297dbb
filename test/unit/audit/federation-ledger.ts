// A small federation's history on a real embedded ledger (the chaincode's own
// contracts): verdicts, a dataset policy, placements with a refusal and a
// failover, data-access uses and a revocation, and the meter's journal.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeteringLog } from '../../../src/audit/metering-log.ts';
import { meter, type GpuPod } from '../../../src/audit/metering.ts';
import { EmbeddedLedger } from '../../../src/ledger/embedded/embedded-ledger.ts';
import type { AttestationRecord, PlacementRequest } from '../../../src/ledger/ledger.ts';
import { newIdentity, type KeyFile } from '../../../src/trust/issue.ts';
import { signingKeyOf } from '../../../src/trust/signing-key.ts';
import { embeddedParties } from '../../ledger/embedded-parties.ts';
import { ledgerOptions } from '../../ledger/ledger-keys.ts';

export const ISSUER = 'did:web:trust.example.eu:issuers:eu';
export const HOUR = 3_600_000;
export const T0 = Date.parse('2026-11-02T08:00:00Z');

export interface FederationLedger {
  dir: string;
  operatorKey: KeyFile;
  operatorDid: string;
  placementTx: { paris: string; madrid: string };
  grantId: string;
  /** GPU-hours the journal holds, per country and per provider. */
  gpuHours: { byCountry: Record<string, number>; byProvider: Record<string, number> };
}

const NODES = [
  { cluster: 'paris', node: 'par-h100-1', country: 'FR', provider: 'ovhcloud', verified: true },
  { cluster: 'madrid', node: 'mad-a100-1', country: 'ES', provider: 'atos', verified: true },
  { cluster: 'warsaw', node: 'waw-mi300-1', country: 'PL', provider: 'cloudferro', verified: true },
  { cluster: 'paris', node: 'par-old-1', country: 'FR', provider: 'ovhcloud', verified: false },
];
export const didOf = (node: string) => `did:web:nodes.example.eu:${node}`;

function attestation(n: (typeof NODES)[number]): AttestationRecord {
  return {
    sovereignNode: `${n.cluster}-${n.node}`,
    memberCluster: n.cluster,
    nodeName: n.node,
    did: didOf(n.node),
    verified: n.verified,
    reason: n.verified ? 'VERIFIED' : 'EXPIRED',
    ...(n.verified ? { issuer: ISSUER, countryCode: n.country, jurisdiction: 'EU', provider: n.provider, expiresAt: '2099-01-01T00:00:00Z' } : {}),
    credentialDigest: 'c'.repeat(64),
    observedAt: new Date().toISOString(),
  };
}

const target = (n: (typeof NODES)[number], pool: string): PlacementRequest['targets'][number] => ({
  cluster: n.cluster,
  pool,
  provider: n.provider,
  countryCode: n.country,
  nodes: [{ memberCluster: n.cluster, nodeName: n.node, did: didOf(n.node) }],
});

function pod(uid: string, n: (typeof NODES)[number], gpus: number, startedAt: number, txId: string, price?: number): GpuPod {
  return {
    uid,
    memberCluster: n.cluster,
    pod: `research/llm-${uid}`,
    namespace: 'research',
    name: 'llm',
    nodeName: n.node,
    pool: `${n.cluster}-gpus`,
    resourceName: 'nvidia.com/gpu',
    gpus,
    startedAt,
    country: n.country,
    provider: n.provider,
    nodeDid: didOf(n.node),
    gpuModel: n.cluster === 'paris' ? 'NVIDIA-H100-80GB-HBM3' : 'NVIDIA-A100-SXM4-80GB',
    pricePerGpuHour: price,
    currency: price === undefined ? undefined : 'EUR',
    txId,
  };
}

export async function federationLedger(): Promise<FederationLedger> {
  const dir = mkdtempSync(join(tmpdir(), 'audit-ledger-'));
  const identity = newIdentity({ method: 'key' });
  const ledger = await EmbeddedLedger.open(join(dir, 'ledger'), ledgerOptions(join(dir, 'head.json'), signingKeyOf(identity.key)));
  const parties = embeddedParties(ledger);
  await parties.trustAdmin.putTrustAnchor({ did: ISSUER, name: 'EU nodes', countries: ['FR', 'ES', 'PL'] });
  for (const n of NODES) await parties.operator.recordAttestation(attestation(n));
  await parties.tenant.publishPolicy({
    datasetId: 'scans',
    allowedJurisdictions: ['EU'],
    allowedCountries: ['FR', 'ES'],
    allowedProviders: [],
    allowedPurposes: ['inference'],
    verifiedNodesOnly: true,
    grantTtlSeconds: 86_400,
  });
  const [paris, madrid, warsaw] = NODES;
  const first = await parties.operator.recordPlacement({
    decisionId: 'llm-1',
    workload: { namespace: 'research', name: 'llm' },
    purpose: 'inference',
    datasets: ['scans'],
    targets: [target(paris, 'paris-gpus'), target(warsaw, 'warsaw-gpus')],
  });
  const grantId = first.grants[0];
  await parties.operator.recordAccess(grantId, didOf(paris.node));
  await parties.operator.recordAccess(grantId, didOf(madrid.node));
  const second = await parties.operator.recordPlacement({
    decisionId: 'llm-2',
    workload: { namespace: 'research', name: 'llm' },
    purpose: 'inference',
    datasets: [],
    targets: [target(madrid, 'madrid-gpus')],
  });
  await parties.tenant.revokeGrant(grantId);
  await ledger.close();

  const log = MeteringLog.open(join(dir, 'ledger'));
  const p1 = pod('p1', paris, 2, T0, first.txId, 2.5);
  const p2 = pod('p2', madrid, 4, T0 + 3 * HOUR, second.txId, 1.75);
  const p3 = pod('p3', madrid, 1, T0 + 4 * HOUR, second.txId);
  const { closed, opened } = meter([
    { type: 'running', at: T0, pod: p1 },
    { type: 'running', at: T0 + 3 * HOUR, pod: p2 },
    { type: 'stopped', at: T0 + 3 * HOUR, uid: 'p1' },
    { type: 'running', at: T0 + 4 * HOUR, pod: p3 },
    { type: 'stopped', at: T0 + 6 * HOUR, uid: 'p2' },
    { type: 'stopped', at: T0 + 4.5 * HOUR, uid: 'p3' },
  ]);
  log.append(opened, closed);
  log.close();
  return {
    dir: join(dir, 'ledger'),
    operatorKey: identity.key,
    operatorDid: identity.did,
    placementTx: { paris: first.txId, madrid: second.txId },
    grantId,
    // p1: 2 GPUs × 3 h in FR; p2: 4 × 3 h and p3: 1 × 0.5 h in ES.
    gpuHours: { byCountry: { FR: 6, ES: 12.5 }, byProvider: { ovhcloud: 6, atos: 12.5 } },
  };
}
