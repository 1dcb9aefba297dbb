/** One verification verdict as the ledger keeps it: who, what, by whom, why. */
export interface AttestationRecord {
  sovereignNode: string;
  memberCluster: string;
  nodeName: string;
  did: string;
  verified: boolean;
  reason: string;
  issuer?: string;
  countryCode?: string;
  jurisdiction?: string;
  expiresAt?: string;
  /** SHA-256 of the credential, so the record proves which credential was judged without storing it. */
  credentialDigest: string;
  observedAt: string;
}

export interface LedgerReceipt {
  txId: string;
  blockNumber: number;
}

/** The operator's view of the ledger; the embedded and Fabric implementations sit behind it. */
export interface Ledger {
  recordAttestation(record: AttestationRecord): Promise<LedgerReceipt>;
  close(): Promise<void>;
}

/** The ledger cannot be reached or refused to commit: callers fail closed and retry. */
export class LedgerUnavailableError extends Error {}
