import { evaluateTargets, type PlacementFacts } from '@cloud-empire/chaincode/placement-policy';
import type { DatasetPolicy, PlacementRequest, StoredAttestation } from '@cloud-empire/chaincode/records';

const NOW = '2026-11-24T12:00:00.000Z';

function attested(nodeName: string, overrides: Partial<StoredAttestation> = {}): StoredAttestation {
  return {
    sovereignNode: nodeName,
    memberCluster: 'paris',
    nodeName,
    did: `did:web:n.eu:${nodeName}`,
    verified: true,
    reason: 'VERIFIED',
    issuer: 'did:web:issuer.eu',
    countryCode: 'FR',
    jurisdiction: 'EU',
    provider: 'ovhcloud',
    expiresAt: '2027-01-01T00:00:00Z',
    credentialDigest: 'a'.repeat(64),
    observedAt: NOW,
    recordedAt: NOW,
    recordedBy: 'TrustAuthorityMSP/op',
    txId: 't',
    ...overrides,
  };
}

const POLICY: DatasetPolicy = {
  datasetId: 'scans',
  allowedJurisdictions: ['EU'],
  allowedCountries: ['FR', 'DE'],
  allowedProviders: ['ovhcloud'],
  allowedPurposes: ['inference'],
  verifiedNodesOnly: true,
  grantTtlSeconds: 600,
  ownerMsp: 'TenantMSP',
  version: 1,
  updatedAt: NOW,
  updatedBy: 'TenantMSP/steward',
};

function judge(nodes: StoredAttestation[], targetOverrides: Partial<PlacementRequest['targets'][number]> = {}, request: Partial<PlacementRequest> = {}) {
  const facts: PlacementFacts = {
    attestation: (cluster, name) => nodes.find((n) => n.memberCluster === cluster && n.nodeName === name && !n.nodeName.startsWith('ghost')),
    policy: (id) => (id === 'scans' ? POLICY : undefined),
  };
  const target = {
    cluster: 'paris',
    provider: 'ovhcloud',
    countryCode: 'FR',
    nodes: nodes.map((n) => ({ memberCluster: n.memberCluster, nodeName: n.nodeName, did: n.did })),
    ...targetOverrides,
  };
  const [verdict] = evaluateTargets(
    { decisionId: 'd', workload: { namespace: 'ns', name: 'w' }, purpose: 'inference', datasets: ['scans'], targets: [target], ...request },
    facts,
    NOW,
  );
  return verdict.reasons.map((r) => r.code);
}

describe('evaluateTargets (the placement contract as a pure function)', () => {
  it.each([
    ['an attested, verified node in an allowed country', () => judge([attested('a')]), []],
    ['no nodes at all', () => judge([], { nodes: [] }), ['NoNodes', 'JurisdictionNotAllowed']],
    ['a node without an attestation', () => judge([attested('ghost-1')]), ['NodeNotAttested', 'JurisdictionNotAllowed']],
    [
      'a node attested under another DID',
      () => judge([attested('a')], { nodes: [{ memberCluster: 'paris', nodeName: 'a', did: 'did:web:n.eu:other' }] }),
      ['AttestationDidMismatch'],
    ],
    ['a refused node', () => judge([attested('a', { verified: false, reason: 'REVOKED' })]), ['NodeNotVerified']],
    ['an expired attestation', () => judge([attested('a', { expiresAt: '2026-11-24T11:59:59Z' })]), ['AttestationExpired']],
    ['a target claiming another country than attested', () => judge([attested('a', { countryCode: 'DE' })]), ['CountryMismatch']],
    ['a target claiming another provider than attested', () => judge([attested('a', { provider: 'atos' })]), ['ProviderMismatch']],
    ['an unknown dataset', () => judge([attested('a')], {}, { datasets: ['unknown'] }), ['DatasetUnknown']],
    ['a purpose the policy does not allow', () => judge([attested('a')], {}, { purpose: 'training' }), ['PurposeNotAllowed']],
    ['no purpose at all', () => judge([attested('a')], {}, { purpose: undefined }), ['PurposeNotAllowed']],
    ['a country the policy does not allow', () => judge([attested('a', { countryCode: 'ES' })], { countryCode: 'ES' }), ['CountryNotAllowed']],
    ['a jurisdiction the policy does not allow', () => judge([attested('a', { jurisdiction: 'EEA' })]), ['JurisdictionNotAllowed']],
    ['a provider the policy does not allow', () => judge([attested('a', { provider: 'atos' })], { provider: 'atos' }), ['ProviderNotAllowed']],
  ])('%s', (_case, run, codes) => {
    expect(run()).toEqual(codes);
  });

  it('reports every obstacle of a target, not only the first', () => {
    expect(judge([attested('a', { countryCode: 'ES', provider: 'atos' })], { countryCode: 'ES', provider: 'atos' }, { purpose: 'training' })).toEqual([
      'PurposeNotAllowed',
      'CountryNotAllowed',
      'ProviderNotAllowed',
    ]);
  });
});
