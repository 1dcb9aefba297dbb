/** Why a node was or was not verified: stable codes for conditions, ledger records and alerts. */
export const REASONS = [
  'VERIFIED',
  'CREDENTIAL_MALFORMED',
  'ALGORITHM_REJECTED',
  'ISSUER_UNTRUSTED',
  'DID_UNRESOLVABLE',
  'KEY_NOT_FOUND',
  'SIGNATURE_INVALID',
  'EXPIRED',
  'NOT_YET_VALID',
  'TYPE_MISMATCH',
  'SUBJECT_MISMATCH',
  'BINDING_MISMATCH',
  'JURISDICTION_DENIED',
  'REVOKED',
  'STATUS_UNAVAILABLE',
  'PROOF_MISSING',
  'PROOF_INVALID',
  /** Anything the checks above did not foresee: still a refusal, never an exception. */
  'VERIFICATION_ERROR',
] as const;

export type ReasonCode = (typeof REASONS)[number];

/** A verdict against a node, carrying the reason code and a sentence for humans. */
export class TrustError extends Error {
  readonly reason: ReasonCode;
  constructor(reason: ReasonCode, message: string) {
    super(message);
    this.name = 'TrustError';
    this.reason = reason;
  }
}

/** Reason codes in condition form (`SignatureInvalid`), as Kubernetes conventions want CamelCase. */
export function conditionReason(code: ReasonCode): string {
  return code
    .toLowerCase()
    .split('_')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}
