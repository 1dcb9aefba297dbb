// `npm run bench -- audit`: a 1,000,000-record metering export to Parquet
// (rows/s and the exporting process's peak RSS, in a child process of its
// own so nothing else counts, with the operator's V8 flags), then DuckDB's own COPY … TO 'x.parquet' of
// the same rows (same columns, same values, GZIP, same row groups) as the
// reference, and a DuckDB read-back of both files.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportAudit } from '../src/audit/export.ts';
import type { MeteringRecord } from '../src/audit/records.ts';
import type { AuditSource } from '../src/audit/source.ts';

const ROWS = Number(process.env.BENCH_AUDIT_ROWS ?? 1_000_000);
const ROW_GROUP = 65_536;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const COUNTRIES = ['FR', 'ES', 'PL', 'DE', 'IT'];
const PROVIDERS = ['ovhcloud', 'atos', 'cloudferro', 'ionos', 'aruba'];

/** Record i of the benchmark: the same formula as the DuckDB query below. */
function record(i: number): MeteringRecord {
  const c = i % 5;
  const node = i % 5000;
  const workload = i % 500;
  const gpus = 1 + (i % 8);
  const start = T0 + i * 1000;
  const end = start + 600_000 + (i % 3600) * 1000;
  const gpuHours = (gpus * (end - start)) / 3_600_000;
  return {
    kind: 'metering',
    intervalId: `pod-${i}@${i}`,
    txId: `tx-${i % 100000}`,
    namespace: `team-${workload % 50}`,
    name: `job-${workload}`,
    pod: `pod-${i}`,
    memberCluster: `cluster-${c}`,
    pool: `pool-${c}-${i % 3}`,
    country: COUNTRIES[c],
    provider: PROVIDERS[c],
    nodeName: `node-${node}`,
    nodeDid: `did:web:nodes.example.eu:node-${node}`,
    gpuModel: i % 2 ? 'NVIDIA-H100-80GB-HBM3' : 'NVIDIA-A100-SXM4-80GB',
    resourceName: 'nvidia.com/gpu',
    gpus,
    start,
    end,
    gpuHours,
    pricePerGpuHour: 2.5,
    currency: 'EUR',
    cost: gpuHours * 2.5,
    endEstimated: false,
  };
}

const DUCKDB_ROWS = (rows: number) => `
  SELECT 'metering' AS kind, 'tx-' || (i % 100000) AS tx_id, 'pod-' || i || '@' || i AS interval_id,
    'team-' || ((i % 500) % 50) AS namespace, 'job-' || (i % 500) AS name, 'pod-' || i AS pod,
    'cluster-' || (i % 5) AS member_cluster, 'pool-' || (i % 5) || '-' || (i % 3) AS pool,
    ['FR','ES','PL','DE','IT'][(i % 5) + 1] AS country, ['ovhcloud','atos','cloudferro','ionos','aruba'][(i % 5) + 1] AS provider,
    'node-' || (i % 5000) AS node_name, 'did:web:nodes.example.eu:node-' || (i % 5000) AS node_did,
    CASE WHEN i % 2 = 1 THEN 'NVIDIA-H100-80GB-HBM3' ELSE 'NVIDIA-A100-SXM4-80GB' END AS gpu_model, 'nvidia.com/gpu' AS resource_name,
    (1 + i % 8)::BIGINT AS gpus, make_timestamptz((${T0}::BIGINT + i * 1000) * 1000) AS start,
    make_timestamptz((${T0}::BIGINT + i * 1000 + 600000 + (i % 3600) * 1000) * 1000) AS "end",
    (1 + i % 8) * (600000 + (i % 3600) * 1000) / 3600000.0 AS gpu_hours, 2.5 AS price_per_gpu_hour, 'EUR' AS currency,
    (1 + i % 8) * (600000 + (i % 3600) * 1000) / 3600000.0 * 2.5 AS cost, false AS end_estimated
  FROM range(${rows}) t(i)`;

/** The child: exports ROWS records to `file`, prints rows/s and its own peak RSS. */
async function child(file: string): Promise<void> {
  const metering = async function* () {
    for (let i = 0; i < ROWS; i++) yield record(i);
  };
  const ledger: AuditSource = { description: 'benchmark', records: async function* () {} };
  const fd = openSync(file, 'w');
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = await exportAudit({ ledger, metering }, { kind: 'metering', format: 'audit', range: {}, rowGroupSize: ROW_GROUP }, (chunk) => {
    writeSync(fd, chunk);
  });
  closeSync(fd);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  // Rows per CPU-second: what the export does with a core of its own, whatever else the machine runs.
  console.log(
    JSON.stringify({
      rows: result.rows,
      seconds,
      rowsPerSecond: Math.round(result.rows / seconds),
      cpuSeconds,
      rowsPerCpuSecond: Math.round(result.rows / cpuSeconds),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
}

export async function benchAudit(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-audit-'));
  try {
    const ours = join(dir, 'ours.parquet');
    const reference = join(dir, 'duckdb.parquet');
    const load = loadavg()[0];
    const exported = JSON.parse(
      execFileSync(process.execPath, ['--max-old-space-size=128', '--max-semi-space-size=4', fileURLToPath(import.meta.url), '--child', ours], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    ) as { rows: number; seconds: number; rowsPerSecond: number; cpuSeconds: number; rowsPerCpuSecond: number; peakRssMB: number };
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await db.run(`COPY (${DUCKDB_ROWS(ROWS)}) TO '${reference}' (FORMAT parquet, COMPRESSION gzip, ROW_GROUP_SIZE ${ROW_GROUP})`);
    const duckSeconds = (performance.now() - t0) / 1000;
    const duckCpu = process.cpuUsage(cpu0);
    const duckCpuSeconds = (duckCpu.user + duckCpu.system) / 1e6;
    const read = async (file: string) =>
      (await db.runAndReadAll(`SELECT count(*) AS n, sum(gpu_hours) AS h, count(DISTINCT node_did) AS nodes FROM '${file}'`)).getRowObjectsJson()[0];
    const [oursRead, referenceRead] = [await read(ours), await read(reference)];
    db.closeSync();
    const duckRowsPerSecond = Math.round(ROWS / duckSeconds);
    return {
      rows: ROWS,
      rowGroupSize: ROW_GROUP,
      loadAverage1m: Number(load.toFixed(2)),
      export: {
        ...exported,
        fileMB: Number((statSync(ours).size / 2 ** 20).toFixed(1)),
        goal: { rowsPerSecond: 500_000, peakRssMB: 150 },
        floor: { rowsPerSecond: 200_000, peakRssMB: 200 },
      },
      duckdbCopy: {
        seconds: Number(duckSeconds.toFixed(2)),
        rowsPerSecond: duckRowsPerSecond,
        cpuSeconds: Number(duckCpuSeconds.toFixed(2)),
        rowsPerCpuSecond: Math.round(ROWS / duckCpuSeconds),
        threads: 1,
        fileMB: Number((statSync(reference).size / 2 ** 20).toFixed(1)),
      },
      oursOverDuckdb: {
        wall: Number((exported.rowsPerSecond / duckRowsPerSecond).toFixed(2)),
        cpu: Number((exported.rowsPerCpuSecond / (ROWS / duckCpuSeconds)).toFixed(2)),
      },
      readBack: { ours: oursRead, duckdb: referenceRead, same: JSON.stringify(oursRead) === JSON.stringify(referenceRead) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]);
