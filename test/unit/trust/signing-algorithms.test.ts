// Each of the three signing algorithms end to end through the project's own signer and verifiers: JWTs (node
// proofs, credentials) and raw signatures (ledger blocks). JOSE wants ECDSA signatures as r||s (64 bytes), not
// DER, and Ed25519 without a digest: a signature in the wrong form must not verify, and a tampered one never.
import { createPublicKey, sign as nodeSign, createPrivateKey } from 'node:crypto';
import { decodeJwt, signJwt, verifySignature } from '../../../src/trust/jwt.ts';
import { algForJwk, isSigningAlg, keyFromMultibase, publicJwk, SIGNING_ALGS, type SigningAlg } from '../../../src/trust/keys.ts';
import { newIdentity } from '../../../src/trust/issue.ts';
import { signingKeyOf, verifyingKeyOfDid } from '../../../src/trust/signing-key.ts';

const CURVE: Record<SigningAlg, string> = { EdDSA: 'Ed25519', ES256: 'P-256', ES256K: 'secp256k1' };

describe.each(SIGNING_ALGS)('%s', (alg) => {
  const { did, key } = newIdentity({ method: 'key', alg });
  const publicKey = createPublicKey({ key: publicJwk(key), format: 'jwk' });

  it('is the algorithm of its key, and the did:key names the same key', () => {
    expect(key.crv).toBe(CURVE[alg]);
    expect(algForJwk(key)).toBe(alg);
    expect(keyFromMultibase(did.slice('did:key:'.length)).alg).toBe(alg);
  });

  it('signs JWTs in the JOSE form that verify, and only untampered', () => {
    const jwt = signJwt({ nonce: 'n1', aud: 'cloud-empire-operator' }, key);
    const decoded = decodeJwt(jwt);
    expect(decoded.header).toEqual({ alg, typ: 'JWT' });
    expect(decoded.signingInput.toString('ascii')).toBe(jwt.split('.').slice(0, 2).join('.'));
    expect(decoded.signature).toHaveLength(64);
    expect(verifySignature(decoded, alg, publicKey)).toBe(true);
    const tampered = decodeJwt(signJwt({ nonce: 'n2', aud: 'cloud-empire-operator' }, key));
    expect(verifySignature({ ...decoded, signature: tampered.signature }, alg, publicKey)).toBe(false);
    expect(verifySignature({ ...decoded, signingInput: Buffer.from('x.y') }, alg, publicKey)).toBe(false);
  });

  it('signs raw bytes that its did:key verifies offline, and nothing else', () => {
    const signer = signingKeyOf(key);
    expect(signer.did).toBe(did);
    const data = Buffer.from('block 7: 0123abcd');
    const signature = signer.sign(data);
    expect(Buffer.from(signature, 'base64url')).toHaveLength(64);
    expect(signer.verify(data, signature)).toBe(true);
    const offline = verifyingKeyOfDid(did);
    expect(offline.verify(data, signature)).toBe(true);
    expect(offline.verify(Buffer.from('block 7: 0123abce'), signature)).toBe(false);
    // A signature that is not even of the key's shape is refused, never thrown.
    expect(offline.verify(data, 'AAAA')).toBe(false);
    expect(signer.verify(data, '')).toBe(false);
  });

  if (alg !== 'EdDSA')
    it('refuses an ECDSA signature in DER form, as JOSE does', () => {
      const data = Buffer.from('block 8');
      const der = nodeSign('sha256', data, createPrivateKey({ key, format: 'jwk' })).toString('base64url');
      expect(signingKeyOf(key).verify(data, der)).toBe(false);
      const jwt = decodeJwt(signJwt({ a: 1 }, key));
      const derJwt = nodeSign('sha256', jwt.signingInput, createPrivateKey({ key, format: 'jwk' }));
      expect(verifySignature({ ...jwt, signature: derJwt }, alg, publicKey)).toBe(false);
    });
});

describe('algorithm names', () => {
  it('accepts the three algorithms only, by their exact JOSE names', () => {
    for (const alg of SIGNING_ALGS) expect(isSigningAlg(alg)).toBe(true);
    for (const other of ['none', 'HS256', 'RS256', 'es256', 'EdDSA ', '', undefined, null, 1, ['EdDSA']]) expect(isSigningAlg(other)).toBe(false);
  });

  it('refuses a key of another curve, naming the ones it takes', () => {
    expect(() => algForJwk({ kty: 'EC', crv: 'P-384' as never, x: 'x', y: 'y' })).toThrow('unsupported key type EC/P-384; use Ed25519, P-256 or secp256k1');
    expect(() => algForJwk({ kty: 'OKP', crv: 'secp256k1', x: 'x' })).toThrow('unsupported key type OKP/secp256k1');
    expect(() => algForJwk({ kty: 'EC', crv: 'Ed25519', x: 'x' })).toThrow('unsupported key type EC/Ed25519');
  });

  it('keeps only the public members of a key, y only for EC', () => {
    const ec = newIdentity({ method: 'key', alg: 'ES256' }).key;
    expect(Object.keys(publicJwk(ec)).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    const ed = newIdentity({ method: 'key' }).key;
    expect(publicJwk(ed)).toEqual({ kty: 'OKP', crv: 'Ed25519', x: ed.x });
    expect('y' in publicJwk(ed)).toBe(false);
  });
});
