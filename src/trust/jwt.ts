import { createPrivateKey, sign, verify, type KeyObject } from 'node:crypto';
import { algForJwk, type PrivateJwk, type SigningAlg } from './keys.ts';

export interface DecodedJwt {
  header: { alg?: unknown; kid?: unknown; typ?: unknown; [key: string]: unknown };
  payload: Record<string, unknown>;
  /** The bytes the signature covers: `base64url(header).base64url(payload)`. */
  signingInput: Buffer;
  signature: Buffer;
}

const COMPACT = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/;

function parseJson(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new Error(`its ${what} is not base64url-encoded JSON`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`its ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * Splits and parses a compact JWS; throws on anything malformed. An empty
 * signature parses (did-jwt's decodeJWT refuses it), so `alg: none` is
 * rejected for its algorithm, the more useful verdict.
 */
export function decodeJwt(jwt: string): DecodedJwt {
  const match = COMPACT.exec(jwt);
  if (!match) throw new Error('it is not three base64url parts separated by dots');
  return {
    header: parseJson(match[1], 'header') as DecodedJwt['header'],
    payload: parseJson(match[2], 'payload'),
    signingInput: Buffer.from(`${match[1]}.${match[2]}`, 'ascii'),
    signature: Buffer.from(match[3], 'base64url'),
  };
}

// JOSE ECDSA signatures are r||s (IEEE P1363), not DER.
function keyInput(key: KeyObject, alg: SigningAlg) {
  return alg === 'EdDSA' ? key : { key, dsaEncoding: 'ieee-p1363' as const };
}

/**
 * Verifies the signature with node:crypto (did-jwt's pure-JS path is ~10×
 * slower). `key` must be of `alg`'s type: the resolver pairs each key with its
 * algorithm when it imports it, so no per-call introspection (which costs a
 * quarter of a verification) is needed here.
 */
export function verifySignature(jwt: DecodedJwt, alg: SigningAlg, key: KeyObject): boolean {
  try {
    return verify(alg === 'EdDSA' ? null : 'sha256', jwt.signingInput, keyInput(key, alg), jwt.signature);
  } catch {
    return false;
  }
}

/** Signs a JWT with a private JWK; the algorithm follows from the key type. */
export function signJwt(payload: Record<string, unknown>, key: PrivateJwk, header: Record<string, unknown> = {}): string {
  const alg = algForJwk(key);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode({ alg, typ: 'JWT', ...header })}.${encode(payload)}`;
  const privateKey = createPrivateKey({ key: key, format: 'jwk' });
  const signature = sign(alg === 'EdDSA' ? null : 'sha256', Buffer.from(signingInput), keyInput(privateKey, alg) as never);
  return `${signingInput}.${signature.toString('base64url')}`;
}
