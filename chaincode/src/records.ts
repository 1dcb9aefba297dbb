// What the contracts keep on the ledger and what they take and return. The
// operator imports these types, so both sides of the wire share one shape.

/** An issuer the federation accepts credentials from, as the trust authority registered it. */
export interface TrustAnchorRecord {
  did: string;
  name: string;
  /** Countries this issuer may attest (ISO 3166-1 alpha-2); empty means any. */
  countries: string[];
  registeredBy: string;
  registeredAt: string;
}

/** The trust authority's verdict on one node; the latest verdict per node is the world state. */
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
  provider?: string;
  expiresAt?: string;
  /** SHA-256 of the credential: proves which credential was judged without storing it. */
  credentialDigest: string;
  /** When the operator judged it (its clock); `recordedAt` is the ledger's. */
  observedAt: string;
}

export interface StoredAttestation extends AttestationRecord {
  recordedAt: string;
  recordedBy: string;
  txId: string;
  /** Set when a newer verdict of the node was already recorded: this one went into the history only. */
  superseded?: true;
}

/** A data owner's rules for one dataset. Only the owner's organization may change them. */
export interface DatasetPolicyInput {
  datasetId: string;
  /** Jurisdictions (upper case, e.g. EU) whose attested nodes may hold the data; empty means any. */
  allowedJurisdictions: string[];
  allowedCountries: string[];
  allowedProviders: string[];
  /** Purposes the data may serve; empty means none (a policy must name at least one to be usable). */
  allowedPurposes: string[];
  /** Whether each access re-checks that the reading node is verified at that moment. */
  verifiedNodesOnly: boolean;
  /** How long a grant lives after the placement that created it. */
  grantTtlSeconds: number;
}

export interface DatasetPolicy extends DatasetPolicyInput {
  ownerMsp: string;
  version: number;
  updatedAt: string;
  updatedBy: string;
  /** SHA-256 of the protected details in the owner's private collection, if any. */
  detailsHash?: string;
}

/** Protected dataset details: only in the owner's private data collection, sent as transient data. */
export interface DatasetDetails {
  location: string;
  keyReference: string;
}

export interface PlacementNode {
  memberCluster: string;
  nodeName: string;
  did: string;
}

export interface PlacementTarget {
  cluster: string;
  pool?: string;
  provider: string;
  countryCode: string;
  nodes: PlacementNode[];
}

export interface PlacementRequest {
  /** Unique per decision; recording the same id twice is a replay. */
  decisionId: string;
  workload: { namespace: string; name: string; uid?: string; generation?: number };
  purpose?: string;
  datasets: string[];
  targets: PlacementTarget[];
}

/** Why a placement target is refused: stable codes a client can act on, as the trust pipeline's reasons are. */
export const PLACEMENT_REASON_CODES = [
  'NoNodes',
  'NodeNotAttested',
  'AttestationDidMismatch',
  'NodeNotVerified',
  'AttestationExpired',
  'CountryMismatch',
  'ProviderMismatch',
  'DatasetUnknown',
  'PurposeNotAllowed',
  'CountryNotAllowed',
  'JurisdictionNotAllowed',
  'ProviderNotAllowed',
] as const;
export type PlacementReasonCode = (typeof PLACEMENT_REASON_CODES)[number];

export interface Reason {
  code: PlacementReasonCode;
  message: string;
}

export interface TargetVerdict {
  cluster: string;
  pool?: string;
  approved: boolean;
  reasons: Reason[];
}

export interface PlacementDecision {
  decisionId: string;
  workload: PlacementRequest['workload'];
  purpose?: string;
  datasets: string[];
  /** True when at least one target is approved; only approved targets may be used. */
  approved: boolean;
  targets: TargetVerdict[];
  evaluatedAt: string;
}

export interface RecordedDecision extends PlacementDecision {
  txId: string;
  recordedBy: string;
  grants: string[];
}

/**
 * Why a recorded placement ended: the workload was deleted, or scaled to zero replicas (nothing left to place),
 * or it never ran: recorded, but the operator stopped before acknowledging it, and the workload was deleted or
 * decided anew before it came back (no member was ever given it), or a newer decision replaced it and the
 * members no longer run anything of it (Superseded).
 */
export const REMOVAL_REASONS = ['WorkloadDeleted', 'ScaledToZero', 'NeverApplied', 'Superseded'] as const;
/** The state key type of a recorded removal (by decision id): the placement contract writes it, data access reads it. */
export const PLACEMENT_REMOVAL_KEY = 'PlacementRemoval';
export type RemovalReason = (typeof REMOVAL_REASONS)[number];

export interface RemovalRequest {
  workload: { namespace: string; name: string; uid?: string };
  /** The recorded decision whose placements were removed from every member. */
  decisionId: string;
  reason: RemovalReason;
}

export interface RecordedRemoval extends RemovalRequest {
  removedAt: string;
  txId: string;
  recordedBy: string;
  /**
   * NeverApplied for an id the ledger had not recorded (yet): a tombstone, so that a RecordPlacement of that
   * id still on its way (endorsed before an outage, committed after) is refused, never left open.
   */
  unrecorded?: true;
}

export interface GrantRecord {
  grantId: string;
  datasetId: string;
  ownerMsp: string;
  decisionId: string;
  workload: PlacementRequest['workload'];
  purpose?: string;
  nodeDids: string[];
  issuedAt: string;
  expiresAt: string;
  revoked: boolean;
  revokedAt?: string;
  revokedBy?: string;
}

/** Why one use of a data-access grant is allowed or refused. */
export const ACCESS_REASON_CODES = [
  'Allowed',
  'GrantRevoked',
  'GrantExpired',
  'NodeNotBound',
  'DatasetUnknown',
  'PurposeNotAllowed',
  'NodeNotVerified',
  'AttestationExpired',
  'PlacementRemoved',
] as const;
export type AccessReasonCode = (typeof ACCESS_REASON_CODES)[number];

export interface AccessVerdict {
  grantId: string;
  nodeDid: string;
  allowed: boolean;
  reason: AccessReasonCode;
  message: string;
  at: string;
}

/** How far an operator's embedded ledger reached, as recorded on Fabric. */
export interface LedgerHeadRecord {
  ledgerId: string;
  height: number;
  hash: string;
  recordedAt: string;
  recordedBy: string;
  txId: string;
}

/** Event names the contracts emit; clients subscribe by these. */
export const EVENTS = {
  attestationRecorded: 'AttestationRecorded',
  policyPublished: 'DatasetPolicyPublished',
  placementRecorded: 'PlacementRecorded',
  placementRemoved: 'PlacementRemoved',
  grantRevoked: 'GrantRevoked',
  accessRecorded: 'AccessRecorded',
} as const;
