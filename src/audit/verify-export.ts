import parquet from '@dsnp/parquetjs';
import { canonicalJson } from '../util/canonical-json.ts';
import type { Row } from './parquet/columnar-writer.ts';
import { MS_PER_HOUR, type MeteringRecord } from './records.ts';
import { auditRow } from './schema.ts';
import type { AuditSource } from './source.ts';

// `empirectl audit verify`: every row of an export must be what the ledger
// itself says. Ledger rows are re-derived from the ledger and compared
// whole; metering rows must name a placement transaction that put that
// workload on that cluster, and agree with the meter's journal.

export interface UnbackedRow {
  /** 0-based row number in the file. */
  row: number;
  kind: string;
  txId?: string;
  problem: string;
}

export interface ExportCheck {
  rows: number;
  backed: number;
  unbacked: UnbackedRow[];
}

type Value = string | number | boolean;

/** A row as a reader gives it back (Dates, bigints, nulls), in the writer's terms: epoch ms, numbers, absent. */
export function normalizeRow(raw: Record<string, unknown>): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === null || value === undefined) continue;
    if (value instanceof Date) out[key] = value.getTime();
    else if (typeof value === 'bigint') out[key] = Number(value);
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    else out[key] = String(value);
  }
  return out;
}

const digest = (row: Row | Record<string, Value>) => canonicalJson(normalizeRow(row));

/** What the ledger backs: each transaction's rows (whole), and which workload each approved placement put on which cluster. */
export interface LedgerIndex {
  rows: Map<string, Set<string>>;
  placements: Map<string, Set<string>>;
}

export async function indexLedger(source: AuditSource): Promise<LedgerIndex> {
  const rows = new Map<string, Set<string>>();
  const placements = new Map<string, Set<string>>();
  for await (const record of source.records()) {
    let set = rows.get(record.txId);
    if (!set) rows.set(record.txId, (set = new Set()));
    set.add(digest(auditRow(record)));
    if (record.kind === 'placements' && record.approved) {
      let targets = placements.get(record.txId);
      if (!targets) placements.set(record.txId, (targets = new Set()));
      targets.add(`${record.namespace}.${record.name}@${record.cluster}`);
    }
  }
  return { rows, placements };
}

function meteringProblem(row: Record<string, Value>, index: LedgerIndex, journal: Map<string, MeteringRecord>): string | undefined {
  const txId = row.tx_id as string | undefined;
  if (!txId) return 'no placement transaction backs this interval';
  const target = `${row.namespace}.${row.name}@${row.member_cluster}`;
  if (!index.placements.get(txId)?.has(target)) return `transaction ${txId} did not place ${row.namespace}.${row.name} on ${row.member_cluster}`;
  const interval = journal.get(row.interval_id as string);
  if (!interval) return `the meter's journal has no interval ${row.interval_id}`;
  const differs = (['pod', 'node_name', 'pool', 'gpus', 'tx_id'] as const).find(
    (k) => row[k] !== { pod: interval.pod, node_name: interval.nodeName, pool: interval.pool, gpus: interval.gpus, tx_id: interval.txId }[k],
  );
  if (differs) return `${differs} differs from the meter's journal`;
  const start = row.start as number;
  const end = row.end as number;
  if (start < interval.start || end > interval.end || end < start) return "its period is outside the interval in the meter's journal";
  const hours = (interval.gpus * (end - start)) / MS_PER_HOUR;
  if (Math.abs((row.gpu_hours as number) - hours) > 1e-9 * Math.max(1, hours)) return `gpu_hours ${row.gpu_hours} is not gpus × hours (${hours})`;
  if (
    interval.pricePerGpuHour !== undefined &&
    Math.abs((row.cost as number) - hours * interval.pricePerGpuHour) > 1e-9 * Math.max(1, hours * interval.pricePerGpuHour)
  )
    return "cost is not gpu_hours × the pool's price";
  return undefined;
}

/** Checks each row of an audit export (not FOCUS) against the ledger and the meter's journal. */
export async function verifyExport(file: string, index: LedgerIndex, metering: AsyncIterable<MeteringRecord>): Promise<ExportCheck> {
  const journal = new Map<string, MeteringRecord>();
  for await (const interval of metering) journal.set(interval.intervalId, interval);
  const reader = await parquet.ParquetReader.openFile(file);
  const unbacked: UnbackedRow[] = [];
  let rows = 0;
  try {
    const cursor = reader.getCursor();
    for (let raw = await cursor.next(); raw; raw = await cursor.next()) {
      const row = normalizeRow(raw as Record<string, unknown>);
      const n = rows++;
      const kind = String(row.kind ?? '');
      const txId = row.tx_id as string | undefined;
      let problem: string | undefined;
      if (kind === 'metering') problem = meteringProblem(row, index, journal);
      else if (!txId) problem = 'the row names no ledger transaction';
      else if (!index.rows.has(txId)) problem = `the ledger has no transaction ${txId}`;
      else if (!index.rows.get(txId)!.has(digest(row))) problem = `the row differs from what transaction ${txId} recorded`;
      if (problem) unbacked.push({ row: n, kind, txId, problem });
    }
  } finally {
    await reader.close();
  }
  return { rows, backed: rows - unbacked.length, unbacked };
}
