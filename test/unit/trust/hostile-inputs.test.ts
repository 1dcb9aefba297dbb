// Signed but hostile inputs: whatever a trusted key signs, and whatever a
// did:web server serves, the verifier answers with a verdict and a reason
// code. A throw would fail the reconcile forever and leave the node with its
// previous, perhaps positive, verdict.
import fc from 'fast-check';
import { newIdentity, nodeCredentialPayload, proveNode, publishStatusList, type Identity } from '../../../src/trust/issue.ts';
import { signJwt } from '../../../src/trust/jwt.ts';
import { MAX_NUMERIC_DATE } from '../../../src/trust/numeric-date.ts';
import { conditionReason, REASONS } from '../../../src/trust/reasons.ts';
import { validate } from '../../../src/api/validate.ts';
import { TrustVerifier, type NodeClaim, type Verdict } from '../../../src/trust/verifier.ts';
import { httpsFetcher } from '../../../src/trust/fetcher.ts';
import { AUDIENCE, host, TrustWorld } from '../../helpers/trust-world.ts';
import { propertyParameters } from '../../properties/arbitraries.ts';

let world: TrustWorld;
beforeAll(async () => {
  world = await TrustWorld.create();
});
afterAll(async () => world?.close());

const now = () => Math.floor(Date.now() / 1000);

/** A claim whose credential the trusted did:key issuer signs as given: the signature is good, the content hostile. */
function signedClaim(payload: Record<string, unknown>, proofPayload?: Record<string, unknown>): NodeClaim {
  const issuer = world.keyIssuer;
  return {
    did: world.keyNode.did,
    memberCluster: 'paris',
    nodeName: 'par-h100-1',
    credential: signJwt({ ...payload, iss: issuer.did }, issuer.key, { kid: issuer.key.kid }),
    proof: proofPayload ? signJwt({ iss: world.keyNode.did, ...proofPayload }, world.keyNode.key, { kid: world.keyNode.key.kid }) : undefined,
  };
}

function goodPayload(): Record<string, unknown> {
  return nodeCredentialPayload({
    subject: world.keyNode.did,
    memberCluster: 'paris',
    nodeName: 'par-h100-1',
    countryCode: 'FR',
    validFrom: now() - 60,
    validForSeconds: 3600,
  });
}

/** A verdict, and one the API server would store: a status it refuses would leave the node its old verdict. */
function expectVerdict(verdict: Verdict): void {
  expect(REASONS).toContain(verdict.reason);
  expect(typeof verdict.message).toBe('string');
  expect(verdict.message.length).toBeGreaterThan(0);
  expect(verdict.message.length).toBeLessThanOrEqual(1024);
  const status = {
    issuer: verdict.issuer,
    countryCode: verdict.countryCode,
    jurisdiction: verdict.jurisdiction,
    provider: verdict.provider,
    expiresAt: verdict.expiresAt,
    conditions: [
      {
        type: 'Verified',
        status: verdict.verified ? 'True' : 'False',
        reason: conditionReason(verdict.reason),
        message: verdict.message,
        lastTransitionTime: new Date().toISOString(),
      },
    ],
  };
  const object = {
    apiVersion: 'cloudempire.eu/v1alpha1',
    kind: 'SovereignNode',
    metadata: { name: 'n' },
    spec: { memberCluster: 'paris', nodeName: 'par-h100-1', did: world.keyNode.did, credential: 'eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ4In0.c2ln' },
    status: Object.fromEntries(Object.entries(status).filter(([, v]) => v !== undefined)),
  };
  const result = validate('SovereignNode', object);
  expect(result.ok ? [] : result.issues).toEqual([]);
}

describe('hostile signed credentials', () => {
  it.each([
    ['exp beyond what a Date holds', { exp: 1e300 }, 'CREDENTIAL_MALFORMED'],
    ['exp just past year 9999', { exp: MAX_NUMERIC_DATE + 1 }, 'CREDENTIAL_MALFORMED'],
    ['exp as a string', { exp: '2099-01-01' }, 'CREDENTIAL_MALFORMED'],
    ['exp negative', { exp: -1 }, 'CREDENTIAL_MALFORMED'],
    ['nbf an object', { nbf: { $gt: 0 } }, 'CREDENTIAL_MALFORMED'],
    ['iat NaN-like', { iat: 'NaN' }, 'CREDENTIAL_MALFORMED'],
    ['vc a number', { vc: 5 }, 'TYPE_MISMATCH'],
    ['credentialSubject a string', { vc: { type: ['VerifiableCredential', 'SovereignNodeCredential'], credentialSubject: 'x' } }, 'BINDING_MISMATCH'],
    ['credentialStatus a number', { vc: 'WITH_STATUS_5' }, 'STATUS_UNAVAILABLE'],
    ['a huge country value', { vc: 'WITH_HUGE_COUNTRY' }, 'JURISDICTION_DENIED'],
    ['a lower-case country and a huge provider', { vc: 'WITH_BAD_COUNTRY_AND_PROVIDER' }, 'JURISDICTION_DENIED'],
  ])('%s', async (_name, overrides, reason) => {
    const good = goodPayload();
    const vc = good.vc as { credentialSubject: Record<string, unknown> };
    const variants: Record<string, unknown> = {
      WITH_STATUS_5: { ...vc, credentialStatus: 5 },
      WITH_HUGE_COUNTRY: { ...vc, credentialSubject: { ...vc.credentialSubject, countryCode: 'X'.repeat(100_000) } },
      WITH_BAD_COUNTRY_AND_PROVIDER: { ...vc, credentialSubject: { ...vc.credentialSubject, countryCode: 'fr', provider: 'p'.repeat(500) } },
    };
    const payload: Record<string, unknown> = { ...good, ...overrides };
    if (typeof payload.vc === 'string' && payload.vc in variants) payload.vc = variants[payload.vc];
    const verdict = await world.verifier({ requireProofOfPossession: false }).verify(signedClaim(payload));
    expectVerdict(verdict);
    expect(verdict).toMatchObject({ verified: false, reason });
  });

  it('still verifies the well-formed credential (the cases above differ only in what they name)', async () => {
    expect(await world.verifier({ requireProofOfPossession: false }).verify(signedClaim(goodPayload()))).toMatchObject({ verified: true, reason: 'VERIFIED' });
  });

  it('refuses a proof with a hostile iat and a challenge whose time cannot be read', async () => {
    const verifier = world.verifier();
    const challenge = world.challenge();
    const hostileIat = await verifier.verify(signedClaim(goodPayload(), { aud: AUDIENCE, nonce: challenge.nonce, iat: 1e300 }), { challenge });
    expect(hostileIat).toMatchObject({ verified: false, reason: 'PROOF_INVALID' });
    const proof = signedClaim(goodPayload(), { aud: AUDIENCE, nonce: challenge.nonce, iat: now() });
    expect(await verifier.verify(proof, { challenge })).toMatchObject({ verified: true });
    // An unreadable issuedAt would otherwise mean "never lapses".
    const unreadable = await verifier.verify(proof, { challenge: { ...challenge, issuedAt: 'tomorrow-ish' } });
    expect(unreadable).toMatchObject({ verified: false, reason: 'PROOF_INVALID', message: expect.stringContaining('issuedAt') });
  });

  it('turns an unforeseen failure into a VERIFICATION_ERROR verdict instead of a throw', async () => {
    const verifier = new TrustVerifier(world.config({ requireProofOfPossession: false }), {
      fetcher: httpsFetcher({ allowLoopback: true }),
      now: () => {
        throw new TypeError('clock broke');
      },
    });
    const verdict = await verifier.verify(signedClaim(goodPayload()));
    expectVerdict(verdict);
    expect(verdict).toMatchObject({ verified: false, reason: 'VERIFICATION_ERROR' });
  });

  it('refuses out-of-range dates at issue, naming the fix', async () => {
    expect(() => nodeCredentialPayload({ subject: 'did:key:x', memberCluster: 'a', nodeName: 'b', countryCode: 'FR', validForSeconds: 1e300 })).toThrow(
      /year 9999/,
    );
    expect(() =>
      nodeCredentialPayload({ subject: 'did:key:x', memberCluster: 'a', nodeName: 'b', countryCode: 'FR', validFrom: -5, validForSeconds: 60 }),
    ).toThrow(/seconds since 1970/);
    await expect(publishStatusList(world.issuer.key, world.statusList, Number.POSITIVE_INFINITY)).rejects.toThrow(/positive number of seconds/);
    await expect(proveNode(world.node.key, 'n', AUDIENCE, 1e300)).rejects.toThrow(/seconds since 1970/);
  });
});

describe('hostile DID documents from a trusted did:web issuer', () => {
  async function claimFromIssuerWithDocument(path: string, mutate: (document: Record<string, unknown>) => Record<string, unknown>) {
    const issuer: Identity = newIdentity({ method: 'web', domain: world.server.domain, path });
    host(world.server, { ...issuer, document: mutate({ ...(issuer.document as unknown as Record<string, unknown>) }) as never });
    const payload = nodeCredentialPayload({
      subject: world.node.did,
      memberCluster: 'paris',
      nodeName: 'par-h100-1',
      countryCode: 'FR',
      validFrom: now() - 60,
      validForSeconds: 3600,
    });
    const claim = { ...(await world.goodClaim()), credential: signJwt({ ...payload, iss: issuer.did }, issuer.key, { kid: issuer.key.kid }) };
    return { claim, config: { issuers: [{ did: issuer.did, name: path }], requireProofOfPossession: false } };
  }

  it.each([
    ['assertionMethod: 5', (d: Record<string, unknown>) => ({ ...d, assertionMethod: 5 }), /assertionMethod is not an array/],
    ['authentication: 5', (d: Record<string, unknown>) => ({ ...d, authentication: 5 }), /authentication is not an array/],
    ['verificationMethod an object', (d: Record<string, unknown>) => ({ ...d, verificationMethod: { id: 'x' } }), /verificationMethod is not an array/],
    ['verificationMethod entries null', (d: Record<string, unknown>) => ({ ...d, verificationMethod: [null] }), /verificationMethod\[0\]/],
    ['assertionMethod entries numbers', (d: Record<string, unknown>) => ({ ...d, assertionMethod: [7] }), /assertionMethod\[0\]/],
    [
      'publicKeyJwk a string',
      (d: Record<string, unknown>) => ({ ...d, verificationMethod: [{ ...(d.verificationMethod as object[])[0], publicKeyJwk: 'jwk' }] }),
      /key/,
    ],
  ])('%s', async (name, mutate, message) => {
    const { claim, config } = await claimFromIssuerWithDocument(`hostile/${name.replace(/\W+/g, '-')}`, mutate);
    const verdict = await world.verifier(config).verify(claim);
    expectVerdict(verdict);
    expect(verdict.verified).toBe(false);
    expect(verdict.reason).not.toBe('VERIFICATION_ERROR');
    expect(verdict.message).toMatch(message);
  });
});

describe('property: any signed payload gets a verdict with a reason code', () => {
  const hostileValue = fc.oneof(
    fc.constantFrom(1e300, -1e300, Number.MAX_SAFE_INTEGER, MAX_NUMERIC_DATE + 1, 0, -1, 8.64e12, Number.MIN_VALUE),
    fc.double(),
    fc.integer(),
    fc.string({ maxLength: 40 }),
    fc.constant(null),
    fc.boolean(),
    fc.array(fc.integer(), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.integer(), fc.string({ maxLength: 8 })), { maxKeys: 3 }),
  );
  const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const subject = fc.record({
    id: maybe(fc.oneof(fc.constant('NODE'), hostileValue)),
    memberCluster: maybe(fc.oneof(fc.constant('paris'), hostileValue)),
    nodeName: maybe(fc.oneof(fc.constant('par-h100-1'), hostileValue)),
    countryCode: maybe(fc.oneof(fc.constant('FR'), hostileValue)),
  });
  const status = fc.record({
    type: maybe(fc.oneof(fc.constant('BitstringStatusListEntry'), hostileValue)),
    statusPurpose: maybe(fc.oneof(fc.constantFrom('revocation', 'suspension'), hostileValue)),
    statusListIndex: maybe(fc.oneof(fc.constantFrom('3', '7', '999999999'), hostileValue)),
    statusListCredential: maybe(fc.oneof(fc.constant('STATUS_URL'), fc.constant('https://169.254.169.254/'), fc.constant('http://x/'), hostileValue)),
  });
  const vc = fc.oneof(
    hostileValue,
    fc.record({
      type: maybe(fc.oneof(fc.constant(['VerifiableCredential', 'SovereignNodeCredential']), hostileValue)),
      credentialSubject: maybe(fc.oneof(subject, hostileValue)),
      credentialStatus: maybe(fc.oneof(status, fc.array(status, { maxLength: 2 }), hostileValue)),
    }),
  );
  const payload = fc.record({
    sub: maybe(fc.oneof(fc.constant('NODE'), hostileValue)),
    nbf: maybe(hostileValue),
    exp: maybe(hostileValue),
    iat: maybe(hostileValue),
    vc: maybe(vc),
  });
  const proof = fc.record({
    aud: maybe(fc.oneof(fc.constant(AUDIENCE), hostileValue)),
    nonce: maybe(fc.oneof(fc.constant('NONCE'), hostileValue)),
    iat: maybe(hostileValue),
    exp: maybe(hostileValue),
  });

  // Placeholders become the real values, so generated cases reach deep into the pipeline.
  const fill = (value: unknown): unknown => {
    if (value === 'NODE') return world.keyNode.did;
    if (value === 'STATUS_URL') return world.statusList.url;
    if (value === 'NONCE') return world.challenge().nonce;
    if (Array.isArray(value)) return value.map(fill);
    if (value && typeof value === 'object')
      return Object.fromEntries(
        Object.entries(value)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, fill(v)]),
      );
    return value;
  };

  it('never throws and never reports an unforeseen error', async () => {
    const verifier = world.verifier({ statusListMaxAgeSeconds: 3600 });
    await fc.assert(
      fc.asyncProperty(
        payload,
        fc.option(proof, { nil: undefined }),
        fc.oneof(
          fc.constant(undefined),
          fc.string({ maxLength: 30 }),
          fc.date({ noInvalidDate: false }).map((d) => String(d)),
        ),
        async (p, pr, issuedAt) => {
          const claim = signedClaim(fill(p) as Record<string, unknown>, pr ? (fill(pr) as Record<string, unknown>) : undefined);
          const challenge = { nonce: world.challenge().nonce, ...(issuedAt === undefined ? {} : { issuedAt }) };
          const verdict = await verifier.verify(claim, { challenge });
          expectVerdict(verdict);
          expect(verdict.reason).not.toBe('VERIFICATION_ERROR');
        },
      ),
      propertyParameters(300),
    );
  });
});
