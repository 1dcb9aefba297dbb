import { createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { bytesToMultibase, multibaseToBytes } from 'did-jwt';

export type SigningAlg = 'EdDSA' | 'ES256' | 'ES256K';
export const SIGNING_ALGS: readonly SigningAlg[] = ['EdDSA', 'ES256', 'ES256K'];

export function isSigningAlg(alg: unknown): alg is SigningAlg {
  return typeof alg === 'string' && (SIGNING_ALGS as readonly string[]).includes(alg);
}

export interface PublicJwk extends JsonWebKey {
  kty: 'OKP' | 'EC';
  crv: 'Ed25519' | 'P-256' | 'secp256k1';
  x: string;
  y?: string;
}
export interface PrivateJwk extends PublicJwk {
  d: string;
}

export function algForJwk(jwk: PublicJwk): SigningAlg {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'EC' && jwk.crv === 'secp256k1') return 'ES256K';
  throw new Error(`unsupported key type ${jwk.kty}/${jwk.crv}; use Ed25519, P-256 or secp256k1`);
}

export function generateKey(alg: SigningAlg): PrivateJwk {
  const { privateKey } = alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: alg === 'ES256' ? 'P-256' : 'secp256k1' });
  return privateKey.export({ format: 'jwk' }) as PrivateJwk;
}

export function publicJwk(jwk: PublicJwk): PublicJwk {
  const { kty, crv, x, y } = jwk;
  return y === undefined ? { kty, crv, x } : { kty, crv, x, y };
}

export function publicKeyFromJwk(jwk: PublicJwk): KeyObject {
  return createPublicKey({ key: publicJwk(jwk), format: 'jwk' });
}

// did:key and publicKeyMultibase carry raw keys: Ed25519's 32 bytes, or an
// EC point in compressed form. OpenSSL reads compressed points from SPKI.
const SPKI_PREFIX = {
  Ed25519: Buffer.from('302a300506032b6570032100', 'hex'),
  'P-256': Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
  secp256k1: Buffer.from('3036301006072a8648ce3d020106052b8104000a032200', 'hex'),
};
const KEY_TYPE_CURVE = { Ed25519: 'Ed25519', 'P-256': 'P-256', Secp256k1: 'secp256k1' } as const;
const CURVE_CODEC = { Ed25519: 'ed25519', 'P-256': 'p256', secp256k1: 'secp256k1' } as const;

export function rawPublicKey(jwk: PublicJwk): Uint8Array {
  const x = Buffer.from(jwk.x, 'base64url');
  if (jwk.kty === 'OKP') return x;
  const y = Buffer.from(jwk.y!, 'base64url');
  return Buffer.concat([Buffer.from([y[y.length - 1] & 1 ? 0x03 : 0x02]), x]);
}

const CURVE_ALG = { Ed25519: 'EdDSA', 'P-256': 'ES256', secp256k1: 'ES256K' } as const;

export function decodeMultibaseKey(multibase: string): { curve: PublicJwk['crv']; raw: Uint8Array } {
  const { keyBytes, keyType } = multibaseToBytes(multibase);
  const curve = KEY_TYPE_CURVE[keyType as keyof typeof KEY_TYPE_CURVE];
  if (!curve) throw new Error(`unsupported multicodec key type ${keyType}; did:key supports Ed25519, P-256 and secp256k1`);
  const expected = curve === 'Ed25519' ? 32 : 33;
  if (keyBytes.length !== expected) throw new Error(`a raw ${curve} public key is ${expected} bytes, got ${keyBytes.length}`);
  return { curve, raw: keyBytes };
}

/** `z6Mk…`, `zDn…`, `zQ3s…`: a multicodec-prefixed, base58btc public key. */
export function jwkFromMultibase(multibase: string): PublicJwk {
  return publicJwk(keyFromMultibase(multibase).key.export({ format: 'jwk' }) as PublicJwk);
}

/** The verification key straight from its multibase form: one OpenSSL import, no JWK round trip. */
export function keyFromMultibase(multibase: string): { alg: SigningAlg; key: KeyObject } {
  const { curve, raw } = decodeMultibaseKey(multibase);
  return { alg: CURVE_ALG[curve], key: createPublicKey({ key: Buffer.concat([SPKI_PREFIX[curve], raw]), format: 'der', type: 'spki' }) };
}

export function multibaseFromJwk(jwk: PublicJwk): string {
  return bytesToMultibase(rawPublicKey(jwk), 'base58btc', `${CURVE_CODEC[jwk.crv]}-pub` as never);
}
