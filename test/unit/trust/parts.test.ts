// The parts the verifier is made of, each on its own and in memory: JWT
// decoding and times, DID documents and their cache, status entries and
// bitstrings, keys, the operator's signing key, trust configuration, issuing.
// Each case states a decision (or the sentence naming what to fix) that a
// changed line of src/trust would get wrong.
import { createPublicKey } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { SovereignNode } from '../../../src/api/generated/types.ts';
import { parseTrustConfig, TrustConfigError, trustConfigFrom, TRUST_ANCHORS_KEY } from '../../../src/trust/anchors.ts';
import { didKeyDriver } from '../../../src/trust/did-drivers.ts';
import {
  didOfKey,
  didWebDocument,
  didWebFor,
  newIdentity,
  newNonce,
  newStatusListFile,
  nodeCredentialPayload,
  proveNode,
  publishStatusList,
} from '../../../src/trust/issue.ts';
import { checkAlg, checkSignature, checkTimes, decodeOrReject, verifyIssuedJwt } from '../../../src/trust/issued-jwt.ts';
import { decodeJwt, signJwt, verifySignature } from '../../../src/trust/jwt.ts';
import {
  algForJwk,
  decodeMultibaseKey,
  generateKey,
  isSigningAlg,
  jwkFromMultibase,
  multibaseFromJwk,
  publicJwk,
  SIGNING_ALGS,
} from '../../../src/trust/keys.ts';
import { isNumericDate, isoOrUndefined, MAX_NUMERIC_DATE } from '../../../src/trust/numeric-date.ts';
import { DidResolver, documentShapeProblem } from '../../../src/trust/resolver.ts';
import { signingKeyOf, verifyingKeyOfDid } from '../../../src/trust/signing-key.ts';
import { decodeBitstring, encodeBitstring, getBit, MIN_STATUS_LIST_BITS, newBitstring, parseStatusEntry, setBit } from '../../../src/trust/status-list.ts';
import { isVerified, verifiedNodeNames } from '../../../src/trust/verified-nodes.ts';
import { MemoryWeb, signAs, T0, T0_SECONDS } from '../../helpers/memory-trust.ts';

const decodePart = (jwt: string, i: number) => JSON.parse(Buffer.from(jwt.split('.')[i], 'base64url').toString());

describe('JWT decoding', () => {
  it('names what is malformed', () => {
    const part = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
    expect(() => decodeJwt('a.b')).toThrow('it is not three base64url parts separated by dots');
    expect(() => decodeJwt('a.b.c.d')).toThrow('it is not three base64url parts separated by dots');
    expect(() => decodeJwt(`${part('not json')}.${part({})}.`)).toThrow('its header is not base64url-encoded JSON');
    expect(() => decodeJwt(`${part({})}.${part([1])}.`)).toThrow('its payload is not a JSON object');
    expect(() => decodeJwt(`${part('null')}.${part({})}.`)).toThrow('its header is not a JSON object');
    const decoded = decodeJwt(`${part({ alg: 'none' })}.${part({ a: 1 })}.`);
    expect(decoded).toMatchObject({ header: { alg: 'none' }, payload: { a: 1 } });
    expect(decoded.signingInput.toString()).toBe(`${part({ alg: 'none' })}.${part({ a: 1 })}`);
    expect(decoded.signature).toHaveLength(0);
    expect(() => decodeOrReject('x', 'the thing')).toThrow('the thing is not a well-formed JWT: it is not three base64url parts separated by dots');
    expect(() => decodeOrReject('x', 'the thing')).toThrow(expect.objectContaining({ reason: 'CREDENTIAL_MALFORMED' }));
  });

  it('accepts the three algorithms and names them when refusing another', () => {
    expect([...SIGNING_ALGS]).toEqual(['EdDSA', 'ES256', 'ES256K']);
    expect(['EdDSA', 'ES256', 'ES256K', 'RS256', 5, undefined].map(isSigningAlg)).toEqual([true, true, true, false, false, false]);
    const decoded = decodeJwt(signJwt({}, generateKey('ES256')));
    expect(checkAlg(decoded, 'x')).toBe('ES256');
    expect(() => checkAlg({ ...decoded, header: { alg: 'HS256' } }, 'the thing')).toThrow(
      'the thing uses alg "HS256"; only EdDSA, ES256 and ES256K are accepted',
    );
  });

  it.each(SIGNING_ALGS)('signs and verifies %s, and refuses changed bytes and other keys', (alg) => {
    const key = generateKey(alg);
    const jwt = signJwt({ sub: 'x' }, key, { kid: 'k' });
    expect(decodePart(jwt, 0)).toEqual({ alg, typ: 'JWT', kid: 'k' });
    const decoded = decodeJwt(jwt);
    expect(verifySignature(decoded, alg, keyObject(key))).toBe(true);
    expect(verifySignature({ ...decoded, signingInput: Buffer.from(`${decoded.signingInput}x`) }, alg, keyObject(key))).toBe(false);
    expect(verifySignature(decoded, alg, keyObject(generateKey(alg)))).toBe(false);
    // A key of another type is a failed check, not a throw.
    expect(verifySignature(decoded, alg, keyObject(generateKey(alg === 'EdDSA' ? 'ES256' : 'EdDSA')))).toBe(false);
  });
});

function keyObject(jwk: ReturnType<typeof generateKey>) {
  return createPublicKey({ key: publicJwk(jwk), format: 'jwk' });
}

describe('validity times', () => {
  const policy = { skewSeconds: 60, now: 1_000_000 };
  it('accepts up to the skew on both ends and refuses beyond it', () => {
    expect(() => checkTimes({ nbf: 1_000_060, exp: 2_000_000 }, policy, 'c')).not.toThrow();
    expect(() => checkTimes({ nbf: 1_000_061 }, policy, 'c')).toThrow(`c is not valid before ${new Date(1_000_061_000).toISOString()}`);
    expect(() => checkTimes({ nbf: 1_000_061 }, policy, 'c')).toThrow(expect.objectContaining({ reason: 'NOT_YET_VALID' }));
    expect(() => checkTimes({ exp: 999_940 }, policy, 'c')).toThrow(expect.objectContaining({ reason: 'EXPIRED' }));
    expect(() => checkTimes({ exp: 999_941 }, policy, 'c')).not.toThrow();
    expect(() => checkTimes({ exp: 999_940 }, policy, 'c')).toThrow(`c expired at ${new Date(999_940_000).toISOString()}`);
    expect(() => checkTimes({}, policy, 'c')).not.toThrow();
  });

  it.each(['nbf', 'exp', 'iat'])('refuses a %s that is no NumericDate, quoting at most 40 characters of it', (claim) => {
    let error: unknown;
    try {
      checkTimes({ [claim]: 'x'.repeat(100) }, policy, 'the credential');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      reason: 'CREDENTIAL_MALFORMED',
      message: `the credential's ${claim} ${`"${'x'.repeat(100)}"`.slice(0, 40)} is not a NumericDate (seconds since 1970, at most year 9999)`,
    });
    expect(() => checkTimes({ [claim]: -1 }, policy, 'c')).toThrow('is not a NumericDate');
  });

  it('bounds NumericDates to what a Date can print', () => {
    expect([0, MAX_NUMERIC_DATE, MAX_NUMERIC_DATE + 1, -1, Infinity, NaN, '5'].map(isNumericDate)).toEqual([true, true, false, false, false, false, false]);
    expect(new Date(MAX_NUMERIC_DATE * 1000).toISOString()).toBe('9999-12-31T23:59:59.000Z');
    expect([undefined, Infinity, 8.64e15, 8.64e15 + 1, -8.64e15 - 1, 0].map(isoOrUndefined)).toEqual([
      undefined,
      undefined,
      '+275760-09-13T00:00:00.000Z',
      undefined,
      undefined,
      '1970-01-01T00:00:00.000Z',
    ]);
  });
});

describe('issued JWTs: issuer, key, signature, retries', () => {
  const issuer = newIdentity({ method: 'web', domain: 'trust.example.eu', path: 'issuers/a' });
  let web: MemoryWeb;
  let resolver: DidResolver;
  const url = 'https://trust.example.eu/issuers/a/did.json';
  beforeEach(() => {
    web = new MemoryWeb();
    web.host(issuer);
    resolver = new DidResolver({ fetcher: web.fetcher, limits: { timeoutMs: 1000, maxBytes: 10_000 }, ttlMs: 60_000, now: () => T0 });
  });
  const policy = { allowedIssuers: new Set([issuer.did]), relationship: 'assertionMethod' as const, skewSeconds: 60, now: T0_SECONDS };

  it('refuses an issuer that is no string or no anchor before fetching anything', async () => {
    for (const iss of [undefined, 'did:web:elsewhere.example']) {
      const jwt = signJwt(iss === undefined ? {} : { iss }, issuer.key, { kid: issuer.key.kid });
      await expect(verifyIssuedJwt(jwt, resolver, policy, 'the token')).rejects.toMatchObject({
        reason: 'ISSUER_UNTRUSTED',
        message: `the token is issued by ${JSON.stringify(iss)}, which is not a trust anchor`,
      });
    }
    expect(web.fetchesOf(url)).toBe(0);
  });

  it('reports signed facts once the signature is good, even when the times then refuse', async () => {
    const seen: string[] = [];
    const expired = signAs(issuer.key, { exp: T0_SECONDS - 61 });
    await expect(verifyIssuedJwt(expired, resolver, policy, 't', (_d, by) => seen.push(by))).rejects.toMatchObject({ reason: 'EXPIRED' });
    expect(seen).toEqual([issuer.did]);
    const forged = signJwt({ iss: issuer.did }, generateKey('ES256'), { kid: issuer.key.kid });
    await expect(verifyIssuedJwt(forged, resolver, policy, 't', (_d, by) => seen.push(by))).rejects.toMatchObject({ reason: 'KEY_NOT_FOUND' });
    expect(seen).toHaveLength(1);
    const good = await verifyIssuedJwt(signAs(issuer.key, {}), resolver, policy, 't');
    expect(good).toMatchObject({ issuer: issuer.did, alg: 'EdDSA', keyId: issuer.key.kid });
  });

  it('looks once more at a fresh document when the signature fails, then gives up naming the key', async () => {
    const forged = signJwt({ iss: issuer.did }, generateKey('EdDSA'), { kid: issuer.key.kid });
    await expect(checkSignature(decodeJwt(forged), issuer.did, 'EdDSA', resolver, 'assertionMethod', 'the token')).rejects.toMatchObject({
      reason: 'SIGNATURE_INVALID',
      message: `the token: the signature does not verify with ${issuer.key.kid} of ${issuer.did}`,
    });
    expect(web.fetchesOf(url)).toBe(2);
    const noKid = signJwt({ iss: issuer.did }, generateKey('EdDSA'));
    await expect(checkSignature(decodeJwt(noKid), issuer.did, 'EdDSA', resolver, 'assertionMethod', 't')).rejects.toMatchObject({
      message: `t: the signature does not verify with any assertionMethod key of ${issuer.did}`,
    });
  });

  it('picks up a rotated key or a new kid within the cache TTL, with one fetch more', async () => {
    expect(await checkSignature(decodeJwt(signAs(issuer.key, {})), issuer.did, 'EdDSA', resolver, 'assertionMethod', 't')).toBe(issuer.key.kid);
    const rotated = { ...generateKey('EdDSA'), kid: `${issuer.did}#key-2` };
    web.serve(url, didWebDocument(issuer.did, [{ id: rotated.kid, jwk: rotated }]));
    expect(await checkSignature(decodeJwt(signAs(rotated, {})), issuer.did, 'EdDSA', resolver, 'assertionMethod', 't')).toBe(rotated.kid);
    expect(web.fetchesOf(url)).toBe(2);
    const sameKid = { ...generateKey('EdDSA'), kid: rotated.kid };
    web.serve(url, didWebDocument(issuer.did, [{ id: sameKid.kid, jwk: sameKid }]));
    expect(await checkSignature(decodeJwt(signAs(sameKid, {})), issuer.did, 'EdDSA', resolver, 'assertionMethod', 't')).toBe(sameKid.kid);
    expect(web.fetchesOf(url)).toBe(3);
  });

  it('ignores a kid that is no string, and does not fetch again for a document that cannot be resolved', async () => {
    const numericKid = signJwt({ iss: issuer.did }, issuer.key, { kid: 5 });
    expect(await checkSignature(decodeJwt(numericKid), issuer.did, 'EdDSA', resolver, 'assertionMethod', 't')).toBe(issuer.key.kid);
    const missing = 'did:web:trust.example.eu:issuers:gone';
    await expect(checkSignature(decodeJwt(numericKid), missing, 'EdDSA', resolver, 'assertionMethod', 't')).rejects.toMatchObject({
      reason: 'DID_UNRESOLVABLE',
    });
    expect(web.fetchesOf('https://trust.example.eu/issuers/gone/did.json')).toBe(1);
  });

  it('keeps KEY_NOT_FOUND when the fresh document has no such key either', async () => {
    const strange = signJwt({ iss: issuer.did }, issuer.key, { kid: '#key-9' });
    await expect(checkSignature(decodeJwt(strange), issuer.did, 'EdDSA', resolver, 'assertionMethod', 't')).rejects.toMatchObject({
      reason: 'KEY_NOT_FOUND',
      message: `${issuer.did} has no assertionMethod key ${issuer.did}#key-9 for EdDSA`,
    });
    expect(web.fetchesOf(url)).toBe(2);
  });
});

describe('DID documents', () => {
  it('names what is wrong with a document’s shape', () => {
    expect(documentShapeProblem(null)).toBe('the DID document is not a JSON object');
    expect(documentShapeProblem([])).toBe('the DID document is not a JSON object');
    expect(documentShapeProblem('did:web:docs.example.eu')).toBe('the DID document is not a JSON object');
    expect(documentShapeProblem({ id: 5 })).toBe('the DID document has no string id');
    expect(documentShapeProblem({ id: 'd', verificationMethod: {} })).toBe('verificationMethod is not an array');
    expect(documentShapeProblem({ id: 'd', verificationMethod: [{ id: 'a' }, 'b'] })).toBe('verificationMethod[1] is not an object with a string id');
    expect(documentShapeProblem({ id: 'd', verificationMethod: [{ id: 1 }] })).toBe('verificationMethod[0] is not an object with a string id');
    expect(documentShapeProblem({ id: 'd', authentication: 5 })).toBe('authentication is not an array');
    expect(documentShapeProblem({ id: 'd', assertionMethod: 'x' })).toBe('assertionMethod is not an array');
    expect(documentShapeProblem({ id: 'd', assertionMethod: ['#a', { id: 3 }] })).toBe(
      'assertionMethod[1] is neither a method id nor a method with a string id',
    );
    expect(documentShapeProblem({ id: 'd', authentication: [7] })).toBe('authentication[0] is neither a method id nor a method with a string id');
    expect(documentShapeProblem({ id: 'd', verificationMethod: [{ id: 'a' }], authentication: ['a', { id: 'b' }], assertionMethod: [] })).toBeUndefined();
  });

  const did = 'did:web:docs.example.eu';
  const url = 'https://docs.example.eu/.well-known/did.json';
  const resolverOn = (web: MemoryWeb, ttlMs: number, now = () => T0) =>
    new DidResolver({ fetcher: web.fetcher, limits: { timeoutMs: 1000, maxBytes: 10_000 }, ttlMs, now });

  it('refuses what cannot be resolved or used, saying why', async () => {
    const web = new MemoryWeb();
    const resolver = resolverOn(web, 0);
    await expect(resolver.resolve(did)).rejects.toMatchObject({ reason: 'DID_UNRESOLVABLE', message: `cannot resolve ${did}: ${url} answered HTTP 404` });
    web.serve(url, { id: 'did:web:other.example.eu' });
    await expect(resolver.resolve(did)).rejects.toMatchObject({
      message: `cannot resolve ${did}: ${url} holds a document for "did:web:other.example.eu", not ${did}`,
    });
    web.serve(url, '{not json');
    await expect(resolver.resolve(did)).rejects.toMatchObject({ message: expect.stringContaining(`cannot resolve ${did}: ${url}: `) });
    web.serve(url, { id: did, authentication: 5 });
    await expect(resolver.resolve(did)).rejects.toMatchObject({
      reason: 'DID_UNRESOLVABLE',
      message: `cannot use the document of ${did}: authentication is not an array`,
    });
    await expect(resolver.resolve('did:web:a:..')).rejects.toMatchObject({ message: expect.stringContaining('is not a valid did:web identifier') });
    await expect(resolver.resolve('did:key:z123')).rejects.toMatchObject({ reason: 'DID_UNRESOLVABLE', message: expect.stringContaining('did:key:z123: ') });
  });

  it('keeps a document for its TTL, not a millisecond longer, and forgets it when told', async () => {
    const web = new MemoryWeb();
    web.serve(url, { id: did });
    let now = T0;
    const resolver = resolverOn(web, 1000, () => now);
    await resolver.resolve(did);
    now = T0 + 999;
    await resolver.resolve(did);
    expect(web.fetchesOf(url)).toBe(1);
    now = T0 + 1000;
    await resolver.resolve(did);
    expect(web.fetchesOf(url)).toBe(2);
    resolver.invalidate(did);
    await resolver.resolve(did);
    expect(web.fetchesOf(url)).toBe(3);
    // A TTL of 0 caches nothing, but concurrent resolutions still share one fetch.
    const uncached = resolverOn(web, 0);
    await Promise.all([uncached.resolve(did), uncached.resolve(did)]);
    expect(web.fetchesOf(url)).toBe(4);
    await uncached.resolve(did);
    expect(web.fetchesOf(url)).toBe(5);
  });

  it('finds keys by relationship, algorithm and kid (relative or absolute), skipping unusable ones', async () => {
    const web = new MemoryWeb();
    const signing = generateKey('ES256');
    const other = generateKey('EdDSA');
    const multibaseKey = newIdentity({ method: 'key', alg: 'ES256K' });
    const multibase = multibaseKey.did.slice('did:key:'.length);
    web.serve(url, {
      id: did,
      verificationMethod: [
        { id: '#a', type: 'JsonWebKey2020', publicKeyJwk: publicJwk(signing) },
        { id: `${did}#b`, type: 'JsonWebKey2020', publicKeyJwk: publicJwk(other) },
        { id: '#broken', type: 'JsonWebKey2020', publicKeyJwk: { kty: 'RSA', n: 'x', e: 'AQAB' } },
        { id: '#empty', type: 'Nothing' },
      ],
      authentication: ['#a', '#missing', '#broken', '#empty', { id: '#m', type: 'Multikey', publicKeyMultibase: multibase }],
      assertionMethod: [`${did}#b`],
    });
    const resolver = resolverOn(web, 60_000);
    expect((await resolver.keys(did, 'authentication', 'ES256')).map((k) => k.id)).toEqual([`${did}#a`]);
    expect((await resolver.keys(did, 'authentication', 'ES256', '#a')).map((k) => k.id)).toEqual([`${did}#a`]);
    expect((await resolver.keys(did, 'authentication', 'ES256', `${did}#a`)).map((k) => k.id)).toEqual([`${did}#a`]);
    expect((await resolver.keys(did, 'authentication', 'ES256K')).map((k) => [k.id, k.alg])).toEqual([[`${did}#m`, 'ES256K']]);
    expect((await resolver.keys(did, 'assertionMethod', 'EdDSA')).map((k) => k.id)).toEqual([`${did}#b`]);
    await expect(resolver.keys(did, 'assertionMethod', 'ES256')).rejects.toMatchObject({
      reason: 'KEY_NOT_FOUND',
      message: `${did} has no assertionMethod key for ES256`,
    });
    await expect(resolver.keys(did, 'authentication', 'EdDSA')).rejects.toMatchObject({ reason: 'KEY_NOT_FOUND' });
    await expect(resolver.keys(did, 'authentication', 'ES256', '#b')).rejects.toMatchObject({
      message: `${did} has no authentication key ${did}#b for ES256`,
    });
    expect(web.fetchesOf(url)).toBe(1);
  });

  it('finds a key embedded in a relationship of a document that lists no verificationMethod', async () => {
    const web = new MemoryWeb();
    const signing = generateKey('ES256');
    web.serve(url, { id: did, assertionMethod: [{ id: '#e', type: 'JsonWebKey2020', publicKeyJwk: publicJwk(signing) }] });
    expect((await resolverOn(web, 0).keys(did, 'assertionMethod', 'ES256')).map((k) => k.id)).toEqual([`${did}#e`]);
  });

  it('derives a did:key document from the identifier', async () => {
    const identity = newIdentity({ method: 'key', alg: 'ES256' });
    const multibase = identity.did.slice('did:key:'.length);
    const { didDocument } = await didKeyDriver(identity.did, {} as never, {} as never, {});
    expect(didDocument).toMatchObject({
      id: identity.did,
      verificationMethod: [{ id: identity.key.kid, type: 'Multikey', controller: identity.did, publicKeyMultibase: multibase }],
      authentication: [identity.key.kid],
      assertionMethod: [identity.key.kid],
    });
    expect(jwkFromMultibase(multibase)).toEqual(publicJwk(identity.key));
  });
});

describe('keys', () => {
  it('names the supported key types when refusing another', () => {
    expect(() => algForJwk({ kty: 'EC', crv: 'P-384' as never, x: '' })).toThrow('unsupported key type EC/P-384; use Ed25519, P-256 or secp256k1');
    expect(() => algForJwk({ kty: 'OKP', crv: 'P-256', x: '' })).toThrow('unsupported key type OKP/P-256');
    expect(() => algForJwk({ kty: 'EC', crv: 'Ed25519', x: '' })).toThrow('unsupported key type EC/Ed25519');
    expect(() => decodeMultibaseKey('z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc')).toThrow(/unsupported multicodec key type/);
  });

  it('round-trips compressed EC points of both parities through multibase', () => {
    const parities = new Set<number>();
    for (let i = 0; i < 16; i++) {
      const jwk = publicJwk(generateKey(i % 2 ? 'ES256' : 'ES256K'));
      parities.add(Buffer.from(jwk.y!, 'base64url').at(-1)! & 1);
      const multibase = multibaseFromJwk(jwk);
      expect(decodeMultibaseKey(multibase).raw).toHaveLength(33);
      expect(jwkFromMultibase(multibase)).toEqual(jwk);
    }
    expect(parities).toEqual(new Set([0, 1]));
    const ed = publicJwk(generateKey('EdDSA'));
    expect(decodeMultibaseKey(multibaseFromJwk(ed))).toMatchObject({ curve: 'Ed25519' });
    expect(decodeMultibaseKey(multibaseFromJwk(ed)).raw).toHaveLength(32);
  });
});

describe('the operator’s signing key', () => {
  it.each(SIGNING_ALGS)('signs bytes with %s that only its DID verifies', (alg) => {
    const identity = newIdentity({ method: 'key', alg });
    const key = signingKeyOf(identity.key);
    expect(key.did).toBe(identity.did);
    const data = Buffer.from('block 1');
    const signature = key.sign(data);
    expect(key.verify(data, signature)).toBe(true);
    const offline = verifyingKeyOfDid(identity.did);
    expect(offline.did).toBe(identity.did);
    expect(offline.verify(data, signature)).toBe(true);
    expect(offline.verify(Buffer.from('block 2'), signature)).toBe(false);
    expect(offline.verify(data, 'AAAA')).toBe(false);
    expect(verifyingKeyOfDid(newIdentity({ method: 'key', alg }).did).verify(data, signature)).toBe(false);
  });

  it('verifies offline only from a did:key', () => {
    expect(() => verifyingKeyOfDid('did:web:op.example.eu')).toThrow(
      "did:web:op.example.eu: give the operator's did:key (the `did` in its Secret cloud-empire-operator-identity)",
    );
  });
});

describe('status entries and bitstrings', () => {
  const entry = { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '12', statusListCredential: 'https://s/1' };
  it('reads an entry and names what is wrong with a bad one', () => {
    expect(parseStatusEntry(entry)).toEqual({ statusListCredential: 'https://s/1', statusListIndex: 12, statusPurpose: 'revocation' });
    expect(parseStatusEntry({ ...entry, statusListIndex: 0, statusPurpose: 'suspension' })).toMatchObject({ statusListIndex: 0, statusPurpose: 'suspension' });
    expect(() => parseStatusEntry(null)).toThrow('credentialStatus is not an object');
    expect(() => parseStatusEntry('x')).toThrow('credentialStatus is not an object');
    expect(() => parseStatusEntry({ ...entry, type: 'X' })).toThrow('credentialStatus type "X" is not BitstringStatusListEntry');
    for (const index of ['-1', '1.5', 'x', 2 ** 53]) {
      expect(() => parseStatusEntry({ ...entry, statusListIndex: index })).toThrow(`statusListIndex ${JSON.stringify(index)} is not a non-negative integer`);
    }
    expect(() => parseStatusEntry({ ...entry, statusListCredential: 3 })).toThrow('statusListCredential is missing');
    expect(() => parseStatusEntry({ ...entry, statusPurpose: 'message' })).toThrow('statusPurpose "message" is neither revocation nor suspension');
  });

  it('sets, clears and bounds bits', () => {
    const bits = newBitstring();
    expect(bits).toHaveLength(MIN_STATUS_LIST_BITS / 8);
    expect(newBitstring(MIN_STATUS_LIST_BITS + 1)).toHaveLength(MIN_STATUS_LIST_BITS / 8 + 1);
    expect(newBitstring(8)).toHaveLength(MIN_STATUS_LIST_BITS / 8);
    setBit(bits, 7);
    expect(bits[0]).toBe(1);
    setBit(bits, 7, false);
    setBit(bits, 6, false);
    expect([bits[0], getBit(bits, 7)]).toEqual([0, false]);
    setBit(bits, MIN_STATUS_LIST_BITS - 1);
    expect(bits.at(-1)).toBe(1);
    expect(() => setBit(bits, MIN_STATUS_LIST_BITS)).toThrow(`status index ${MIN_STATUS_LIST_BITS} is outside the list of ${MIN_STATUS_LIST_BITS}`);
    expect(() => setBit(bits, -1)).toThrow(RangeError);
  });

  it('clears one bit and leaves its neighbours set', () => {
    const bits = newBitstring();
    setBit(bits, 5);
    setBit(bits, 7);
    setBit(bits, 7, false);
    expect([bits[0], getBit(bits, 5), getBit(bits, 7)]).toEqual([4, true, false]);
  });

  it('refuses a list shorter than the minimum, saying how many entries it has', () => {
    expect(() => decodeBitstring(`u${gzipSync(new Uint8Array(1000)).toString('base64url')}`)).toThrow(
      `the list has 8000 entries, fewer than the ${MIN_STATUS_LIST_BITS} required`,
    );
  });

  it('refuses a list that inflates beyond 16 MiB', () => {
    expect(decodeBitstring(`u${gzipSync(new Uint8Array(16 * 1024 * 1024)).toString('base64url')}`)).toHaveLength(16 * 1024 * 1024);
    expect(() => decodeBitstring(`u${gzipSync(new Uint8Array(16 * 1024 * 1024 + 1)).toString('base64url')}`)).toThrow();
    expect(decodeBitstring(encodeBitstring(newBitstring()))).toHaveLength(MIN_STATUS_LIST_BITS / 8);
  });
});

describe('verified nodes', () => {
  const node = (cluster: string, name: string, status?: 'True' | 'False', observed = 2): SovereignNode =>
    ({
      metadata: { name: `${cluster}-${name}`, generation: 2 },
      spec: { memberCluster: cluster, nodeName: name },
      status: status && {
        conditions: [
          { type: 'Ready', status: 'True', observedGeneration: 2 },
          { type: 'Verified', status, observedGeneration: observed },
        ],
      },
    }) as never;
  it('counts only nodes verified for their current generation, per cluster', () => {
    expect(isVerified(node('a', 'n', 'True'))).toBe(true);
    expect(isVerified(node('a', 'n', 'True', 1))).toBe(false);
    expect(isVerified(node('a', 'n', 'False'))).toBe(false);
    expect(isVerified(node('a', 'n'))).toBe(false);
    const nodes = [node('a', 'n1', 'True'), node('a', 'n2', 'False'), node('b', 'n3', 'True'), node('a', 'n4', 'True', 1)];
    expect(verifiedNodeNames(nodes, 'a')).toEqual(new Set(['n1']));
  });
});

describe('trust configuration', () => {
  const minimal = 'issuers: [{did: "did:key:z6Mkx", name: A}]\naudience: op\n';
  it('reads the document from its ConfigMap, naming the key it needs', () => {
    const configMap = `kind: ConfigMap\ndata:\n  ${TRUST_ANCHORS_KEY}: |\n    issuers: [{did: "did:key:z6Mkx", name: A}]\n    audience: op\n    clockSkewSeconds: 5\n`;
    expect(parseTrustConfig(configMap)).toMatchObject({ audience: 'op', clockSkewSeconds: 5, jurisdiction: 'EU', fetchMaxBytes: 262_144 });
    expect(() => parseTrustConfig('kind: ConfigMap\ndata: {}\n', 'cm/x')).toThrow(new TrustConfigError(`cm/x: the ConfigMap has no data.${TRUST_ANCHORS_KEY}`));
    expect(() => parseTrustConfig(`kind: ConfigMap\ndata:\n  ${TRUST_ANCHORS_KEY}: "audience: op"\n`, 'cm/x')).toThrow(
      `cm/x data.${TRUST_ANCHORS_KEY}: (root): must have required property 'issuers'`,
    );
    expect(() => parseTrustConfig(`kind: ConfigMap\ndata:\n  ${TRUST_ANCHORS_KEY}: "a: [b"\n`, 'cm/x')).toThrow(
      `cm/x data.${TRUST_ANCHORS_KEY}: not valid YAML: `,
    );
    expect(() => parseTrustConfig('a: [b', 'file.yaml')).toThrow('file.yaml: not valid YAML: ');
  });

  it('names each bad field with its path', () => {
    expect(() => trustConfigFrom({ issuers: [{ did: 'did:key:z', name: 'A', extra: 1 }], audience: 'op', skew: 3 })).toThrow(
      'trust configuration: (root): unknown field skew; issuers.0: unknown field extra',
    );
    expect(() => trustConfigFrom({ issuers: [{ did: 'did:key:z', name: 'A' }], audience: 'op', countries: ['FR', 'uk', 'XX'] })).toThrow(
      'trust configuration: countries: uk, XX are not ISO 3166-1 alpha-2 codes in upper case (e.g. FR)',
    );
    const config = trustConfigFrom({ issuers: [{ did: 'did:key:z', name: 'A' }], audience: 'op', countries: ['FR'], requireProofOfPossession: false });
    expect(config).toMatchObject({ countries: ['FR'], requireProofOfPossession: false, challengeTtlSeconds: 86_400, statusListMaxAgeSeconds: 300 });
    expect(parseTrustConfig(minimal)).toMatchObject({ didCacheTtlSeconds: 300, fetchTimeoutMs: 5000 });
  });
});

describe('issuing', () => {
  it('makes did:web identifiers and refuses one without a domain', () => {
    expect(didWebFor('trust.example.eu:8443', 'issuers/fr')).toBe('did:web:trust.example.eu%3A8443:issuers:fr');
    expect(didWebFor('trust.example.eu')).toBe('did:web:trust.example.eu');
    expect(didWebFor('h', '/a//b:c/')).toBe('did:web:h:a:b:c');
    expect(() => newIdentity({ method: 'web' })).toThrow('a did:web identity needs a domain (host or host:port)');
    const web = newIdentity({ method: 'web', domain: 'h', path: 'p' });
    expect(web).toMatchObject({
      did: 'did:web:h:p',
      key: { kid: 'did:web:h:p#key-1' },
      document: { id: 'did:web:h:p', assertionMethod: ['did:web:h:p#key-1'] },
    });
    expect(didOfKey(web.key)).toBe('did:web:h:p');
    const key = newIdentity({ method: 'key', alg: 'ES256' });
    expect(key.key.kid).toBe(`${key.did}#${key.did.slice('did:key:'.length)}`);
    expect(algForJwk(newIdentity({ method: 'key' }).key)).toBe('EdDSA');
  });

  it('writes the claims the verifier reads', () => {
    const payload = nodeCredentialPayload({
      subject: 'did:key:n',
      memberCluster: 'c',
      nodeName: 'n',
      countryCode: 'FR',
      validFrom: 100,
      validForSeconds: 50.7,
    });
    expect(payload).toMatchObject({ sub: 'did:key:n', nbf: 100, iat: 100, exp: 150 });
    expect((payload.vc as { credentialSubject: object }).credentialSubject).toEqual({ id: 'did:key:n', memberCluster: 'c', nodeName: 'n', countryCode: 'FR' });
    expect((payload.vc as { credentialStatus?: object }).credentialStatus).toBeUndefined();
    const withList = nodeCredentialPayload({
      subject: 's',
      memberCluster: 'c',
      nodeName: 'n',
      countryCode: 'FR',
      provider: 'p',
      validForSeconds: 10,
      statusList: { url: 'https://s/1', index: 4 },
    });
    expect(withList.vc).toMatchObject({
      credentialSubject: { provider: 'p' },
      credentialStatus: {
        id: 'https://s/1#4',
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: '4',
        statusListCredential: 'https://s/1',
      },
    });
    expect(Math.abs((withList.nbf as number) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('refuses validity periods the verifier could not read', () => {
    const request = { subject: 's', memberCluster: 'c', nodeName: 'n', countryCode: 'FR' };
    expect(() => nodeCredentialPayload({ ...request, validFrom: -1, validForSeconds: 10 })).toThrow(
      `the credential: the start -1 is not seconds since 1970 up to ${MAX_NUMERIC_DATE} (year 9999)`,
    );
    for (const validForSeconds of [0, -5, NaN]) {
      expect(() => nodeCredentialPayload({ ...request, validFrom: 100, validForSeconds })).toThrow(
        `the credential: the validity ${validForSeconds} s must be a positive number of seconds`,
      );
    }
    expect(() => nodeCredentialPayload({ ...request, validFrom: MAX_NUMERIC_DATE - 10, validForSeconds: 11 })).toThrow(
      'the credential: valid for 11 s ends after year 9999; choose a shorter validity',
    );
    expect(nodeCredentialPayload({ ...request, validFrom: MAX_NUMERIC_DATE - 10, validForSeconds: 10 }).exp).toBe(MAX_NUMERIC_DATE);
  });

  it('signs status lists and proofs with the claims and lifetimes they need', async () => {
    const issuer = newIdentity({ method: 'key' });
    const list = newStatusListFile('https://s/1', 'suspension');
    const jwt = await publishStatusList(issuer.key, list, 600, 1000);
    expect(decodePart(jwt, 0)).toMatchObject({ alg: 'EdDSA', kid: issuer.key.kid, typ: 'JWT' });
    expect(decodePart(jwt, 1)).toMatchObject({
      iss: issuer.did,
      sub: 'https://s/1#list',
      nbf: 1000,
      exp: 1600,
      vc: {
        type: ['VerifiableCredential', 'BitstringStatusListCredential'],
        credentialSubject: { id: 'https://s/1#list', type: 'BitstringStatusList', statusPurpose: 'suspension', encodedList: list.encodedList },
      },
    });
    expect(newStatusListFile('https://s/2').purpose).toBe('revocation');
    const proof = decodePart(await proveNode(issuer.key, 'n0', 'aud', 2000), 1);
    expect(proof).toMatchObject({ iss: issuer.did, aud: 'aud', nonce: 'n0', iat: 2000, exp: 2600 });
    expect(newNonce()).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newNonce()).not.toBe(newNonce());
  });
});
