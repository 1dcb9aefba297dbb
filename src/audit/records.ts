// What the audit trail holds: one record per fact the ledger (or the meter)
// keeps, each naming the ledger transaction that backs it. These are the
// rows of the Parquet export (see schema.ts for their columns).

export const AUDIT_KINDS = ['verifications', 'placements', 'access', 'metering'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** A trust verdict on one node (TrustRegistry:RecordAttestation). */
export interface VerificationRecord {
  kind: 'verifications';
  txId: string;
  blockNumber: number;
  /** The ledger's time (epoch ms); `observedAt` is the operator's. */
  recordedAt: number;
  observedAt: number;
  sovereignNode?: string;
  memberCluster: string;
  nodeName: string;
  nodeDid: string;
  verified: boolean;
  reason: string;
  issuer?: string;
  country?: string;
  jurisdiction?: string;
  provider?: string;
  expiresAt?: number;
  credentialDigest?: string;
  /** A late verdict kept as history, not the node's state. */
  superseded: boolean;
}

/** What happened to a workload on one target cluster. */
export type PlacementEvent = 'placed' | 'refused' | 'failover' | 'removed';

/** One target of a recorded placement decision (Placement:RecordPlacement), or a removal. */
export interface PlacementRecord {
  kind: 'placements';
  txId: string;
  blockNumber: number;
  recordedAt: number;
  event: PlacementEvent;
  decisionId: string;
  namespace: string;
  name: string;
  cluster: string;
  pool?: string;
  provider?: string;
  country?: string;
  /** The nodes' DIDs, comma-separated (sorted). */
  nodeDids?: string;
  approved: boolean;
  /** Refusal reason codes, comma-separated. */
  reasons?: string;
  /** For a failover: the cluster the previous decision placed the workload on. */
  previousCluster?: string;
  datasets?: string;
}

export type AccessEvent = 'granted' | 'used' | 'refused' | 'revoked';

/** A data-access grant, a use of it (allowed or refused), or its revocation. */
export interface AccessRecord {
  kind: 'access';
  txId: string;
  blockNumber: number;
  recordedAt: number;
  event: AccessEvent;
  grantId: string;
  datasetId?: string;
  decisionId?: string;
  namespace?: string;
  name?: string;
  nodeDid?: string;
  ownerMsp?: string;
  reason?: string;
  expiresAt?: number;
}

/** GPUs held by one member pod for one interval (pod running start to end). */
export interface MeteringRecord {
  kind: 'metering';
  intervalId: string;
  /** The placement transaction that put the workload on this cluster; absent when the ledger has none (an unbacked row). */
  txId?: string;
  namespace: string;
  name: string;
  pod: string;
  memberCluster: string;
  pool: string;
  country?: string;
  provider?: string;
  nodeName: string;
  nodeDid?: string;
  gpuModel?: string;
  resourceName: string;
  gpus: number;
  start: number;
  end: number;
  gpuHours: number;
  pricePerGpuHour?: number;
  currency?: string;
  cost?: number;
  /** The end was not seen (the pod finished while the operator was down): it is when the operator noticed. */
  endEstimated: boolean;
}

export type AuditRecord = VerificationRecord | PlacementRecord | AccessRecord | MeteringRecord;

/** A time range, epoch ms, `from` inclusive, `to` exclusive. */
export interface TimeRange {
  from?: number;
  to?: number;
}

export function inRange(at: number, range: TimeRange): boolean {
  return (range.from === undefined || at >= range.from) && (range.to === undefined || at < range.to);
}

export const MS_PER_HOUR = 3_600_000;

/** The part of an interval inside `range`, its GPU-hours and cost recomputed; undefined when none of it is. */
export function clipInterval(record: MeteringRecord, range: TimeRange): MeteringRecord | undefined {
  const start = Math.max(record.start, range.from ?? -Infinity);
  const end = Math.min(record.end, range.to ?? Infinity);
  if (end <= start && !(record.start === record.end && inRange(record.start, range))) return undefined;
  if (start === record.start && end === record.end) return record;
  const gpuHours = (record.gpus * (end - start)) / MS_PER_HOUR;
  return { ...record, start, end, gpuHours, cost: record.pricePerGpuHour === undefined ? undefined : gpuHours * record.pricePerGpuHour };
}
