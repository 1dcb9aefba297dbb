import { createPrivateKey, sign, verify, type KeyObject } from 'node:crypto';
import type { KeyFile } from './issue.ts';
import { algForJwk, keyFromMultibase, publicKeyFromJwk, type SigningAlg } from './keys.ts';

/** A DID's key as a plain signer and verifier of bytes (base64url signatures), e.g. for the ledger's blocks. */
export interface SigningKey {
  readonly did: string;
  sign(data: Uint8Array): string;
  verify(data: Uint8Array, signature: string): boolean;
}

export type VerifyingKey = Pick<SigningKey, 'did' | 'verify'>;

// JOSE ECDSA signatures are r||s (IEEE P1363), not DER; Ed25519 takes no digest.
const digestOf = (alg: SigningAlg) => (alg === 'EdDSA' ? null : 'sha256');
const withEncoding = (key: KeyObject, alg: SigningAlg) => (alg === 'EdDSA' ? key : { key, dsaEncoding: 'ieee-p1363' as const });

function verifier(did: string, alg: SigningAlg, key: KeyObject): VerifyingKey {
  return {
    did,
    verify: (data, signature) => {
      try {
        return verify(digestOf(alg), data, withEncoding(key, alg), Buffer.from(signature, 'base64url'));
      } catch {
        return false;
      }
    },
  };
}

/** The key in an empirectl/operator key file (its `kid` names the DID). */
export function signingKeyOf(keyFile: KeyFile): SigningKey {
  const alg = algForJwk(keyFile);
  const did = keyFile.kid.split('#')[0];
  const privateKey = createPrivateKey({ key: keyFile, format: 'jwk' });
  return {
    ...verifier(did, alg, publicKeyFromJwk(keyFile)),
    sign: (data) => sign(digestOf(alg), data, withEncoding(privateKey, alg) as never).toString('base64url'),
  };
}

/** The verifying key of a did:key, from the identifier alone (offline). */
export function verifyingKeyOfDid(did: string): VerifyingKey {
  if (!did.startsWith('did:key:')) throw new Error(`${did}: give the operator's did:key (the \`did\` in its Secret cloud-empire-operator-identity)`);
  const { alg, key } = keyFromMultibase(did.slice('did:key:'.length));
  return verifier(did, alg, key);
}
