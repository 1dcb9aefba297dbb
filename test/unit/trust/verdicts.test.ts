// Every decision of the verifier, asserted on the verdict it returns (reason,
// message, reported facts, recheck time), in memory on a fixed clock: no
// HTTPS server, no real time. The HTTPS worlds of the other trust tests check
// the same pipeline end to end; these pin down its boundaries and sentences.
import { issueNodeCredential, newIdentity, newStatusListFile, proveNode } from '../../../src/trust/issue.ts';
import { signJwt } from '../../../src/trust/jwt.ts';
import { MIN_STATUS_LIST_BITS } from '../../../src/trust/status-list.ts';
import { TrustVerifier } from '../../../src/trust/verifier.ts';
import { AUDIENCE, GOOD, LIST_URL, MemoryTrust, REVOKED, signAs, T0, T0_SECONDS } from '../../helpers/memory-trust.ts';

let trust: MemoryTrust;
beforeEach(async () => {
  trust = new MemoryTrust();
  await trust.publishList();
});

const at = (ms: number) => new Date(ms).toISOString();
const CREDENTIAL_EXP = T0_SECONDS - 60 + 86_400;

describe('a verified node', () => {
  it('carries who vouched, where, until when, and when to look again', async () => {
    const verdict = await trust.verifier().verify(await trust.claim(), { challenge: trust.challenge() });
    expect(verdict).toEqual({
      verified: true,
      reason: 'VERIFIED',
      message: 'credential from Spanish trust authority verified for par-1 in FR, key possession proven',
      issuer: trust.issuer.did,
      issuerName: 'Spanish trust authority',
      countryCode: 'FR',
      jurisdiction: 'EU',
      provider: 'ovhcloud',
      expiresAt: at(CREDENTIAL_EXP * 1000),
      // The status list is re-read after statusListMaxAgeSeconds (300 s), the earliest of the three deadlines.
      recheckAt: at(T0 + 300_000),
    });
  });

  it('says nothing of key possession when it is not required', async () => {
    const verdict = await trust.verifier({ requireProofOfPossession: false }).verify(await trust.claim({ proof: 'not even a JWT' }));
    expect(verdict).toMatchObject({ verified: true, message: 'credential from Spanish trust authority verified for par-1 in FR' });
  });

  it('is rechecked at the earliest of credential expiry (plus skew), status-list expiry and challenge lapse', async () => {
    const noProof = trust.verifier({ requireProofOfPossession: false });
    const noList = await noProof.verify(await trust.claim({ request: { statusList: undefined } }));
    expect(noList.recheckAt).toBe(at((CREDENTIAL_EXP + 60) * 1000));

    const lapsing = trust.challenge(86_400 - 100);
    expect((await trust.verifier().verify(await trust.claim(), { challenge: lapsing })).recheckAt).toBe(at(T0 + 100_000));
    // A challenge without a time never lapses on its own: the status list decides.
    const timeless = { nonce: lapsing.nonce };
    expect((await trust.verifier().verify(await trust.claim(), { challenge: timeless })).recheckAt).toBe(at(T0 + 300_000));

    await trust.publishList({ validForSeconds: 120 });
    expect((await noProof.verify(await trust.claim())).recheckAt).toBe(at(T0 + 120_000));
  });

  it('verifies with a did:web issuer whose document is fetched', async () => {
    const verdict = await trust
      .verifier({ requireProofOfPossession: false })
      .verify(await trust.claim({ by: trust.webIssuer, request: { statusList: undefined } }));
    expect(verdict).toMatchObject({ verified: true, issuerName: 'French trust authority' });
  });
});

describe('what the configuration sets', () => {
  it('bounds every fetch by the configured timeout and size', async () => {
    const verifier = trust.verifier({ requireProofOfPossession: false, fetchTimeoutMs: 1234, fetchMaxBytes: 5678 });
    expect(await verifier.verify(await trust.claim({ by: trust.webIssuer, request: { statusList: undefined } }))).toMatchObject({ verified: true });
    expect(await verifier.verify(await trust.claim())).toMatchObject({ verified: true });
    expect(trust.web.limits).toHaveLength(2);
    expect(trust.web.limits).toEqual([
      { timeoutMs: 1234, maxBytes: 5678 },
      { timeoutMs: 1234, maxBytes: 5678 },
    ]);
  });

  it('keeps a did:web issuer’s document for didCacheTtlSeconds on the verifier’s clock', async () => {
    const verifier = trust.verifier({ requireProofOfPossession: false, didCacheTtlSeconds: 60 });
    const claim = await trust.claim({ by: trust.webIssuer, request: { statusList: undefined } });
    const documentUrl = 'https://trust.example.eu/issuers/fr/did.json';
    await verifier.verify(claim);
    trust.clockMs = T0 + 59_999;
    await verifier.verify(claim);
    expect(trust.web.fetchesOf(documentUrl)).toBe(1);
    trust.clockMs = T0 + 60_000;
    expect(await verifier.verify(claim)).toMatchObject({ verified: true });
    expect(trust.web.fetchesOf(documentUrl)).toBe(2);
  });

  it('applies clockSkewSeconds to status lists too', async () => {
    const payload = trust.payload();
    const list = newStatusListFile(LIST_URL);
    const signedList = (exp: number) =>
      signAs(trust.issuer.key, {
        sub: `${LIST_URL}#list`,
        exp,
        vc: {
          type: ['VerifiableCredential', 'BitstringStatusListCredential'],
          credentialSubject: { statusPurpose: 'revocation', encodedList: list.encodedList },
        },
      });
    const claim = await trust.claim({ credential: signAs(trust.issuer.key, payload) });
    trust.web.serve(LIST_URL, signedList(T0_SECONDS - 50));
    expect(await trust.verifier({ requireProofOfPossession: false, clockSkewSeconds: 60 }).verify(claim)).toMatchObject({ verified: true });
    expect(await trust.verifier({ requireProofOfPossession: false, clockSkewSeconds: 10 }).verify(claim)).toMatchObject({
      reason: 'STATUS_UNAVAILABLE',
      message: expect.stringContaining('EXPIRED'),
    });
  });
});

describe('facts reported with a refusal', () => {
  it('reports the signed country but no jurisdiction for a country outside it', async () => {
    const verdict = await trust.verifier().verify(await trust.claim({ request: { countryCode: 'GB' } }), { challenge: trust.challenge() });
    expect(verdict).toEqual({
      verified: false,
      reason: 'JURISDICTION_DENIED',
      message: `the attested country "GB" is not one of EU's countries (ISO 3166-1 alpha-2, upper case)`,
      issuer: trust.issuer.did,
      issuerName: 'Spanish trust authority',
      countryCode: 'GB',
      jurisdiction: undefined,
      provider: 'ovhcloud',
      expiresAt: at(CREDENTIAL_EXP * 1000),
    });
  });

  it('denies a real country that the configuration leaves out', async () => {
    const verdict = await trust.verifier({ countries: ['ES'] }).verify(await trust.claim(), { challenge: trust.challenge() });
    expect(verdict).toMatchObject({ reason: 'JURISDICTION_DENIED', countryCode: 'FR', jurisdiction: undefined });
  });

  it('reports jurisdiction for a revoked node of an allowed country', async () => {
    const verdict = await trust.verifier().verify(await trust.claim({ request: { statusList: { url: LIST_URL, index: REVOKED } } }), {
      challenge: trust.challenge(),
    });
    expect(verdict).toMatchObject({
      verified: false,
      reason: 'REVOKED',
      message: `the issuer has revoked the credential (status list ${LIST_URL}, index ${REVOKED})`,
      countryCode: 'FR',
      jurisdiction: 'EU',
    });
  });

  it('reports nothing signed when the signature is not known good', async () => {
    const rogue = newIdentity({ method: 'key' });
    const verdict = await trust.verifier().verify(await trust.claim({ by: rogue }));
    expect(Object.keys(verdict).sort()).toEqual(['message', 'reason', 'verified']);
    expect(verdict).toMatchObject({ reason: 'ISSUER_UNTRUSTED', message: `the credential is issued by "${rogue.did}", which is not a trust anchor` });
  });

  it('leaves out a provider longer than 63 characters and a country that is no ISO code', async () => {
    const verifier = trust.verifier({ requireProofOfPossession: false });
    expect((await verifier.verify(await trust.claim({ request: { provider: 'p'.repeat(63) } }))).provider).toBe('p'.repeat(63));
    expect((await verifier.verify(await trust.claim({ request: { provider: 'p'.repeat(64) } }))).provider).toBeUndefined();
    const listed = await verifier.verify(
      await trust.claim({ credential: signAs(trust.issuer.key, { ...trust.payload(), vc: withSubject({ provider: ['ovh'] }, trust.payload()) }) }),
    );
    expect(listed).toMatchObject({ verified: true });
    expect(listed.provider).toBeUndefined();
    const lower = await verifier.verify(await trust.claim({ request: { countryCode: 'fr' } }));
    expect(lower).toMatchObject({ reason: 'JURISDICTION_DENIED', issuer: trust.issuer.did });
    expect(lower.countryCode).toBeUndefined();
    const numeric = await verifier.verify(
      await trust.claim({ credential: signAs(trust.issuer.key, { ...trust.payload(), vc: withSubject({ countryCode: 33 }, trust.payload()) }) }),
    );
    expect(numeric).toMatchObject({ reason: 'JURISDICTION_DENIED', message: expect.stringContaining('country 33 ') });
    expect(numeric.countryCode).toBeUndefined();
  });

  it('reports no expiry for a credential without exp, and rechecks it at the status list', async () => {
    const { exp: _exp, ...payload } = trust.payload();
    const verdict = await trust.verifier({ requireProofOfPossession: false }).verify(await trust.claim({ credential: signAs(trust.issuer.key, payload) }));
    expect(verdict).toMatchObject({ verified: true, recheckAt: at(T0 + 300_000) });
    expect(verdict.expiresAt).toBeUndefined();
  });
});

function withSubject(changes: Record<string, unknown>, base: ReturnType<MemoryTrust['payload']>) {
  return { ...base.vc, credentialSubject: { ...base.vc.credentialSubject, ...changes } };
}

describe('the credential', () => {
  const refusal = async (payload: Record<string, unknown>, options: { proof?: boolean } = {}) =>
    trust.verifier({ requireProofOfPossession: options.proof ?? false }).verify(await trust.claim({ credential: signAs(trust.issuer.key, payload) }));

  it('is refused unless it is a string with a DID string', async () => {
    const verifier = trust.verifier();
    for (const claim of [null, { ...(await trust.claim()), credential: 5 }, { ...(await trust.claim()), did: undefined }]) {
      expect(await verifier.verify(claim as never)).toEqual({
        verified: false,
        reason: 'CREDENTIAL_MALFORMED',
        message: 'the claim has no credential or DID string',
      });
    }
  });

  it.each([
    ['a string', 'VerifiableCredential'],
    ['without VerifiableCredential', ['SovereignNodeCredential']],
    ['without SovereignNodeCredential', ['VerifiableCredential']],
  ])('must be typed VerifiableCredential and SovereignNodeCredential, not %s', async (_name, type) => {
    const payload = trust.payload();
    expect(await refusal({ ...payload, vc: { ...payload.vc, type } })).toMatchObject({
      reason: 'TYPE_MISMATCH',
      message: `the credential's type ${JSON.stringify(type)} does not include VerifiableCredential and SovereignNodeCredential`,
    });
  });

  it('must be about the node: sub and, when given, credentialSubject.id', async () => {
    const other = newIdentity({ method: 'key' }).did;
    const payload = trust.payload();
    expect(await refusal({ ...payload, sub: other })).toMatchObject({
      reason: 'SUBJECT_MISMATCH',
      message: `the credential is about "${other}", not this node's DID ${trust.node.did}`,
    });
    expect(await refusal({ ...payload, vc: withSubject({ id: other }, payload) })).toMatchObject({ reason: 'SUBJECT_MISMATCH' });
    const { sub: _sub, ...noSub } = payload;
    expect(await refusal(noSub)).toMatchObject({ reason: 'SUBJECT_MISMATCH', message: expect.stringContaining(`about "${trust.node.did}"`) });
    expect(await refusal({ ...payload, vc: withSubject({ id: undefined }, payload) })).toMatchObject({ verified: true });
  });

  it('refuses a null vc or subject as a mismatch, not an error', async () => {
    const payload = trust.payload();
    expect(await refusal({ ...payload, vc: null })).toMatchObject({ reason: 'TYPE_MISMATCH' });
    expect(await refusal({ ...payload, vc: { ...payload.vc, credentialSubject: null } })).toMatchObject({ reason: 'BINDING_MISMATCH' });
  });

  it('must bind the DID to this node of this cluster', async () => {
    const payload = trust.payload();
    expect(await refusal({ ...payload, vc: withSubject({ memberCluster: 'madrid' }, payload) })).toMatchObject({
      reason: 'BINDING_MISMATCH',
      message: 'the credential binds the DID to node "par-1" of cluster "madrid", not par-1 of paris',
    });
    expect(await refusal({ ...payload, vc: withSubject({ nodeName: 'par-2' }, payload) })).toMatchObject({ reason: 'BINDING_MISMATCH' });
  });

  it('clips a message to 1,024 characters, and only a longer one', async () => {
    const verifier = trust.verifier({ requireProofOfPossession: false });
    const claim = await trust.claim();
    const messageFor = async (nodeName: string) => (await verifier.verify({ ...claim, nodeName })).message;
    const short = await messageFor('');
    const exact = await messageFor('n'.repeat(1024 - short.length));
    expect(exact).toHaveLength(1024);
    expect(exact.endsWith('n of paris')).toBe(true);
    const long = await messageFor('n'.repeat(1025 - short.length));
    expect(long).toHaveLength(1024);
    expect(long.endsWith('…')).toBe(true);
  });

  it('turns an unforeseen failure into VERIFICATION_ERROR naming only the kind of failure', async () => {
    const claim = await trust.claim();
    for (const [thrown, kind] of [
      [new RangeError('secret detail'), 'RangeError'],
      ['a string', 'string'],
      [null, 'object'],
      [undefined, 'undefined'],
    ] as const) {
      const verifier = new TrustVerifier(trust.config(), {
        fetcher: trust.web.fetcher,
        now: () => {
          throw thrown;
        },
      });
      expect(await verifier.verify(claim)).toEqual({
        verified: false,
        reason: 'VERIFICATION_ERROR',
        message: `the verifier could not judge this node (${kind}); it stays unverified`,
      });
    }
  });
});

describe('status entries and lists', () => {
  const verifyWith = async (credentialStatus: unknown) => {
    const payload = trust.payload();
    return trust
      .verifier({ requireProofOfPossession: false })
      .verify(await trust.claim({ credential: signAs(trust.issuer.key, { ...payload, vc: { ...payload.vc, credentialStatus } }) }));
  };
  const entry = (index: number, changes: Record<string, unknown> = {}) => ({
    type: 'BitstringStatusListEntry',
    statusPurpose: 'revocation',
    statusListIndex: String(index),
    statusListCredential: LIST_URL,
    ...changes,
  });

  it('checks every entry of a list of entries', async () => {
    expect(await verifyWith([entry(GOOD)])).toMatchObject({ verified: true });
    expect(await verifyWith([entry(GOOD), entry(REVOKED)])).toMatchObject({ reason: 'REVOKED' });
  });

  it('refuses an unusable entry, saying what is wrong with it', async () => {
    expect(await verifyWith(entry(GOOD, { type: 'StatusList2021Entry' }))).toMatchObject({
      reason: 'STATUS_UNAVAILABLE',
      message: `the credential's status entry is unusable: credentialStatus type "StatusList2021Entry" is not BitstringStatusListEntry`,
    });
  });

  it('says suspended for a set suspension entry', async () => {
    const url = 'https://status.trust.example.eu/lists/suspended';
    await trust.publishList({ url, purpose: 'suspension', set: [GOOD] });
    expect(await verifyWith(entry(GOOD, { statusListCredential: url, statusPurpose: 'suspension' }))).toMatchObject({
      reason: 'REVOKED',
      message: `the issuer has suspended the credential (status list ${url}, index ${GOOD})`,
    });
  });

  it('refuses a list for another purpose', async () => {
    await trust.publishList({ purpose: 'suspension' });
    expect(await verifyWith(entry(GOOD))).toMatchObject({
      reason: 'STATUS_UNAVAILABLE',
      message: `status list ${LIST_URL} is for suspension, the credential asks about revocation`,
    });
  });

  it('accepts the last index and refuses the one after', async () => {
    expect(await verifyWith(entry(MIN_STATUS_LIST_BITS - 1))).toMatchObject({ verified: true });
    expect(await verifyWith(entry(MIN_STATUS_LIST_BITS))).toMatchObject({
      reason: 'STATUS_UNAVAILABLE',
      message: `statusListIndex ${MIN_STATUS_LIST_BITS} is beyond the list's ${MIN_STATUS_LIST_BITS} entries`,
    });
  });

  const listJwt = (vc: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    signAs(trust.issuer.key, { sub: `${LIST_URL}#list`, nbf: T0_SECONDS - 10, exp: T0_SECONDS + 3600, vc, ...extra });
  const listVc = (changes: Record<string, unknown> = {}, subject: Record<string, unknown> = {}) => ({
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    credentialSubject: { statusPurpose: 'revocation', encodedList: goodList, ...subject },
    ...changes,
  });
  const goodList = newStatusListFile(LIST_URL).encodedList;

  it.each([
    ['answers 404', () => trust.web.serve(LIST_URL, 'gone', 404), `${LIST_URL} answered HTTP 404`],
    [
      'is not a status list credential',
      () => trust.web.serve(LIST_URL, listJwt(listVc({ type: ['VerifiableCredential'] }))),
      'is not a BitstringStatusListCredential',
    ],
    ['has no encodedList', () => trust.web.serve(LIST_URL, listJwt(listVc({}, { encodedList: 42 }))), `${LIST_URL} has no encodedList`],
    ['has no subject', () => trust.web.serve(LIST_URL, listJwt(listVc({ credentialSubject: undefined }))), `${LIST_URL} has no encodedList`],
    ['carries no vc claim', () => trust.web.serve(LIST_URL, listJwt(undefined as never)), `${LIST_URL} is not a BitstringStatusListCredential`],
    ['is signed by another trusted issuer', () => trust.publishList({ by: trust.webIssuer }), 'ISSUER_UNTRUSTED: status list'],
    ['has expired', () => trust.web.serve(LIST_URL, listJwt(listVc(), { exp: T0_SECONDS - 61 })), 'EXPIRED: status list'],
  ])('is unavailable when the list %s', async (_name, serve, message) => {
    await serve();
    const verdict = await verifyWith(entry(GOOD));
    expect(verdict).toMatchObject({ reason: 'STATUS_UNAVAILABLE' });
    expect(verdict.message).toContain(`cannot establish revocation status: `);
    expect(verdict.message).toContain(message);
  });

  it('takes a list served with the line break a file or a web server adds', async () => {
    trust.web.serve(LIST_URL, `${listJwt(listVc())}\r\n`);
    expect(await verifyWith(entry(GOOD))).toMatchObject({ verified: true });
  });

  it('reads a list again once its maximum age has passed, not before', async () => {
    const verifier = trust.verifier({ requireProofOfPossession: false });
    const claim = await trust.claim();
    await verifier.verify(claim);
    trust.clockMs = T0 + 299_999;
    await verifier.verify(claim, { now: trust.clockMs });
    expect(trust.web.fetchesOf(LIST_URL)).toBe(1);
    trust.clockMs = T0 + 300_000;
    expect(await verifier.verify(claim, { now: trust.clockMs })).toMatchObject({ verified: true, recheckAt: at(T0 + 600_000) });
    expect(trust.web.fetchesOf(LIST_URL)).toBe(2);
  });

  it('caps the cache at the list’s own exp and uses the maximum age for a list without one', async () => {
    trust.web.serve(LIST_URL, listJwt(listVc(), { exp: undefined }));
    const verdict = await trust.verifier({ requireProofOfPossession: false }).verify(await trust.claim());
    expect(verdict).toMatchObject({ verified: true, recheckAt: at(T0 + 300_000) });
  });

  it('reads one list once for concurrent checks, and separately per issuer', async () => {
    const verifier = trust.verifier({ requireProofOfPossession: false });
    const claims = await Promise.all([trust.claim(), trust.claim()]);
    expect((await Promise.all(claims.map((c) => verifier.verify(c)))).map((v) => v.verified)).toEqual([true, true]);
    expect(trust.web.fetchesOf(LIST_URL)).toBe(1);
    // The same URL vouched for by another issuer must be signed by that issuer: a separate cache entry.
    expect(await verifier.verify(await trust.claim({ by: trust.webIssuer }))).toMatchObject({ reason: 'STATUS_UNAVAILABLE' });
    expect(trust.web.fetchesOf(LIST_URL)).toBe(2);
  });
});

describe('the proof of possession', () => {
  const proofBy = (payload: Record<string, unknown>, key = trust.node.key) => signJwt({ iss: trust.node.did, ...payload }, key, { kid: key.kid });
  const verifyProof = async (proof: string | undefined, challenge = trust.challenge()) =>
    trust.verifier().verify({ ...(await trust.claim()), proof: proof as string }, { challenge });

  it('is waited for, with what to do once there is a challenge', async () => {
    const challenge = trust.challenge();
    expect(await trust.verifier().verify({ ...(await trust.claim()), proof: undefined })).toMatchObject({
      reason: 'PROOF_MISSING',
      message: 'no proof of possession yet: waiting for the operator to publish a challenge',
    });
    expect(await verifyProof(undefined, challenge)).toMatchObject({
      reason: 'PROOF_MISSING',
      message: `no proof of possession: sign status.challenge.nonce ${challenge.nonce} with the DID key (empirectl node prove) and put it in spec.proof`,
    });
  });

  it('must be a JWT with an accepted algorithm', async () => {
    expect(await verifyProof('garbage')).toMatchObject({
      reason: 'PROOF_INVALID',
      message: 'the proof is not a well-formed JWT: it is not three base64url parts separated by dots',
    });
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`;
    expect(await verifyProof(unsigned)).toMatchObject({ reason: 'ALGORITHM_REJECTED', message: expect.stringContaining('the proof uses alg "none"') });
  });

  it('must be issued by the node, for this operator, answering this challenge', async () => {
    const { nonce } = trust.challenge();
    expect(await verifyProof(proofBy({ iss: 'did:key:someone-else', aud: AUDIENCE, nonce, iat: T0_SECONDS }))).toMatchObject({
      reason: 'PROOF_INVALID',
      message: `the proof is issued by "did:key:someone-else", not the node's DID ${trust.node.did}`,
    });
    expect(await verifyProof(proofBy({ aud: 'did:web:other-operator', nonce, iat: T0_SECONDS }))).toMatchObject({
      reason: 'PROOF_INVALID',
      message: `the proof is for audience "did:web:other-operator", not ${AUDIENCE}`,
    });
    expect(await verifyProof(proofBy({ aud: ['did:web:other-operator', AUDIENCE], nonce, iat: T0_SECONDS }))).toMatchObject({ verified: true });
    expect(await verifyProof(proofBy({ aud: AUDIENCE, nonce: 'old-nonce', iat: T0_SECONDS }))).toMatchObject({
      reason: 'PROOF_INVALID',
      message: `the proof answers challenge "old-nonce", not the current one ${nonce}: a stale or replayed proof`,
    });
  });

  it('must be made between the challenge (less skew) and now (plus skew)', async () => {
    const challenge = trust.challenge(10);
    const made = (iat: unknown) => verifyProof(proofBy({ aud: AUDIENCE, nonce: challenge.nonce, iat }), challenge);
    expect(await made(T0_SECONDS + 60)).toMatchObject({ verified: true });
    expect(await made(T0_SECONDS + 61)).toMatchObject({
      reason: 'PROOF_INVALID',
      message: `the proof's iat ${T0_SECONDS + 61} is not between the challenge and now`,
    });
    expect(await made(T0_SECONDS - 70)).toMatchObject({ verified: true });
    expect(await made(T0_SECONDS - 71)).toMatchObject({ reason: 'PROOF_INVALID' });
    expect(await made('yesterday')).toMatchObject({ reason: 'PROOF_INVALID', message: `the proof's iat "yesterday" is not between the challenge and now` });
    // Without a challenge time only "not in the future" is checked.
    const timeless = { nonce: challenge.nonce };
    expect(await verifyProof(proofBy({ aud: AUDIENCE, nonce: challenge.nonce, iat: 0 }), timeless)).toMatchObject({ verified: true });
  });

  it('answers a challenge that has not lapsed: at its lapse it still counts, a millisecond later not', async () => {
    const ttl = 86_400;
    const lapsingNow = { nonce: 'n-lapse', issuedAt: at(T0 - ttl * 1000) };
    const proof = proofBy({ aud: AUDIENCE, nonce: lapsingNow.nonce, iat: T0_SECONDS - 5 });
    expect(await verifyProof(proof, lapsingNow)).toMatchObject({ verified: true, recheckAt: at(T0) });
    const lapsed = { nonce: 'n-lapse', issuedAt: at(T0 - ttl * 1000 - 1) };
    expect(await verifyProof(proof, lapsed)).toMatchObject({
      reason: 'PROOF_INVALID',
      message: `the challenge of ${lapsed.issuedAt} has lapsed; answer the new one`,
    });
  });

  it('refuses an unreadable challenge time rather than letting the proof never lapse', async () => {
    const challenge = { nonce: 'n', issuedAt: 'soon' };
    expect(await verifyProof(proofBy({ aud: AUDIENCE, nonce: 'n', iat: T0_SECONDS }), challenge)).toMatchObject({
      reason: 'PROOF_INVALID',
      message: `the challenge's issuedAt "soon" is not an RFC 3339 time; answer the new challenge`,
    });
  });

  it('must be signed with the node’s own key', async () => {
    const { nonce } = trust.challenge();
    const sameAlg = newIdentity({ method: 'key', alg: 'ES256' }).key;
    const otherAlg = newIdentity({ method: 'key', alg: 'EdDSA' }).key;
    for (const key of [
      { ...sameAlg, kid: trust.node.key.kid },
      { ...otherAlg, kid: trust.node.key.kid },
    ]) {
      const verdict = await verifyProof(proofBy({ aud: AUDIENCE, nonce, iat: T0_SECONDS }, key));
      expect(verdict).toMatchObject({ reason: 'PROOF_INVALID', message: expect.stringMatching(/: the node did not prove it holds its DID key$/) });
    }
    const forged = await verifyProof(proofBy({ aud: AUDIENCE, nonce, iat: T0_SECONDS }, { ...sameAlg, kid: trust.node.key.kid }));
    expect(forged.message).toBe(
      `the proof: the signature does not verify with ${trust.node.key.kid} of ${trust.node.did}: the node did not prove it holds its DID key`,
    );
  });

  it('keeps a resolution failure of the node’s DID as it is', async () => {
    const webNode = newIdentity({ method: 'web', domain: 'nodes.example.eu', path: 'par-1' });
    const credential = await issueNodeCredential(trust.issuer.key, trust.request({ subject: webNode.did }));
    const proof = await proveNode(webNode.key, trust.challenge().nonce, AUDIENCE, T0_SECONDS);
    const verdict = await trust.verifier().verify({ ...(await trust.claim()), did: webNode.did, credential, proof }, { challenge: trust.challenge() });
    expect(verdict).toMatchObject({ reason: 'DID_UNRESOLVABLE', message: expect.stringContaining('answered HTTP 404') });
  });
});
