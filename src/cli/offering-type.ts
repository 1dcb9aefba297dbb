import type { DecodedJwt } from '../trust/jwt.ts';

const OFFERING_TYPE = 'gx:ServiceOffering';
// The operator signs its offerings as plain VC-JWTs; a token typed as anything
// else (a presentation, a status list) is not one, whoever signed it.
const CREDENTIAL_TYPS = new Set(['JWT', 'vc+jwt']);

/**
 * Why a signed token is not a service-offering credential from the
 * operator's catalog, or undefined when it is one: the operator's key signs
 * other things too, and a valid signature says nothing about what was signed.
 */
export function notAnOffering(decoded: DecodedJwt): string | undefined {
  const { typ } = decoded.header;
  if (typ !== undefined && (typeof typ !== 'string' || !CREDENTIAL_TYPS.has(typ)))
    return `its JWT type is ${JSON.stringify(typ)}, not a credential's (JWT or vc+jwt)`;
  const { vc, vp, sub } = decoded.payload as { vc?: unknown; vp?: unknown; sub?: unknown };
  if (vp !== undefined) return 'it is a verifiable presentation, not a credential';
  if (vc === null || typeof vc !== 'object') return 'it holds no verifiable credential (no "vc" claim)';
  const { type, credentialSubject } = vc as { type?: unknown; credentialSubject?: unknown };
  if (!Array.isArray(type) || !type.includes('VerifiableCredential') || !type.includes(OFFERING_TYPE)) {
    return `its credential type is ${JSON.stringify(type)}, not ["VerifiableCredential", "${OFFERING_TYPE}"]`;
  }
  const subject = credentialSubject as { id?: unknown; type?: unknown } | null;
  if (subject === null || typeof subject !== 'object' || subject.type !== OFFERING_TYPE) return `its credentialSubject is not a ${OFFERING_TYPE}`;
  if (subject.id !== sub) return `its credentialSubject.id ${JSON.stringify(subject.id)} is not its subject ${JSON.stringify(sub)}`;
  return undefined;
}
