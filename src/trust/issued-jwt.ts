import { decodeJwt, verifySignature, type DecodedJwt } from './jwt.ts';
import { isSigningAlg, type SigningAlg } from './keys.ts';
import { TrustError } from './reasons.ts';
import { isNumericDate } from './numeric-date.ts';
import type { DidResolver, Relationship } from './resolver.ts';

export interface IssuedJwtPolicy {
  /** DIDs allowed as `iss`; checked before anything is fetched, so untrusted DIDs are never resolved. */
  allowedIssuers: ReadonlySet<string>;
  relationship: Relationship;
  skewSeconds: number;
  /** Seconds since the epoch. */
  now: number;
}

export interface VerifiedJwt {
  decoded: DecodedJwt;
  issuer: string;
  alg: SigningAlg;
  keyId: string;
}

export function decodeOrReject(jwt: string, what: string): DecodedJwt {
  try {
    return decodeJwt(jwt);
  } catch (error) {
    throw new TrustError('CREDENTIAL_MALFORMED', `${what} is not a well-formed JWT: ${(error as Error).message}`);
  }
}

export function checkAlg(decoded: DecodedJwt, what: string): SigningAlg {
  const alg = decoded.header.alg;
  if (!isSigningAlg(alg)) {
    throw new TrustError('ALGORITHM_REJECTED', `${what} uses alg ${JSON.stringify(alg)}; only EdDSA, ES256 and ES256K are accepted`);
  }
  return alg;
}

/** Finds the signing key in the signer's DID document and checks the signature with node:crypto. */
export async function checkSignature(
  decoded: DecodedJwt,
  signer: string,
  alg: SigningAlg,
  resolver: DidResolver,
  relationship: Relationship,
  what: string,
): Promise<string> {
  const kid = typeof decoded.header.kid === 'string' ? decoded.header.kid : undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    let keys;
    try {
      keys = await resolver.keys(signer, relationship, alg, kid);
    } catch (error) {
      if (attempt === 0 && error instanceof TrustError && error.reason === 'KEY_NOT_FOUND') {
        // A new kid may be in a document newer than the cached one.
        resolver.invalidate(signer);
        continue;
      }
      throw error;
    }
    const good = keys.find((k) => verifySignature(decoded, alg, k.key));
    if (good) return good.id;
    // The cached document may predate a key rotation: look once more, fresh.
    resolver.invalidate(signer);
  }
  throw new TrustError('SIGNATURE_INVALID', `${what}: the signature does not verify with ${kid ?? `any ${relationship} key`} of ${signer}`);
}

export function checkTimes(payload: Record<string, unknown>, policy: { skewSeconds: number; now: number }, what: string): void {
  for (const claim of ['nbf', 'exp', 'iat'] as const) {
    const value = payload[claim];
    if (value !== undefined && !isNumericDate(value)) {
      throw new TrustError(
        'CREDENTIAL_MALFORMED',
        `${what}'s ${claim} ${JSON.stringify(value)?.slice(0, 40)} is not a NumericDate (seconds since 1970, at most year 9999)`,
      );
    }
  }
  const nbf = payload.nbf as number | undefined;
  const exp = payload.exp as number | undefined;
  if (nbf !== undefined && nbf > policy.now + policy.skewSeconds) {
    throw new TrustError('NOT_YET_VALID', `${what} is not valid before ${new Date(nbf * 1000).toISOString()}`);
  }
  if (exp !== undefined && policy.now >= exp + policy.skewSeconds) {
    throw new TrustError('EXPIRED', `${what} expired at ${new Date(exp * 1000).toISOString()}`);
  }
}

/**
 * Decode → algorithm → trusted issuer → key → signature → validity period, in
 * that order. `onSigned` sees the token once its signature is known good, so
 * a caller can report signed facts even when a later check fails.
 */
export async function verifyIssuedJwt(
  jwt: string,
  resolver: DidResolver,
  policy: IssuedJwtPolicy,
  what: string,
  onSigned?: (decoded: DecodedJwt, issuer: string) => void,
): Promise<VerifiedJwt> {
  const decoded = decodeOrReject(jwt, what);
  const alg = checkAlg(decoded, what);
  const issuer = decoded.payload.iss;
  if (typeof issuer !== 'string' || !policy.allowedIssuers.has(issuer)) {
    throw new TrustError('ISSUER_UNTRUSTED', `${what} is issued by ${JSON.stringify(issuer)}, which is not a trust anchor`);
  }
  const keyId = await checkSignature(decoded, issuer, alg, resolver, policy.relationship, what);
  onSigned?.(decoded, issuer);
  checkTimes(decoded.payload, policy, what);
  return { decoded, issuer, alg, keyId };
}
