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

describe('evaluateTargets: the approval, the boundaries and what each refusal says', () => {
  // A policy listing several of each, so a message must separate them.
  const RECORDS: DatasetPolicy = {
    ...POLICY,
    datasetId: 'records',
    allowedPurposes: ['inference', 'analytics'],
    allowedJurisdictions: ['EU', 'CH'],
    allowedProviders: ['ovhcloud', 'scaleway'],
  };
  function verdictOf(nodes: StoredAttestation[], targetOverrides: Partial<PlacementRequest['targets'][number]> = {}, request: Partial<PlacementRequest> = {}) {
    const facts: PlacementFacts = {
      attestation: (cluster, name) => nodes.find((n) => n.memberCluster === cluster && n.nodeName === name && !n.nodeName.startsWith('ghost')),
      policy: (id) => (id === 'scans' ? POLICY : id === 'records' ? RECORDS : undefined),
    };
    const target = {
      cluster: 'paris',
      pool: 'h100',
      provider: 'ovhcloud',
      countryCode: 'FR',
      nodes: nodes.map((n) => ({ memberCluster: n.memberCluster, nodeName: n.nodeName, did: n.did })),
      ...targetOverrides,
    };
    const request0 = { decisionId: 'd', workload: { namespace: 'ns', name: 'w' }, purpose: 'inference', datasets: ['scans'], targets: [target], ...request };
    return evaluateTargets(request0, facts, NOW);
  }

  it('approves a target exactly when nothing stands in the way, and says which target and pool', () => {
    expect(verdictOf([attested('a')])).toEqual([{ cluster: 'paris', pool: 'h100', approved: true, reasons: [] }]);
    expect(verdictOf([attested('a', { verified: false, reason: 'REVOKED' })])).toMatchObject([{ approved: false }]);
  });

  it('judges every target on its own', () => {
    const facts: PlacementFacts = { attestation: () => attested('a'), policy: () => POLICY };
    const node = { memberCluster: 'paris', nodeName: 'a', did: attested('a').did };
    const targets = [
      { cluster: 'paris', provider: 'ovhcloud', countryCode: 'FR', nodes: [node] },
      { cluster: 'lyon', provider: 'ovhcloud', countryCode: 'FR', nodes: [] },
    ];
    const verdicts = evaluateTargets({ decisionId: 'd', workload: { namespace: 'ns', name: 'w' }, purpose: 'inference', datasets: [], targets }, facts, NOW);
    expect(verdicts.map((v) => [v.cluster, v.approved])).toEqual([
      ['paris', true],
      ['lyon', false],
    ]);
  });

  it('treats an attestation expiring at this very instant as expired, and one without an expiry as current', () => {
    expect(verdictOf([attested('a', { expiresAt: NOW })])[0].reasons.map((r) => r.code)).toEqual(['AttestationExpired']);
    expect(verdictOf([attested('a', { expiresAt: '2026-11-24T12:00:00.001Z' })])[0].approved).toBe(true);
    // Written without fractional seconds, the same instant is still expired (as text, "…00Z" sorts after "…00.000Z").
    expect(verdictOf([attested('a', { expiresAt: '2026-11-24T12:00:00Z' })])[0].reasons.map((r) => r.code)).toEqual(['AttestationExpired']);
    expect(verdictOf([attested('a', { expiresAt: '2026-11-24T11:59:59.999Z' })])[0].approved).toBe(false);
    expect(verdictOf([attested('a', { expiresAt: undefined as unknown as string })])[0].approved).toBe(true);
  });

  it('refuses a target whose nodes span an allowed and a forbidden jurisdiction', () => {
    const nodes = [attested('a'), attested('b', { jurisdiction: 'EEA' })];
    expect(verdictOf(nodes)[0].reasons.map((r) => r.code)).toEqual(['JurisdictionNotAllowed']);
  });

  it('does not count an unattested node as a jurisdiction of its own', () => {
    expect(verdictOf([attested('a'), attested('ghost-1')])[0].reasons.map((r) => r.code)).toEqual(['NodeNotAttested']);
  });

  it('accepts an attestation that names no provider for any target provider', () => {
    expect(verdictOf([attested('a', { provider: undefined })])[0].approved).toBe(true);
  });

  it.each([
    ['NoNodes', () => verdictOf([], { nodes: [] }), 'target paris names no nodes; a placement must say which attested nodes it uses'],
    ['NodeNotAttested', () => verdictOf([attested('ghost-1')]), 'node ghost-1 of paris has no attestation on the ledger'],
    [
      'AttestationDidMismatch',
      () => verdictOf([attested('a')], { nodes: [{ memberCluster: 'paris', nodeName: 'a', did: 'did:web:n.eu:other' }] }),
      'node a of paris is attested as did:web:n.eu:a, not did:web:n.eu:other',
    ],
    ['NodeNotVerified', () => verdictOf([attested('a', { verified: false, reason: 'REVOKED' })]), 'node a of paris was refused: REVOKED'],
    [
      'AttestationExpired',
      () => verdictOf([attested('a', { expiresAt: '2026-11-24T11:00:00Z' })]),
      "node a of paris's credential expired at 2026-11-24T11:00:00Z",
    ],
    ['CountryMismatch', () => verdictOf([attested('a', { countryCode: 'DE' })]), 'node a of paris is attested in DE, but the target claims FR'],
    ['CountryMismatch', () => verdictOf([attested('a', { countryCode: undefined })]), 'node a of paris is attested in no country, but the target claims FR'],
    [
      'ProviderMismatch',
      () => verdictOf([attested('a', { provider: 'atos' })]),
      'node a of paris is attested with provider atos, but the target claims ovhcloud',
    ],
    [
      'DatasetUnknown',
      () => verdictOf([attested('a')], {}, { datasets: ['unknown'] }),
      'dataset unknown has no policy on the ledger; its owner must publish one',
    ],
    ['PurposeNotAllowed', () => verdictOf([attested('a')], {}, { purpose: 'training' }), 'dataset scans may serve inference, not training'],
    ['PurposeNotAllowed', () => verdictOf([attested('a')], {}, { purpose: undefined }), 'dataset scans may serve inference, not an unstated purpose'],
    ['CountryNotAllowed', () => verdictOf([attested('a', { countryCode: 'ES' })], { countryCode: 'ES' }), 'dataset scans may be placed in FR, DE, not ES'],
    [
      'JurisdictionNotAllowed',
      () => verdictOf([attested('a'), attested('b', { jurisdiction: 'EEA' })]),
      "dataset scans may be placed in EU; target paris's nodes are attested in EU, EEA",
    ],
    [
      'JurisdictionNotAllowed',
      () => verdictOf([attested('ghost-1')]),
      "dataset scans may be placed in EU; target paris's nodes are attested in no jurisdiction",
    ],
    ['ProviderNotAllowed', () => verdictOf([attested('a', { provider: 'atos' })], { provider: 'atos' }), 'dataset scans may be placed with ovhcloud, not atos'],
    [
      'PurposeNotAllowed',
      () => verdictOf([attested('a')], {}, { datasets: ['records'], purpose: 'training' }),
      'dataset records may serve inference, analytics, not training',
    ],
    [
      'JurisdictionNotAllowed',
      () => verdictOf([attested('a', { jurisdiction: 'EEA' })], {}, { datasets: ['records'] }),
      "dataset records may be placed in EU, CH; target paris's nodes are attested in EEA",
    ],
    [
      'ProviderNotAllowed',
      () => verdictOf([attested('a', { provider: 'atos' })], { provider: 'atos' }, { datasets: ['records'] }),
      'dataset records may be placed with ovhcloud, scaleway, not atos',
    ],
  ])('%s says what and where: %#', (code, run, message) => {
    expect(run()[0].reasons).toContainEqual({ code, message });
  });
});
