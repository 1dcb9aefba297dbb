import type { ColumnSpec, Row } from './parquet/columnar-writer.ts';
import type { AccessRecord, AuditKind, AuditRecord, MeteringRecord, PlacementRecord, VerificationRecord } from './records.ts';

// The Parquet schema of each export, column by column (docs/audit.md is
// generated from the same descriptions). Timestamps are TIMESTAMP_MILLIS,
// adjusted to UTC; strings are dictionary-encoded except ids.

const s = (name: string, description: string, optional = false): ColumnSpec => ({ name, type: 'string', optional, description });
const id = (name: string, description: string, optional = false): ColumnSpec => ({ name, type: 'string', optional, dictionary: false, description });
const ts = (name: string, description: string, optional = false): ColumnSpec => ({ name, type: 'timestamp', optional, description });
const f64 = (name: string, description: string, optional = false): ColumnSpec => ({ name, type: 'double', optional, description });
const i64 = (name: string, description: string, optional = false): ColumnSpec => ({ name, type: 'int64', optional, description });
const bool = (name: string, description: string): ColumnSpec => ({ name, type: 'boolean', description });

const LEDGER_COLUMNS: ColumnSpec[] = [
  s('kind', 'verifications, placements, access or metering (one file of --kind all holds every kind)'),
  id('tx_id', 'the ledger transaction that backs the row (`empirectl audit verify` checks it)', true),
  i64('block_number', 'the block holding the transaction (embedded ledger or Fabric)', true),
  ts('recorded_at', "the ledger's time of the transaction (UTC)"),
];

export const VERIFICATION_COLUMNS: ColumnSpec[] = [
  ...LEDGER_COLUMNS,
  ts('observed_at', 'when the operator judged the node (its clock)'),
  s('sovereign_node', 'the SovereignNode object', true),
  s('member_cluster', 'the member cluster of the node'),
  s('node_name', 'the Node name in the member'),
  s('node_did', "the node's DID"),
  bool('verified', 'the verdict'),
  s('reason', 'reason code (VERIFIED, EXPIRED, REVOKED, ISSUER_UNTRUSTED, …)'),
  s('issuer', 'the trust anchor that vouched for the node', true),
  s('country', 'attested country (ISO 3166-1 alpha-2)', true),
  s('jurisdiction', 'attested jurisdiction, e.g. EU', true),
  s('provider', 'attested provider', true),
  ts('expires_at', "the credential's expiry", true),
  id('credential_digest', 'SHA-256 of the judged credential', true),
  bool('superseded', 'a late verdict kept as history, not as the node state'),
];

export const PLACEMENT_COLUMNS: ColumnSpec[] = [
  ...LEDGER_COLUMNS,
  s('event', 'placed, refused, failover (placed on another cluster than the previous decision) or removed'),
  id('decision_id', 'the placement decision'),
  s('namespace', "the FederatedWorkload's namespace"),
  s('name', "the FederatedWorkload's name"),
  s('cluster', 'the target member cluster'),
  s('pool', 'the target GpuPool', true),
  s('provider', 'the provider the request claimed for the target', true),
  s('country', 'the country the request claimed for the target', true),
  s('node_dids', "the target nodes' DIDs, comma-separated", true),
  bool('approved', "the ledger's own verdict on this target"),
  s('reasons', 'refusal reason codes, comma-separated', true),
  s('previous_cluster', 'for a failover: the cluster of the previous decision', true),
  s('datasets', 'datasets the workload reads, comma-separated', true),
];

export const ACCESS_COLUMNS: ColumnSpec[] = [
  ...LEDGER_COLUMNS,
  s('event', 'granted, used, refused (a use refused) or revoked'),
  id('grant_id', 'the data-access grant'),
  s('dataset_id', 'the dataset', true),
  id('decision_id', 'the placement decision that created the grant', true),
  s('namespace', "the workload's namespace", true),
  s('name', "the workload's name", true),
  s('node_did', 'the node that used the grant (uses), or the bound nodes, comma-separated (grants)', true),
  s('owner_msp', "the dataset owner's organization", true),
  s('reason', 'Allowed, GrantRevoked, GrantExpired, NodeNotBound, …', true),
  ts('expires_at', "the grant's expiry", true),
];

export const METERING_COLUMNS: ColumnSpec[] = [
  s('kind', 'metering'),
  id('tx_id', 'the placement transaction that put the workload on this cluster (null: unbacked)', true),
  id('interval_id', 'the metered interval (pod uid and start)'),
  s('namespace', "the FederatedWorkload's namespace"),
  s('name', "the FederatedWorkload's name"),
  id('pod', 'the member pod'),
  s('member_cluster', 'the member cluster'),
  s('pool', 'the GpuPool'),
  s('country', "the member cluster's country", true),
  s('provider', "the pool's provider", true),
  s('node_name', 'the Node the pod ran on'),
  s('node_did', "the node's DID (its SovereignNode)", true),
  s('gpu_model', "the pool's GPU model", true),
  s('resource_name', 'the device-plugin resource, e.g. nvidia.com/gpu'),
  i64('gpus', 'GPUs (or slices) the pod held'),
  ts('start', 'when the pod started running (UTC)'),
  ts('end', 'when it stopped (UTC)'),
  f64('gpu_hours', 'gpus × hours'),
  f64('price_per_gpu_hour', "the pool's price", true),
  s('currency', 'ISO 4217', true),
  f64('cost', 'gpu_hours × price_per_gpu_hour', true),
  bool('end_estimated', 'the end was not seen (the pod finished while the operator was down)'),
];

/** FOCUS 1.2 (FinOps Open Cost and Usage Specification) columns for metering: the mandatory ones, then ours as x_. */
export const FOCUS_COLUMNS: ColumnSpec[] = [
  f64('BilledCost', 'cost of the interval at the pool price (0 when the pool has no price)'),
  f64('EffectiveCost', 'same as BilledCost: no discounts or commitments'),
  f64('ListCost', 'same as BilledCost (list price)'),
  f64('ContractedCost', 'same as BilledCost'),
  s('BillingAccountId', "the tenant billed: the workload's namespace"),
  s('BillingAccountName', "the tenant billed: the workload's namespace"),
  s('BillingCurrency', "the pool's currency (EUR when it names none)"),
  ts('BillingPeriodStart', 'first instant of the calendar month (UTC) of ChargePeriodStart'),
  ts('BillingPeriodEnd', 'first instant of the next month (exclusive)'),
  ts('ChargePeriodStart', 'interval start (clipped to --from)'),
  ts('ChargePeriodEnd', 'interval end (clipped to --to, exclusive)'),
  s('ChargeCategory', 'Usage'),
  s('ChargeClass', 'null: no corrections are issued', true),
  s('ChargeDescription', 'what was used, in words'),
  s('InvoiceIssuerName', 'the provider selling the capacity (GpuPool spec.provider)'),
  s('ProviderName', 'the provider (GpuPool spec.provider)'),
  s('PublisherName', 'the provider (GpuPool spec.provider)'),
  f64('PricingQuantity', 'GPU-hours'),
  s('PricingUnit', 'GPU-Hours'),
  s('ServiceCategory', 'Compute'),
  s('ServiceName', 'Sovereign GPU Compute'),
  id('ResourceId', 'member-cluster/namespace/pod'),
  s('RegionId', "the member cluster's country (ISO 3166-1 alpha-2; members declare no finer region here)", true),
  f64('ConsumedQuantity', 'GPU-hours'),
  s('ConsumedUnit', 'GPU-Hours'),
  s('x_GpuModel', "the pool's GPU model", true),
  s('x_Country', "the member cluster's country", true),
  s('x_NodeDid', "the attested node's DID", true),
  s('x_MemberCluster', 'the member cluster'),
  s('x_Pool', 'the GpuPool'),
  s('x_Workload', 'namespace.name of the FederatedWorkload'),
  i64('x_Gpus', 'GPUs (or slices) held'),
  id('x_LedgerTxId', 'the placement transaction backing the charge (null: unbacked)', true),
];

/** Every column a row of `--kind all` may have: the union, each optional, in kind order. */
export const ALL_COLUMNS: ColumnSpec[] = (() => {
  const seen = new Map<string, ColumnSpec>();
  for (const column of [...VERIFICATION_COLUMNS, ...PLACEMENT_COLUMNS, ...ACCESS_COLUMNS, ...METERING_COLUMNS]) {
    const known = seen.get(column.name);
    if (known && known.type !== column.type) throw new Error(`audit schema: column ${column.name} has two types`);
    if (!known) seen.set(column.name, { ...column, optional: column.name !== 'kind' });
  }
  return [...seen.values()];
})();

export function columnsOf(kind: AuditKind | 'all', format: 'audit' | 'focus'): ColumnSpec[] {
  if (format === 'focus') return FOCUS_COLUMNS;
  switch (kind) {
    case 'verifications':
      return VERIFICATION_COLUMNS;
    case 'placements':
      return PLACEMENT_COLUMNS;
    case 'access':
      return ACCESS_COLUMNS;
    case 'metering':
      return METERING_COLUMNS;
    case 'all':
      return ALL_COLUMNS;
  }
}

const ledger = (r: { kind: string; txId: string; blockNumber: number; recordedAt: number }): Row => ({
  kind: r.kind,
  tx_id: r.txId,
  block_number: r.blockNumber,
  recorded_at: r.recordedAt,
});

function verificationRow(r: VerificationRecord): Row {
  return {
    ...ledger(r),
    observed_at: r.observedAt,
    sovereign_node: r.sovereignNode,
    member_cluster: r.memberCluster,
    node_name: r.nodeName,
    node_did: r.nodeDid,
    verified: r.verified,
    reason: r.reason,
    issuer: r.issuer,
    country: r.country,
    jurisdiction: r.jurisdiction,
    provider: r.provider,
    expires_at: r.expiresAt,
    credential_digest: r.credentialDigest,
    superseded: r.superseded,
  };
}

function placementRow(r: PlacementRecord): Row {
  return {
    ...ledger(r),
    event: r.event,
    decision_id: r.decisionId,
    namespace: r.namespace,
    name: r.name,
    cluster: r.cluster,
    pool: r.pool,
    provider: r.provider,
    country: r.country,
    node_dids: r.nodeDids,
    approved: r.approved,
    reasons: r.reasons,
    previous_cluster: r.previousCluster,
    datasets: r.datasets,
  };
}

function accessRow(r: AccessRecord): Row {
  return {
    ...ledger(r),
    event: r.event,
    grant_id: r.grantId,
    dataset_id: r.datasetId,
    decision_id: r.decisionId,
    namespace: r.namespace,
    name: r.name,
    node_did: r.nodeDid,
    owner_msp: r.ownerMsp,
    reason: r.reason,
    expires_at: r.expiresAt,
  };
}

function meteringRow(r: MeteringRecord): Row {
  return {
    kind: r.kind,
    tx_id: r.txId,
    interval_id: r.intervalId,
    namespace: r.namespace,
    name: r.name,
    pod: r.pod,
    member_cluster: r.memberCluster,
    pool: r.pool,
    country: r.country,
    provider: r.provider,
    node_name: r.nodeName,
    node_did: r.nodeDid,
    gpu_model: r.gpuModel,
    resource_name: r.resourceName,
    gpus: r.gpus,
    start: r.start,
    end: r.end,
    gpu_hours: r.gpuHours,
    price_per_gpu_hour: r.pricePerGpuHour,
    currency: r.currency,
    cost: r.cost,
    end_estimated: r.endEstimated,
  };
}

export const DEFAULT_CURRENCY = 'EUR';

function monthStart(at: number, offset = 0): number {
  const d = new Date(at);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1);
}

export function focusRow(r: MeteringRecord): Row {
  const cost = r.cost ?? 0;
  const provider = r.provider ?? 'unknown';
  return {
    BilledCost: cost,
    EffectiveCost: cost,
    ListCost: cost,
    ContractedCost: cost,
    BillingAccountId: r.namespace,
    BillingAccountName: r.namespace,
    BillingCurrency: r.currency ?? DEFAULT_CURRENCY,
    BillingPeriodStart: monthStart(r.start),
    BillingPeriodEnd: monthStart(r.start, 1),
    ChargePeriodStart: r.start,
    ChargePeriodEnd: r.end,
    ChargeCategory: 'Usage',
    ChargeClass: null,
    ChargeDescription: `${r.gpus} × ${r.gpuModel ?? r.resourceName} for ${r.namespace}.${r.name} on ${r.memberCluster}${r.pricePerGpuHour === undefined ? ' (unpriced pool)' : ''}`,
    InvoiceIssuerName: provider,
    ProviderName: provider,
    PublisherName: provider,
    PricingQuantity: r.gpuHours,
    PricingUnit: 'GPU-Hours',
    ServiceCategory: 'Compute',
    ServiceName: 'Sovereign GPU Compute',
    ResourceId: `${r.memberCluster}/${r.namespace}/${r.pod}`,
    RegionId: r.country,
    ConsumedQuantity: r.gpuHours,
    ConsumedUnit: 'GPU-Hours',
    x_GpuModel: r.gpuModel,
    x_Country: r.country,
    x_NodeDid: r.nodeDid,
    x_MemberCluster: r.memberCluster,
    x_Pool: r.pool,
    x_Workload: `${r.namespace}.${r.name}`,
    x_Gpus: r.gpus,
    x_LedgerTxId: r.txId,
  };
}

export function auditRow(record: AuditRecord): Row {
  switch (record.kind) {
    case 'verifications':
      return verificationRow(record);
    case 'placements':
      return placementRow(record);
    case 'access':
      return accessRow(record);
    case 'metering':
      return meteringRow(record);
  }
}
