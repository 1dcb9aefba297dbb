import { Resolver } from 'did-resolver';
import { verifyJWT } from 'did-jwt';
import { parseTrustConfig, TrustConfigError } from '../../../src/trust/anchors.ts';
import { didKeyDriver, didWebUrl } from '../../../src/trust/did-drivers.ts';
import { httpsFetcher } from '../../../src/trust/fetcher.ts';
import { didWebDocument, issueNodeCredential, newIdentity } from '../../../src/trust/issue.ts';
import { jwkFromMultibase } from '../../../src/trust/keys.ts';
import { conditionReason } from '../../../src/trust/reasons.ts';
import { DidResolver } from '../../../src/trust/resolver.ts';
import { decodeBitstring, encodeBitstring, getBit, MIN_STATUS_LIST_BITS, newBitstring, setBit } from '../../../src/trust/status-list.ts';
import { host, TrustWorld } from '../../helpers/trust-world.ts';

describe('Bitstring Status List', () => {
  it('counts bits from the most significant bit of the first byte', () => {
    const bits = newBitstring();
    setBit(bits, 0);
    setBit(bits, 9);
    expect([bits[0], bits[1]]).toEqual([0b1000_0000, 0b0100_0000]);
    expect([getBit(bits, 0), getBit(bits, 1), getBit(bits, 9)]).toEqual([true, false, true]);
  });

  it('round-trips through multibase base64url GZIP and refuses short or foreign encodings', () => {
    const bits = newBitstring();
    setBit(bits, 131_071);
    const encoded = encodeBitstring(bits);
    expect(encoded.startsWith('u')).toBe(true);
    expect(getBit(decodeBitstring(encoded), 131_071)).toBe(true);
    expect(bits.length * 8).toBe(MIN_STATUS_LIST_BITS);
    expect(() => decodeBitstring(`z${encoded.slice(1)}`)).toThrow(/multibase base64url/);
    expect(() => decodeBitstring(encodeBitstring(new Uint8Array(100)))).toThrow(/fewer than the 131072/);
  });
});

describe('DID methods', () => {
  it('derives did:web URLs as the did:web method and web-did-resolver do', () => {
    expect(didWebUrl('did:web:w3c-ccg.github.io').href).toBe('https://w3c-ccg.github.io/.well-known/did.json');
    expect(didWebUrl('did:web:w3c-ccg.github.io:user:alice').href).toBe('https://w3c-ccg.github.io/user/alice/did.json');
    expect(didWebUrl('did:web:example.com%3A3000:user:alice').href).toBe('https://example.com:3000/user/alice/did.json');
    expect(() => didWebUrl('did:web:example.com:..:secrets')).toThrow(/not a valid did:web/);
    expect(() => didWebUrl('did:web:exa mple.com')).toThrow(/not a host name/);
  });

  it('decodes the did:key test vectors of the spec for Ed25519, P-256 and secp256k1', async () => {
    // did:key v0.7 test vectors.
    expect(jwkFromMultibase('z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp')).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: 'O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik',
    });
    expect(jwkFromMultibase('zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169')).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: 'fyNYMN0976ci7xqiSdag3buk-ZCwgXU4kz9XNkBlNUI',
      y: 'hW2ojTNfH7Jbi8--CJUo3OCbH3y5n91g-IMA9MLMbTU',
    });
    expect(jwkFromMultibase('zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme').crv).toBe('secp256k1');
    const { didDocument } = await didKeyDriver('did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp', {} as never, {} as never, {});
    expect(didDocument?.assertionMethod).toEqual(['did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp']);
  });
});

describe('with a real HTTPS server', () => {
  let world: TrustWorld;
  beforeAll(async () => {
    world = await TrustWorld.create();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('issues credentials that did-jwt’s own verifier accepts (interoperability)', async () => {
    const credential = await issueNodeCredential(world.keyIssuer.key, world.request());
    const resolver = new Resolver({ key: didKeyDriver });
    const verified = await verifyJWT(credential, { resolver, policies: { aud: false } });
    expect(verified.issuer).toBe(world.keyIssuer.did);
    expect(verified.payload.vc.credentialSubject.countryCode).toBe('FR');
  });

  it('verifies with every algorithm: did:key ES256 issuer, did:key Ed25519 node', async () => {
    const challenge = world.challenge();
    const { proveNode } = await import('../../../src/trust/issue.ts');
    const claim = {
      did: world.keyNode.did,
      memberCluster: 'paris',
      nodeName: 'par-h100-1',
      credential: await issueNodeCredential(world.keyIssuer.key, world.request({ subject: world.keyNode.did, statusList: undefined })),
      proof: await proveNode(world.keyNode.key, challenge.nonce, 'did:web:operator.cloudempire.test'),
    };
    const verdict = await world.verifier().verify(claim, { challenge });
    expect(verdict).toMatchObject({ verified: true, issuerName: 'Spanish trust authority' });
    // The challenge lapses (24 h) before the credential (90 days): that is when to look again.
    expect(verdict.recheckAt).toBe(new Date(Date.parse(challenge.issuedAt!) + 86_400_000).toISOString());
  });

  it('caches did.json for its TTL and picks up a rotated key after it', async () => {
    let clock = Date.now();
    const issuer = newIdentity({ method: 'web', domain: world.server.domain, path: 'issuers/rotating' });
    host(world.server, issuer);
    const resolver = new DidResolver({
      fetcher: httpsFetcher({ ca: world.pki.caPem, allowLoopback: true }),
      limits: { timeoutMs: 1000, maxBytes: 65536 },
      ttlMs: 60_000,
      now: () => clock,
    });
    const before = world.server.requests;
    const [first] = await resolver.keys(issuer.did, 'assertionMethod', 'EdDSA');
    await resolver.keys(issuer.did, 'assertionMethod', 'EdDSA');
    expect(world.server.requests - before).toBe(1);

    const rotated = newIdentity({ method: 'web', domain: world.server.domain, path: 'issuers/rotating' });
    world.server.serve('/issuers/rotating/did.json', didWebDocument(issuer.did, [{ id: `${issuer.did}#key-2`, jwk: rotated.key }]));
    expect((await resolver.keys(issuer.did, 'assertionMethod', 'EdDSA'))[0].id).toBe(first.id);
    clock += 61_000;
    expect((await resolver.keys(issuer.did, 'assertionMethod', 'EdDSA'))[0].id).toBe(`${issuer.did}#key-2`);
  });

  it('never fetches the DID of an untrusted issuer', async () => {
    const stranger = newIdentity({ method: 'web', domain: world.server.domain, path: 'issuers/stranger' });
    host(world.server, stranger);
    const before = world.server.requests;
    const claim = { ...(await world.goodClaim()), credential: await issueNodeCredential(stranger.key, world.request({ statusList: undefined })) };
    expect((await world.verifier().verify(claim, { challenge: world.challenge() })).reason).toBe('ISSUER_UNTRUSTED');
    expect(world.server.requests).toBe(before);
  });
});

describe('trust configuration', () => {
  it('fills defaults: EU countries, 60 s skew, proof of possession required', () => {
    const config = parseTrustConfig('issuers: [{did: "did:key:z6Mkx", name: A}]\naudience: op\n');
    expect(config).toMatchObject({ jurisdiction: 'EU', clockSkewSeconds: 60, requireProofOfPossession: true });
    expect(config.countries).toHaveLength(27);
  });

  it('names the field and the fix for bad configuration', () => {
    expect(() => parseTrustConfig('issuers: []\naudience: op\n')).toThrow(/issuers: must NOT have fewer than 1 items/);
    expect(() => parseTrustConfig('issuers: [{did: "https://x", name: A}]\naudience: op\n')).toThrow(/issuers.0.did/);
    expect(() => parseTrustConfig('issuers: [{did: "did:key:z", name: A}]\naudience: op\ncountries: [FR, uk]\n')).toThrow(/uk are not ISO 3166-1/);
    expect(() => parseTrustConfig('issuers: [{did: "did:key:z", name: A}]\naudience: op\nskew: 5\n')).toThrow(TrustConfigError);
  });
});

it('turns reason codes into condition reasons', () => {
  expect(conditionReason('JURISDICTION_DENIED')).toBe('JurisdictionDenied');
  expect(conditionReason('VERIFIED')).toBe('Verified');
});
