import { DETAILS_TRANSIENT_KEY } from '@cloud-empire/chaincode/dataset-policy';
import { sameVerdict } from '@cloud-empire/chaincode/trust-registry';
import { ADMIN, ChaincodeWorld, OPERATOR, PROVIDER, TENANT } from '../../chaincode/chaincode-world.ts';

// The contracts' decisions, run in memory (test/chaincode/chaincode-world.ts):
// what each transaction refuses and why, and what it stores and emits.

const ISSUER = 'did:web:issuer.example.eu';
const T0 = '2026-06-01T12:00:00.000Z';

let world: ChaincodeWorld;
beforeEach(() => {
  world = new ChaincodeWorld();
});

const attestation = (nodeName: string, overrides: Record<string, unknown> = {}) => ({
  sovereignNode: `${nodeName}-sn`,
  memberCluster: 'paris',
  nodeName,
  did: `did:web:nodes.example.eu:${nodeName}`,
  verified: true,
  reason: 'VERIFIED',
  issuer: ISSUER,
  countryCode: 'FR',
  jurisdiction: 'EU',
  provider: 'ovhcloud',
  expiresAt: '2027-01-01T00:00:00Z',
  credentialDigest: 'a'.repeat(64),
  observedAt: '2026-06-01T11:00:00Z',
  ...overrides,
});
const policy = (overrides: Record<string, unknown> = {}) => ({
  datasetId: 'scans',
  allowedJurisdictions: ['EU'],
  allowedCountries: ['FR'],
  allowedProviders: [],
  allowedPurposes: ['inference'],
  verifiedNodesOnly: true,
  grantTtlSeconds: 600,
  ...overrides,
});
const request = (overrides: Record<string, unknown> = {}) => ({
  decisionId: 'd1',
  workload: { namespace: 'ml', name: 'train', uid: 'u1', generation: 2 },
  purpose: 'inference',
  datasets: ['scans'],
  targets: [
    {
      cluster: 'paris',
      pool: 'gpu',
      provider: 'ovhcloud',
      countryCode: 'FR',
      nodes: [{ memberCluster: 'paris', nodeName: 'n1', did: 'did:web:nodes.example.eu:n1' }],
    },
  ],
  ...overrides,
});
const details = { location: 's3://tenant/scans', keyReference: 'kms://tenant/k1' };

async function refused(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

async function anchor(countries = ['FR']) {
  return world.submit(ADMIN, 'TrustRegistry:PutTrustAnchor', [{ did: ISSUER, name: 'Issuer', countries }]);
}

async function attestedFederation(): Promise<void> {
  await anchor();
  await world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [attestation('n1')]);
  await world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy()]);
}

describe('TrustRegistry', () => {
  it('registers an anchor with its sorted countries and who registered it, and refuses one without countries', async () => {
    expect(await anchor(['FR', 'DE', 'FR'])).toEqual({
      did: ISSUER,
      name: 'Issuer',
      countries: ['DE', 'FR'],
      registeredBy: `${ADMIN.mspId}/${ADMIN.id}`,
      registeredAt: T0,
    });
    expect(await refused(anchor([]))).toBe(`InvalidArgument: anchor.countries of ${ISSUER} must list the countries (ISO 3166-1 alpha-2) it may attest`);
    expect(await refused(world.submit(ADMIN, 'TrustRegistry:PutTrustAnchor', ['{']))).toBe('InvalidArgument: anchor is not valid JSON');
    expect(await world.submit(TENANT, 'TrustRegistry:ListTrustAnchors')).toEqual([expect.objectContaining({ did: ISSUER, countries: ['DE', 'FR'] })]);
  });

  it('removes a registered anchor, and says when there is none', async () => {
    await anchor();
    expect(await world.submit(ADMIN, 'TrustRegistry:RemoveTrustAnchor', [ISSUER])).toEqual({ removed: ISSUER });
    expect(await world.submit(TENANT, 'TrustRegistry:ListTrustAnchors')).toEqual([]);
    expect(await refused(world.submit(ADMIN, 'TrustRegistry:RemoveTrustAnchor', [ISSUER]))).toBe(`NotFound: no trust anchor ${ISSUER}`);
  });

  it('records a refusal without an anchor, but a verified verdict only from an anchor that may attest its country', async () => {
    const refusal = await world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [
      attestation('n1', { verified: false, reason: 'REVOKED', issuer: undefined }),
    ]);
    expect(refusal).toMatchObject({ verified: false, reason: 'REVOKED', recordedAt: T0, recordedBy: `${OPERATOR.mspId}/${OPERATOR.id}`, txId: 'tx1' });
    expect(await refused(world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [attestation('n2', { issuer: undefined })]))).toBe(
      'UntrustedIssuer: a verified attestation of node n2 of paris must name its issuer',
    );
    expect(await refused(world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [attestation('n2')]))).toMatch(
      new RegExp(`^UntrustedIssuer: ${ISSUER} is not a registered trust anchor, so it cannot vouch for node n2 of paris`),
    );
    await anchor(['FR', 'ES']);
    expect(await refused(world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [attestation('n2', { countryCode: 'PL' })]))).toBe(
      `UntrustedIssuer: ${ISSUER} may attest ES, FR, not PL (node n2 of paris)`,
    );
    expect(await refused(world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [attestation('n2', { countryCode: undefined })]))).toBe(
      `UntrustedIssuer: ${ISSUER} may attest ES, FR, not no country (node n2 of paris)`,
    );
    expect(await world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [attestation('n2')])).toMatchObject({ verified: true, countryCode: 'FR' });
    expect(await world.submit(PROVIDER, 'TrustRegistry:GetAttestation', ['paris', 'n2'])).toMatchObject({ did: 'did:web:nodes.example.eu:n2', verified: true });
    expect(await refused(world.submit(PROVIDER, 'TrustRegistry:GetAttestation', ['paris', 'n9']))).toBe('NotFound: no attestation for node n9 of paris');
  });

  it('refuses a verified verdict from an anchor stored without countries, saying so', async () => {
    // An older record, written before countries were required.
    await anchor();
    const [key] = [...world.state.range('\u0000TrustAnchor\u0000', '\u0000TrustAnchor\u0000\u{10FFFF}')].map(([k]) => k);
    world.state.apply([{ key, value: Buffer.from(JSON.stringify({ did: ISSUER, name: 'Issuer', countries: [] })) }], 99);
    expect(await refused(world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [attestation('n1')]))).toBe(
      `UntrustedIssuer: ${ISSUER} may attest no country (it was registered without countries), not FR (node n1 of paris)`,
    );
  });

  it('parses every attestation field, defaulting verified to false, and names a bad one', async () => {
    const { verified: _v, ...withoutVerdict } = attestation('n1', { issuer: undefined, reason: 'NO_CREDENTIAL' });
    expect(await world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [withoutVerdict])).toMatchObject({ verified: false });
    const bad: [string, unknown, string][] = [
      ['sovereignNode', '-x', 'attestation.sovereignNode "-x" is invalid'],
      ['memberCluster', 'a b', 'attestation.memberCluster "a b" is invalid'],
      ['nodeName', '', 'attestation.nodeName must be a non-empty string'],
      ['did', 'web:x', 'attestation.did "web:x" is invalid'],
      ['verified', 'yes', 'attestation.verified must be true or false'],
      ['reason', 'verified', 'attestation.reason "verified" is invalid: use a reason code such as VERIFIED'],
      ['issuer', 'issuer', 'attestation.issuer "issuer" is invalid'],
      ['countryCode', 'fr', 'attestation.countryCode "fr" is invalid'],
      ['jurisdiction', 'eu', 'attestation.jurisdiction "eu" is invalid'],
      ['provider', '-p', 'attestation.provider "-p" is invalid'],
      ['expiresAt', 'tomorrow', 'attestation.expiresAt "tomorrow" is invalid'],
      ['credentialDigest', 'abc', 'attestation.credentialDigest "abc" is invalid'],
      ['observedAt', 'now', 'attestation.observedAt "now" is invalid'],
    ];
    for (const [field, value, message] of bad) {
      expect(
        await refused(world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [attestation('n1', { issuer: undefined, verified: false, [field]: value })])),
      ).toContain(`InvalidArgument: ${message}`);
    }
    expect(await refused(world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', ['[]']))).toBe('InvalidArgument: attestation must be an object');
    expect(await refused(world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', ['nope']))).toBe('InvalidArgument: attestation is not valid JSON');
  });

  it('keeps one current verdict per node: the same verdict again is a no-op, a late one goes to the history only', async () => {
    await anchor();
    const first = await world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [attestation('n1')]);
    world.now = new Date('2026-06-01T12:05:00.000Z');
    // Observed again later, same verdict: nothing is written, the first record is returned.
    expect(await world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [attestation('n1', { observedAt: '2026-06-01T11:30:00Z' })])).toEqual(first);
    expect(world.events).toHaveLength(1);
    const revoked = attestation('n1', { verified: false, reason: 'REVOKED', observedAt: '2026-06-01T11:45:00Z' });
    expect(await world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [revoked])).toMatchObject({ verified: false, txId: 'tx4' });
    // Delivered late: observed before the current verdict.
    const late = await world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [
      attestation('n1', { observedAt: '2026-06-01T11:40:00Z', credentialDigest: 'b'.repeat(64) }),
    ]);
    expect(late).toMatchObject({ verified: true, superseded: true });
    expect(await world.submit(OPERATOR, 'TrustRegistry:GetAttestation', ['paris', 'n1'])).toMatchObject({ verified: false, reason: 'REVOKED' });
    expect(world.stored('AttestationHistory')).toEqual([expect.objectContaining({ observedAt: '2026-06-01T11:40:00Z', verified: true })]);
    expect(world.events.map((e) => [e.name, e.payload.verified, e.payload.superseded])).toEqual([
      ['AttestationRecorded', true, undefined],
      ['AttestationRecorded', false, undefined],
      ['AttestationRecorded', true, true],
    ]);
    expect(world.events[2].payload).toEqual({
      memberCluster: 'paris',
      nodeName: 'n1',
      did: 'did:web:nodes.example.eu:n1',
      verified: true,
      reason: 'VERIFIED',
      observedAt: '2026-06-01T11:40:00Z',
      txId: 'tx5',
      superseded: true,
    });
    expect(world.events[1].payload).toEqual({
      memberCluster: 'paris',
      nodeName: 'n1',
      did: 'did:web:nodes.example.eu:n1',
      verified: false,
      reason: 'REVOKED',
      observedAt: '2026-06-01T11:45:00Z',
      txId: 'tx4',
    });
  });

  it('orders verdicts by the instant they were observed, however the timestamp is written', async () => {
    await anchor();
    await world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [attestation('n1', { observedAt: '2026-06-01T11:00:00.500Z' })]);
    // Observed half a second earlier, written without fractional seconds: it is the late one.
    const late = await world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [
      attestation('n1', { verified: false, reason: 'REVOKED', observedAt: '2026-06-01T11:00:00Z' }),
    ]);
    expect(late).toMatchObject({ superseded: true });
    expect(await world.submit(OPERATOR, 'TrustRegistry:GetAttestation', ['paris', 'n1'])).toMatchObject({ verified: true });
  });

  it('takes a reason code only as a whole upper-case word', async () => {
    for (const reason of ['xVERIFIED', 'VERIFIED-x']) {
      expect(
        await refused(world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [attestation('n1', { issuer: undefined, verified: false, reason })])),
      ).toContain(`attestation.reason "${reason}" is invalid`);
    }
  });

  it('takes a different verdict observed at the same instant as the current one', async () => {
    await anchor();
    await world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [attestation('n1')]);
    expect(await world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [attestation('n1', { verified: false, reason: 'REVOKED' })])).not.toHaveProperty(
      'superseded',
    );
    expect(await world.submit(OPERATOR, 'TrustRegistry:GetAttestation', ['paris', 'n1'])).toMatchObject({ verified: false });
  });

  it('moves the DID index with a node that got a new DID, so the old DID no longer finds it', async () => {
    await attestedFederation();
    await world.submit(OPERATOR, 'Placement:RecordPlacement', [request()]);
    await world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [
      attestation('n1', { did: 'did:web:nodes.example.eu:n1-new', observedAt: '2026-06-01T11:30:00Z' }),
    ]);
    expect(world.stored('AttestationByDid')).toEqual([{ memberCluster: 'paris', nodeName: 'n1' }]);
    // The grant is bound to the old DID, which no attestation vouches for any more.
    expect(await world.submit(OPERATOR, 'DataAccess:CheckAccess', ['d1.scans', 'did:web:nodes.example.eu:n1'])).toMatchObject({
      allowed: false,
      reason: 'NodeNotVerified',
      message: 'did:web:nodes.example.eu:n1 is not verified now',
    });
  });

  it('tells verdicts apart by what they say, not when they were observed or recorded', () => {
    const a = attestation('n1');
    expect(sameVerdict(a, { ...a, observedAt: '2030-01-01T00:00:00Z' })).toBe(true);
    expect(sameVerdict(a, { ...a, recordedAt: 'x', recordedBy: 'y', txId: 'z', superseded: true } as typeof a)).toBe(true);
    expect(sameVerdict(a, { ...a, verified: false })).toBe(false);
    expect(sameVerdict(a, { ...a, credentialDigest: 'c'.repeat(64) })).toBe(false);
  });
});

describe('DatasetPolicy', () => {
  it('makes the first publisher the owner, counts versions, and lets nobody else change the policy', async () => {
    const first = await world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy()]);
    expect(first).toEqual({ ...policy(), ownerMsp: 'TenantMSP', version: 1, updatedAt: T0, updatedBy: `TenantMSP/${TENANT.id}` });
    expect(await refused(world.submit(PROVIDER, 'DatasetPolicy:PublishPolicy', [policy()]))).toBe(
      'AccessDenied: only TenantMSP, the owner of dataset scans, may change its policy; the caller is ProviderMSP',
    );
    expect(await world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy({ allowedCountries: ['DE'] })])).toMatchObject({
      version: 2,
      ownerMsp: 'TenantMSP',
      allowedCountries: ['DE'],
    });
    expect(await world.submit(PROVIDER, 'DatasetPolicy:GetPolicy', ['scans'])).toMatchObject({ version: 2 });
    expect(await refused(world.submit(PROVIDER, 'DatasetPolicy:GetPolicy', ['other']))).toBe('NotFound: no policy for dataset other');
    expect(world.events.map((e) => e.payload)).toEqual([
      { datasetId: 'scans', ownerMsp: 'TenantMSP', version: 1 },
      { datasetId: 'scans', ownerMsp: 'TenantMSP', version: 2 },
    ]);
    expect(world.events[0].name).toBe('DatasetPolicyPublished');
  });

  it('requires the owner’s endorsement for later changes of the policy, set once when it is created', async () => {
    await world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy()]);
    const policies = [...world.validation.range('', '')];
    expect(policies).toHaveLength(1);
    expect(Buffer.from(policies[0][1].value).toString('latin1')).toContain('TenantMSP');
    await world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy()]);
    expect(policies[0][1].version).toBe([...world.validation.range('', '')][0][1].version);
  });

  it('keeps protected details in the owner’s collection only, with their hash on the public record', async () => {
    const published = await world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy()], { [DETAILS_TRANSIENT_KEY]: JSON.stringify(details) });
    expect(published.detailsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await world.submit(TENANT, 'DatasetPolicy:ReadDatasetDetails', ['scans'])).toEqual(details);
    expect(await refused(world.submit(PROVIDER, 'DatasetPolicy:ReadDatasetDetails', ['scans']))).toBe(
      'AccessDenied: only TenantMSP, the owner of dataset scans, may read its protected details; the caller is ProviderMSP',
    );
    expect(await refused(world.submit(TENANT, 'DatasetPolicy:ReadDatasetDetails', ['other']))).toBe('NotFound: no policy for dataset other');
    expect([...world.collections.keys()]).toEqual(['_implicit_org_TenantMSP']);
    // A new version without details keeps the old details' hash.
    expect(await world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy()])).toMatchObject({ version: 2, detailsHash: published.detailsHash });
    const changed = await world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy()], {
      [DETAILS_TRANSIENT_KEY]: JSON.stringify({ ...details, location: 's3://x' }),
    });
    expect(changed.detailsHash).not.toBe(published.detailsHash);
  });

  it('says when a dataset has no protected details, and names bad details', async () => {
    await world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy()], { [DETAILS_TRANSIENT_KEY]: '' });
    expect(await refused(world.submit(TENANT, 'DatasetPolicy:ReadDatasetDetails', ['scans']))).toBe('NotFound: dataset scans has no protected details');
    expect(await refused(world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy()], { [DETAILS_TRANSIENT_KEY]: '{' }))).toBe(
      `InvalidArgument: transient ${DETAILS_TRANSIENT_KEY} is not valid JSON`,
    );
    expect(await refused(world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy()], { [DETAILS_TRANSIENT_KEY]: '[]' }))).toBe(
      `InvalidArgument: transient ${DETAILS_TRANSIENT_KEY} must be an object`,
    );
    expect(await refused(world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy()], { [DETAILS_TRANSIENT_KEY]: '{"location":"x"}' }))).toBe(
      `InvalidArgument: ${DETAILS_TRANSIENT_KEY}.keyReference must be a non-empty string`,
    );
    expect(await refused(world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy()], { [DETAILS_TRANSIENT_KEY]: '{"keyReference":"x"}' }))).toBe(
      `InvalidArgument: ${DETAILS_TRANSIENT_KEY}.location must be a non-empty string`,
    );
  });

  it('fills defaults, and refuses an unknown field, an empty purpose list and each bad field by name', async () => {
    const { verifiedNodesOnly: _v, grantTtlSeconds: _g, allowedProviders: _p, ...minimal } = policy();
    expect(await world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [minimal])).toMatchObject({
      verifiedNodesOnly: true,
      grantTtlSeconds: 86_400,
      allowedProviders: [],
    });
    expect(await refused(world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy({ owner: 'me' })]))).toBe(
      'InvalidArgument: policy.owner is not a policy field; remove it (fields: datasetId, allowedJurisdictions, allowedCountries, allowedProviders, allowedPurposes, verifiedNodesOnly, grantTtlSeconds)',
    );
    expect(await refused(world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy({ allowedPurposes: [] })]))).toBe(
      'InvalidArgument: policy.allowedPurposes is empty: name at least one purpose the data may serve',
    );
    const bad: [string, unknown, string][] = [
      ['datasetId', '-x', 'policy.datasetId "-x" is invalid'],
      ['allowedJurisdictions', ['eu'], 'policy.allowedJurisdictions[0] "eu" is invalid'],
      ['allowedCountries', ['fr'], 'policy.allowedCountries[0] "fr" is invalid'],
      ['allowedProviders', ['-p'], 'policy.allowedProviders[0] "-p" is invalid'],
      ['allowedPurposes', ['a b'], 'policy.allowedPurposes[0] "a b" is invalid'],
      ['verifiedNodesOnly', 1, 'policy.verifiedNodesOnly must be true or false'],
      ['grantTtlSeconds', 59, 'policy.grantTtlSeconds must be an integer from 60 to 31622400'],
      ['grantTtlSeconds', 31_622_401, 'policy.grantTtlSeconds must be an integer from 60 to 31622400'],
    ];
    for (const [field, value, message] of bad)
      expect(await refused(world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy({ [field]: value })]))).toContain(`InvalidArgument: ${message}`);
    expect(await world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy({ grantTtlSeconds: 31_622_400, verifiedNodesOnly: false })])).toMatchObject({
      verifiedNodesOnly: false,
    });
  });
});

describe('Placement', () => {
  it('approves a target only against the ledger’s own attestations and policies, and records the verdict once', async () => {
    await attestedFederation();
    const asked = await world.submit(PROVIDER, 'Placement:AuthorizePlacement', [request()]);
    expect(asked).toEqual({
      decisionId: 'd1',
      workload: { namespace: 'ml', name: 'train', uid: 'u1', generation: 2 },
      purpose: 'inference',
      datasets: ['scans'],
      approved: true,
      targets: [{ cluster: 'paris', pool: 'gpu', approved: true, reasons: [] }],
      evaluatedAt: T0,
    });
    expect(world.stored('Placement')).toEqual([]);
    const recorded = await world.submit(OPERATOR, 'Placement:RecordPlacement', [request()]);
    expect(recorded).toEqual({ ...asked, txId: 'tx5', recordedBy: `${OPERATOR.mspId}/${OPERATOR.id}`, grants: ['d1.scans'] });
    expect(await world.submit(TENANT, 'Placement:GetDecision', ['d1'])).toEqual(recorded);
    expect(world.events.at(-1)).toEqual({
      name: 'PlacementRecorded',
      payload: { decisionId: 'd1', workload: asked.workload, approved: true, txId: 'tx5', grants: ['d1.scans'] },
    });
    expect(await refused(world.submit(OPERATOR, 'Placement:RecordPlacement', [request()]))).toBe(
      'DecisionReplayed: decision d1 was recorded by transaction tx5',
    );
    expect(await refused(world.submit(TENANT, 'Placement:GetDecision', ['d2']))).toBe('NotFound: no decision d2');
  });

  it('records a refused decision without grants, with every target judged on its own', async () => {
    await attestedFederation();
    const twoTargets = request({
      targets: [
        request().targets[0],
        { cluster: 'madrid', provider: 'atos', countryCode: 'ES', nodes: [{ memberCluster: 'madrid', nodeName: 'm1', did: 'did:web:nodes.example.eu:m1' }] },
      ],
    });
    const mixed = await world.submit(OPERATOR, 'Placement:AuthorizePlacement', [twoTargets]);
    expect(mixed).toMatchObject({ approved: true, targets: [{ approved: true }, { cluster: 'madrid', approved: false }] });
    expect(mixed.targets).toEqual([expect.anything(), expect.not.objectContaining({ pool: expect.anything() })]);
    const refusedDecision = await world.submit(OPERATOR, 'Placement:RecordPlacement', [request({ decisionId: 'd2', purpose: 'training' })]);
    expect(refusedDecision).toMatchObject({ approved: false, grants: [], targets: [{ reasons: [{ code: 'PurposeNotAllowed' }] }] });
    expect(world.stored('Grant')).toEqual([]);
  });

  it('looks each node up once per request, however many targets name it', async () => {
    await attestedFederation();
    const same = request().targets[0];
    expect(await world.submit(OPERATOR, 'Placement:AuthorizePlacement', [request({ targets: [same, { ...same, pool: 'cpu' }] })])).toMatchObject({
      approved: true,
      targets: [{ approved: true }, { approved: true }],
    });
  });

  it('parses every request field and names a bad one', async () => {
    await attestedFederation();
    const target = request().targets[0];
    const { uid: _u, generation: _g, ...bareWorkload } = request().workload;
    const bare = await world.submit(OPERATOR, 'Placement:AuthorizePlacement', [request({ workload: bareWorkload, purpose: undefined, datasets: undefined })]);
    expect(bare).toMatchObject({ workload: { namespace: 'ml', name: 'train' }, datasets: [], approved: true });
    expect(bare.workload).toEqual({ namespace: 'ml', name: 'train' });
    const { nodes: _n, ...withoutNodes } = target;
    expect(await world.submit(OPERATOR, 'Placement:AuthorizePlacement', [request({ targets: [withoutNodes] })])).toMatchObject({
      approved: false,
      targets: [{ reasons: [{ code: 'NoNodes' }, { code: 'JurisdictionNotAllowed' }] }],
    });
    expect(await world.submit(OPERATOR, 'Placement:AuthorizePlacement', [request({ workload: { ...request().workload, generation: 0 } })])).toMatchObject({
      workload: { generation: 0 },
    });
    const bad: [Record<string, unknown>, string][] = [
      [{ decisionId: '' }, 'request.decisionId must be a non-empty string'],
      [{ workload: 'ml/train' }, 'request.workload must be an object'],
      [{ workload: { name: 'train' } }, 'request.workload.namespace must be a non-empty string'],
      [{ workload: { namespace: 'ml', name: 'a b' } }, 'request.workload.name "a b" is invalid'],
      [{ workload: { namespace: 'ml', name: 'train', uid: 7 } }, 'request.workload.uid must be a non-empty string'],
      [{ workload: { namespace: 'ml', name: 'train', generation: -1 } }, 'request.workload.generation must be an integer from 0 to 9007199254740991'],
      [{ purpose: 'a b' }, 'request.purpose "a b" is invalid'],
      [{ datasets: ['-d'] }, 'request.datasets[0] "-d" is invalid'],
      [{ targets: {} }, 'request.targets must be a list'],
      [{ targets: Array.from({ length: 101 }, () => target) }, 'request.targets has more than 100 entries'],
      [{ targets: ['paris'] }, 'request.targets[0] must be an object'],
      [{ targets: [{ ...target, cluster: '' }] }, 'request.targets[0].cluster must be a non-empty string'],
      [{ targets: [{ ...target, pool: '-' }] }, 'request.targets[0].pool "-" is invalid'],
      [{ targets: [{ ...target, provider: 'a b' }] }, 'request.targets[0].provider "a b" is invalid'],
      [{ targets: [{ ...target, countryCode: 'France' }] }, 'request.targets[0].countryCode "France" is invalid'],
      [{ targets: [{ ...target, nodes: [{ ...target.nodes[0], memberCluster: '-' }] }] }, 'request.targets[0].nodes[0].memberCluster "-" is invalid'],
      [{ targets: [{ ...target, nodes: [{ ...target.nodes[0], nodeName: '-' }] }] }, 'request.targets[0].nodes[0].nodeName "-" is invalid'],
      [{ targets: [{ ...target, nodes: [{ ...target.nodes[0], did: 'n1' }] }] }, 'request.targets[0].nodes[0].did "n1" is invalid'],
      [{ targets: [{ ...target, nodes: [7] }] }, 'request.targets[0].nodes[0] must be an object'],
    ];
    for (const [overrides, message] of bad)
      expect(await refused(world.submit(OPERATOR, 'Placement:AuthorizePlacement', [request(overrides)]))).toContain(`InvalidArgument: ${message}`);
    expect(await world.submit(OPERATOR, 'Placement:AuthorizePlacement', [request({ targets: Array.from({ length: 100 }, () => target) })])).toMatchObject({
      approved: true,
    });
    expect(
      await refused(
        world.submit(OPERATOR, 'Placement:AuthorizePlacement', [
          request({ targets: [{ ...target, nodes: Array.from({ length: 10_001 }, () => target.nodes[0]) }] }),
        ]),
      ),
    ).toContain('request.targets[0].nodes has more than 10000 entries');
  });

  it('closes a recorded decision of the same workload once, and refuses another workload or an unknown decision', async () => {
    await attestedFederation();
    await world.submit(OPERATOR, 'Placement:RecordPlacement', [request()]);
    const removal = { workload: { namespace: 'ml', name: 'train', uid: 'u1' }, decisionId: 'd1', reason: 'WorkloadDeleted' };
    expect(await refused(world.submit(OPERATOR, 'Placement:RecordRemoval', [{ ...removal, decisionId: 'd9' }]))).toBe(
      'NotFound: no decision d9: only a recorded placement can be removed',
    );
    expect(await refused(world.submit(OPERATOR, 'Placement:RecordRemoval', [{ ...removal, workload: { namespace: 'ml', name: 'other' } }]))).toBe(
      'WorkloadMismatch: decision d1 placed ml/train, not ml/other',
    );
    expect(await refused(world.submit(OPERATOR, 'Placement:RecordRemoval', [{ ...removal, workload: { namespace: 'other', name: 'train' } }]))).toBe(
      'WorkloadMismatch: decision d1 placed ml/train, not other/train',
    );
    const first = await world.submit(OPERATOR, 'Placement:RecordRemoval', [removal]);
    expect(first).toEqual({ ...removal, removedAt: T0, txId: 'tx8', recordedBy: `${OPERATOR.mspId}/${OPERATOR.id}` });
    expect(world.events.at(-1)).toEqual({
      name: 'PlacementRemoved',
      payload: { decisionId: 'd1', workload: removal.workload, reason: 'WorkloadDeleted', txId: 'tx8' },
    });
    world.now = new Date('2026-06-02T00:00:00.000Z');
    expect(await world.submit(OPERATOR, 'Placement:RecordRemoval', [{ ...removal, reason: 'ScaledToZero' }])).toEqual(first);
    expect(world.stored('PlacementRemoval')).toHaveLength(1);
  });

  // The Fabric commit window: a RecordPlacement the operator saw fail (the gateway lost) may still commit after the
  // workload moved on and its id was closed as never applied; closed for good, it is refused instead of left open.
  it('NeverApplied closes an id the ledger never recorded with a tombstone, and RecordPlacement refuses that id after', async () => {
    await attestedFederation();
    const removal = { workload: { namespace: 'ml', name: 'train', uid: 'u1' }, decisionId: 'ml.train.0123456789abcdef0123', reason: 'NeverApplied' };
    // Another workload's id, or one not of the operator's form, cannot be barred.
    for (const [decisionId, workload] of [
      ['ml.train.0123456789abcdef0123', { namespace: 'other', name: 'train' }],
      ['ml.train.0123456789abcdef0123', { namespace: 'ml', name: 'tra' }],
      ['ml.train.0123456789abcdef012', { namespace: 'ml', name: 'train' }],
      ['ml.train.0123456789abcdef0123x', { namespace: 'ml', name: 'train' }],
      ['ml.train.0123456789ABCDEF0123', { namespace: 'ml', name: 'train' }],
      ['d1', { namespace: 'ml', name: 'train' }],
    ] as const)
      expect(await refused(world.submit(OPERATOR, 'Placement:RecordRemoval', [{ ...removal, decisionId, workload }]))).toMatch(
        new RegExp(
          `^WorkloadMismatch: no decision ${decisionId}, and it is not an id of ${workload.namespace}/${workload.name} \\(<namespace>\\.<name>\\.<20 hex digits>\\)`,
        ),
      );
    expect(world.stored('PlacementRemoval')).toEqual([]);
    const events = world.events.length;
    const tombstone = await world.submit(OPERATOR, 'Placement:RecordRemoval', [removal]);
    expect(tombstone).toEqual({ ...removal, removedAt: T0, txId: expect.any(String), recordedBy: `${OPERATOR.mspId}/${OPERATOR.id}`, unrecorded: true });
    // Nothing was placed: no PlacementRemoved for the audit.
    expect(world.events).toHaveLength(events);
    expect(await world.submit(OPERATOR, 'Placement:RecordRemoval', [removal])).toEqual(tombstone);
    // A long name: the id is cut at 253 characters, its digest with it.
    const long = { namespace: 'ml', name: 'n'.repeat(240) };
    const cut = `ml.${long.name}.0123456789abcdef0123`.slice(0, 253);
    expect(await world.submit(OPERATOR, 'Placement:RecordRemoval', [{ ...removal, workload: long, decisionId: cut }])).toMatchObject({ unrecorded: true });
    expect(await refused(world.submit(OPERATOR, 'Placement:RecordRemoval', [{ ...removal, workload: long, decisionId: cut.slice(0, 252) }]))).toMatch(
      /^WorkloadMismatch: /,
    );
    expect(await refused(world.submit(OPERATOR, 'Placement:RecordPlacement', [request({ decisionId: removal.decisionId })]))).toBe(
      `DecisionClosed: decision ${removal.decisionId} was closed (NeverApplied) by transaction ${(tombstone as { txId: string }).txId} before it was recorded: decide again under a new id`,
    );
    expect(world.stored('Placement')).toEqual([]);
    expect(world.stored('Grant')).toEqual([]);
    // Any other reason still needs a recorded decision.
    expect(await refused(world.submit(OPERATOR, 'Placement:RecordRemoval', [{ ...removal, decisionId: 'd2', reason: 'Superseded' }]))).toBe(
      'NotFound: no decision d2: only a recorded placement can be removed',
    );
  });

  it('names a bad removal field and lists the removal reasons', async () => {
    const removal = { workload: { namespace: 'ml', name: 'train' }, decisionId: 'd1', reason: 'WorkloadDeleted' };
    const bad: [Record<string, unknown>, string][] = [
      [{ reason: 'Gone' }, 'removal.reason Gone: use one of WorkloadDeleted, ScaledToZero, NeverApplied, Superseded'],
      [{ reason: undefined }, 'removal.reason must be a non-empty string'],
      [{ workload: undefined }, 'removal.workload must be an object'],
      [{ workload: { name: 'train' } }, 'removal.workload.namespace must be a non-empty string'],
      [{ workload: { namespace: 'ml', name: '-' } }, 'removal.workload.name "-" is invalid'],
      [{ workload: { namespace: 'ml', name: 'train', uid: '' } }, 'removal.workload.uid must be a non-empty string'],
      [{ decisionId: 'a b' }, 'removal.decisionId "a b" is invalid'],
    ];
    for (const [overrides, message] of bad)
      expect(await refused(world.submit(OPERATOR, 'Placement:RecordRemoval', [{ ...removal, ...overrides }]))).toContain(`InvalidArgument: ${message}`);
    expect(await refused(world.submit(OPERATOR, 'Placement:RecordRemoval', ['7']))).toBe('InvalidArgument: removal must be an object');
  });
});

describe('DataAccess', () => {
  async function placed(overrides: Record<string, unknown> = {}) {
    await attestedFederation();
    return world.submit(OPERATOR, 'Placement:RecordPlacement', [request(overrides)]);
  }
  const check = (did = 'did:web:nodes.example.eu:n1', grant = 'd1.scans') => world.submit(PROVIDER, 'DataAccess:CheckAccess', [grant, did]);

  it('issues one grant per dataset, bound to the approved targets’ node DIDs, living the policy’s TTL', async () => {
    await anchor(['FR', 'ES']);
    await world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [attestation('n1')]);
    await world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [attestation('n2')]);
    await world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy()]);
    await world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy({ datasetId: 'notes', grantTtlSeconds: 60 })]);
    const nodes = (...names: string[]) => names.map((n) => ({ memberCluster: 'paris', nodeName: n, did: `did:web:nodes.example.eu:${n}` }));
    const recorded = await world.submit(OPERATOR, 'Placement:RecordPlacement', [
      request({
        datasets: ['scans', 'notes'],
        targets: [
          { cluster: 'paris', pool: 'gpu', provider: 'ovhcloud', countryCode: 'FR', nodes: nodes('n2', 'n1') },
          { cluster: 'paris', provider: 'ovhcloud', countryCode: 'FR', nodes: nodes('n1') },
          // Refused (another country): its node is not bound.
          { cluster: 'paris', pool: 'cpu', provider: 'ovhcloud', countryCode: 'ES', nodes: nodes('n3') },
        ],
      }),
    ]);
    expect(recorded.grants).toEqual(['d1.notes', 'd1.scans']);
    const grant = await world.submit(TENANT, 'DataAccess:GetGrant', ['d1.scans']);
    expect(grant).toEqual({
      grantId: 'd1.scans',
      datasetId: 'scans',
      ownerMsp: 'TenantMSP',
      decisionId: 'd1',
      workload: request().workload,
      purpose: 'inference',
      nodeDids: ['did:web:nodes.example.eu:n1', 'did:web:nodes.example.eu:n2'],
      issuedAt: T0,
      expiresAt: '2026-06-01T12:10:00.000Z',
      revoked: false,
    });
    expect(await world.submit(TENANT, 'DataAccess:GetGrant', ['d1.notes'])).toMatchObject({ expiresAt: '2026-06-01T12:01:00.000Z' });
    // Each grant is the owner's to change: its peers must endorse.
    expect([...world.validation.range('', '')].map(([k]) => k.split('\u0000')[1])).toEqual(['DatasetPolicy', 'DatasetPolicy', 'Grant', 'Grant']);
    expect(await refused(world.submit(TENANT, 'DataAccess:GetGrant', ['d9.scans']))).toBe('NotFound: no grant d9.scans');
  });

  it('binds a grant only to targets approved on the same pool', async () => {
    await placed({
      targets: [
        { ...request().targets[0], pool: undefined },
        {
          ...request().targets[0],
          pool: 'gpu',
          countryCode: 'ES',
          nodes: [{ memberCluster: 'paris', nodeName: 'n1', did: 'did:web:nodes.example.eu:n1-gpu' }],
        },
      ],
    });
    expect(await world.submit(TENANT, 'DataAccess:GetGrant', ['d1.scans'])).toMatchObject({ nodeDids: ['did:web:nodes.example.eu:n1'] });
  });

  it('allows a bound, verified node within the grant’s life, and says why it refuses each other use', async () => {
    await placed();
    expect(await check()).toEqual({
      grantId: 'd1.scans',
      nodeDid: 'did:web:nodes.example.eu:n1',
      allowed: true,
      reason: 'Allowed',
      message: 'did:web:nodes.example.eu:n1 may read scans for inference',
      at: T0,
    });
    expect(await check('did:web:nodes.example.eu:n9')).toMatchObject({
      allowed: false,
      reason: 'NodeNotBound',
      message: 'grant d1.scans is bound to 1 other node(s), not did:web:nodes.example.eu:n9',
    });
    expect(await refused(check('n1'))).toContain('InvalidArgument: nodeDid "n1" is invalid');
    // The policy stops allowing the purpose.
    await world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy({ allowedPurposes: ['research'] })]);
    expect(await check()).toMatchObject({
      allowed: false,
      reason: 'PurposeNotAllowed',
      message: "dataset scans's policy (version 2) no longer allows inference",
    });
    await world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy()]);
    // The node's credential is revoked, then it is verified again but its credential expires.
    await world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [
      attestation('n1', { verified: false, reason: 'REVOKED', observedAt: '2026-06-01T11:10:00Z' }),
    ]);
    expect(await check()).toMatchObject({ allowed: false, reason: 'NodeNotVerified', message: 'did:web:nodes.example.eu:n1 is not verified now (REVOKED)' });
    await world.submit(OPERATOR, 'TrustRegistry:RecordAttestation', [
      attestation('n1', { expiresAt: '2026-06-01T12:05:00Z', observedAt: '2026-06-01T11:20:00Z' }),
    ]);
    expect(await check()).toMatchObject({ allowed: true });
    world.now = new Date('2026-06-01T12:05:00.000Z');
    expect(await check()).toMatchObject({
      allowed: false,
      reason: 'AttestationExpired',
      message: "did:web:nodes.example.eu:n1's credential expired at 2026-06-01T12:05:00Z",
    });
    // A policy that does not re-check nodes lets the expired credential pass; the grant's own life still ends.
    await world.submit(TENANT, 'DatasetPolicy:PublishPolicy', [policy({ verifiedNodesOnly: false })]);
    expect(await check()).toMatchObject({ allowed: true, at: '2026-06-01T12:05:00.000Z' });
    world.now = new Date('2026-06-01T12:09:59.999Z');
    expect(await check()).toMatchObject({ allowed: true });
    world.now = new Date('2026-06-01T12:10:00.000Z');
    expect(await check()).toMatchObject({ allowed: false, reason: 'GrantExpired', message: 'grant d1.scans expired at 2026-06-01T12:10:00.000Z' });
  });

  it('refuses a grant whose attestation never existed for the DID, and one without a purpose', async () => {
    await placed();
    const grantKey = [...world.state.range('\u0000Grant\u0000', '\u0000Grant\u0000\u{10FFFF}')][0][0];
    const grant = world.stored('Grant')[0] as Record<string, unknown>;
    world.state.apply([{ key: grantKey, value: Buffer.from(JSON.stringify({ ...grant, purpose: undefined, nodeDids: ['did:web:elsewhere:x'] })) }], 99);
    expect(await check('did:web:elsewhere:x')).toMatchObject({
      allowed: false,
      reason: 'PurposeNotAllowed',
      message: "dataset scans's policy (version 1) no longer allows an unstated purpose",
    });
    world.state.apply([{ key: grantKey, value: Buffer.from(JSON.stringify({ ...grant, nodeDids: ['did:web:elsewhere:x'] })) }], 100);
    expect(await check('did:web:elsewhere:x')).toMatchObject({ allowed: false, reason: 'NodeNotVerified', message: 'did:web:elsewhere:x is not verified now' });
    world.state.apply([{ key: grantKey, value: Buffer.from(JSON.stringify({ ...grant, datasetId: 'gone' })) }], 101);
    expect(await check()).toMatchObject({ allowed: false, reason: 'DatasetUnknown', message: 'dataset gone has no policy any more' });
  });

  it('lets only the owner revoke, once, and a revoked grant refuses every use', async () => {
    await placed();
    expect(await refused(world.submit(PROVIDER, 'DataAccess:RevokeGrant', ['d1.scans']))).toBe(
      'AccessDenied: only TenantMSP, the owner of dataset scans, may revoke its grants; the caller is ProviderMSP',
    );
    const revoked = await world.submit(TENANT, 'DataAccess:RevokeGrant', ['d1.scans']);
    expect(revoked).toMatchObject({ revoked: true, revokedAt: T0, revokedBy: `TenantMSP/${TENANT.id}` });
    expect(world.events.at(-1)).toEqual({ name: 'GrantRevoked', payload: { grantId: 'd1.scans', datasetId: 'scans', revokedAt: T0 } });
    world.now = new Date('2026-06-01T12:01:00.000Z');
    expect(await world.submit(TENANT, 'DataAccess:RevokeGrant', ['d1.scans'])).toEqual(revoked);
    expect(world.events.filter((e) => e.name === 'GrantRevoked')).toHaveLength(1);
    expect(await check()).toMatchObject({ allowed: false, reason: 'GrantRevoked', message: `grant d1.scans was revoked at ${T0} by TenantMSP/${TENANT.id}` });
  });

  it('records each use, refusals too, for the operator or the owner only', async () => {
    await placed();
    const use = await world.submit(OPERATOR, 'DataAccess:RecordAccess', ['d1.scans', 'did:web:nodes.example.eu:n1']);
    expect(use).toMatchObject({ allowed: true, reason: 'Allowed', txId: 'tx5', recordedBy: `${OPERATOR.mspId}/${OPERATOR.id}` });
    const refusal = await world.submit(TENANT, 'DataAccess:RecordAccess', ['d1.scans', 'did:web:nodes.example.eu:n9']);
    expect(refusal).toMatchObject({ allowed: false, reason: 'NodeNotBound', txId: 'tx6' });
    expect(await refused(world.submit(PROVIDER, 'DataAccess:RecordAccess', ['d1.scans', 'did:web:nodes.example.eu:n1']))).toBe(
      'AccessDenied: only TenantMSP, the owner of dataset scans, may record uses of its grants; the caller is ProviderMSP',
    );
    expect(await refused(world.submit(ADMIN, 'DataAccess:RecordAccess', ['d1.scans', 'did:web:nodes.example.eu:n1']))).toContain('AccessDenied');
    expect(world.stored('Access')).toEqual([use, refusal]);
    expect(world.events.filter((e) => e.name === 'AccessRecorded').map((e) => e.payload)).toEqual([use, refusal]);
    expect(await refused(world.submit(OPERATOR, 'DataAccess:RecordAccess', ['d1.scans', 'x']))).toContain('InvalidArgument: nodeDid "x" is invalid');
    expect(await refused(world.submit(OPERATOR, 'DataAccess:RecordAccess', ['', 'x']))).toBe('InvalidArgument: grantId must be a non-empty string');
  });

  it('lists grants by issue time, not by grant id', async () => {
    await placed(); // d1, at 12:00
    world.now = new Date('2026-06-01T13:00:00.000Z');
    await world.submit(OPERATOR, 'Placement:RecordPlacement', [request({ decisionId: 'a9' })]);
    const grants = (await world.submit(TENANT, 'DataAccess:ListGrants', ['scans'])) as unknown as { grantId: string }[];
    expect(grants.map((g) => g.grantId)).toEqual(['d1.scans', 'a9.scans']);
  });

  it('lists a dataset’s grants oldest first, revoked ones included', async () => {
    await placed();
    world.now = new Date('2026-06-01T11:00:00.000Z'); // an earlier transaction time still sorts first
    await world.submit(OPERATOR, 'Placement:RecordPlacement', [request({ decisionId: 'd0' })]);
    world.now = new Date('2026-06-01T11:00:00.000Z');
    await world.submit(OPERATOR, 'Placement:RecordPlacement', [request({ decisionId: 'c0' })]);
    await world.submit(TENANT, 'DataAccess:RevokeGrant', ['d1.scans']);
    const grants = (await world.submit(TENANT, 'DataAccess:ListGrants', ['scans'])) as unknown as { grantId: string; revoked: boolean }[];
    expect(grants.map((g) => [g.grantId, g.revoked])).toEqual([
      ['c0.scans', false],
      ['d0.scans', false],
      ['d1.scans', true],
    ]);
    expect(await world.submit(TENANT, 'DataAccess:ListGrants', ['other'])).toEqual([]);
    expect(await refused(world.submit(TENANT, 'DataAccess:ListGrants', ['a b']))).toContain('InvalidArgument: datasetId "a b" is invalid');
  });
});

describe('LedgerHead', () => {
  const put = (head: unknown, ledgerId = 'op-1') => world.submit(OPERATOR, 'LedgerHead:PutHead', [ledgerId, head]);
  const h = (c: string) => c.repeat(64);

  it('moves a head forward only, keeping the hash of every height it recorded', async () => {
    const first = await put({ height: 3, hash: h('a') });
    expect(first).toEqual({ ledgerId: 'op-1', height: 3, hash: h('a'), recordedAt: T0, recordedBy: `${OPERATOR.mspId}/${OPERATOR.id}`, txId: 'tx1' });
    expect(await put({ height: 3, hash: h('a') })).toEqual(first);
    expect(world.stored('LedgerHead')).toEqual([first]);
    expect(await refused(put({ height: 3, hash: h('b') }))).toBe(`StaleHead: ledger op-1 recorded another block 3 (hash ${h('a')}): its history was rewritten`);
    expect(await refused(put({ height: 2, hash: h('a') }))).toBe('StaleHead: ledger op-1 already reached block 3; a head never moves back (to 2)');
    expect(await put({ height: 4, hash: h('c') })).toMatchObject({ height: 4, hash: h('c'), txId: 'tx5' });
    expect(await world.submit(TENANT, 'LedgerHead:GetHead', ['op-1'])).toMatchObject({ height: 4 });
    expect(await refused(world.submit(TENANT, 'LedgerHead:GetHead', ['op-2']))).toBe('NotFound: no head recorded for ledger op-2');
    expect(await put({ height: 0, hash: h('0') }, 'op-2')).toMatchObject({ height: 0 });
  });

  it('names a bad head field', async () => {
    for (const height of [-1, 1.5, '3', undefined])
      expect(await refused(put({ height, hash: h('a') }))).toBe('InvalidArgument: head.height must be a non-negative integer');
    expect(await refused(put({ height: 1, hash: h('A') }))).toBe(
      `InvalidArgument: head.hash "${h('A')}" is invalid: write the block hash as 64 lowercase hex digits`,
    );
    expect(await refused(put({ height: 1, hash: `x${h('a')}` }))).toContain('head.hash');
    expect(await refused(put({ height: 1, hash: `${h('a')}x` }))).toContain('head.hash');
    expect(await refused(put('[1]'))).toBe('InvalidArgument: head must be an object');
    expect(await refused(put({ height: 1, hash: h('a') }, '-x'))).toContain('InvalidArgument: ledgerId "-x" is invalid');
    expect(await refused(world.submit(TENANT, 'LedgerHead:GetHead', ['-x']))).toContain('InvalidArgument: ledgerId "-x" is invalid');
  });
});

describe('every contract', () => {
  it('names the argument that is not JSON or not an object, and each bad anchor field', async () => {
    const cases: [typeof OPERATOR, string, unknown[], string][] = [
      [TENANT, 'DatasetPolicy:PublishPolicy', ['{'], 'InvalidArgument: policy is not valid JSON'],
      [TENANT, 'DatasetPolicy:PublishPolicy', ['[]'], 'InvalidArgument: policy must be an object'],
      [OPERATOR, 'Placement:AuthorizePlacement', ['{'], 'InvalidArgument: request is not valid JSON'],
      [OPERATOR, 'Placement:RecordPlacement', ['{'], 'InvalidArgument: request is not valid JSON'],
      [OPERATOR, 'Placement:AuthorizePlacement', ['[]'], 'InvalidArgument: request must be an object'],
      [OPERATOR, 'Placement:RecordRemoval', ['{'], 'InvalidArgument: removal is not valid JSON'],
      [OPERATOR, 'LedgerHead:PutHead', ['op-1', '{'], 'InvalidArgument: head is not valid JSON'],
      [ADMIN, 'TrustRegistry:PutTrustAnchor', ['[]'], 'InvalidArgument: anchor must be an object'],
      [ADMIN, 'TrustRegistry:PutTrustAnchor', [{ did: 'x', name: 'n', countries: ['FR'] }], 'InvalidArgument: anchor.did "x" is invalid'],
      [ADMIN, 'TrustRegistry:PutTrustAnchor', [{ did: ISSUER, countries: ['FR'] }], 'InvalidArgument: anchor.name must be a non-empty string'],
      [ADMIN, 'TrustRegistry:PutTrustAnchor', [{ did: ISSUER, name: 'n', countries: ['fr'] }], 'InvalidArgument: anchor.countries[0] "fr" is invalid'],
      [ADMIN, 'TrustRegistry:RemoveTrustAnchor', ['x'], 'InvalidArgument: did "x" is invalid'],
    ];
    for (const [identity, fn, args, message] of cases) expect(await refused(world.submit(identity, fn, args))).toContain(message);
  });

  it('checks access before running, by the function’s own name or as the default contract', async () => {
    expect(await refused(world.submit(TENANT, 'TrustRegistry:PutTrustAnchor', [{ did: ISSUER, name: 'x', countries: ['FR'] }]))).toContain(
      'AccessDenied: TrustRegistry:PutTrustAnchor needs',
    );
    // TrustRegistry is the default contract: called without its name, the same rule holds.
    expect(await refused(world.submit(TENANT, 'PutTrustAnchor', [{ did: ISSUER, name: 'x', countries: ['FR'] }]))).toContain(
      'AccessDenied: TrustRegistry:PutTrustAnchor needs',
    );
    expect(await world.submit(ADMIN, 'PutTrustAnchor', [{ did: ISSUER, name: 'x', countries: ['FR'] }])).toMatchObject({ did: ISSUER });
    expect(await refused(world.submit(OPERATOR, 'Placement:Forge', []))).toBe('UnknownTransaction: Placement:Forge is not a transaction of this chaincode');
  });
});
