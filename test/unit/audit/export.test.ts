import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { exportAudit, meteringFromDir } from '../../../src/audit/export.ts';
import { EmbeddedAuditSource, type AuditSource } from '../../../src/audit/source.ts';
import { federationLedger, HOUR, T0, type FederationLedger } from './federation-ledger.ts';
import { cli } from '../../helpers/cli.ts';

let fed: FederationLedger;
let db: DuckDBConnection;
let out: string;

beforeAll(async () => {
  fed = await federationLedger();
  out = dirname(fed.dir);
  db = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => {
  db?.closeSync();
  rmSync(out, { recursive: true, force: true });
});

async function query(sql: string): Promise<Record<string, unknown>[]> {
  return (await db.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

async function exported(name: string, ...args: string[]): Promise<string> {
  const file = join(out, name);
  const result = await cli('audit', 'export', '--out', file, '--ledger-dir', fed.dir, '--operator', fed.operatorDid, ...args);
  if (result.code !== 0) throw new Error(`export ${args.join(' ')} → ${result.code}: ${result.err}${result.out}`);
  return file;
}

describe('empirectl audit export, read back with DuckDB', () => {
  it('exports every kind with its ledger transaction id', async () => {
    const file = await exported('all.parquet');
    const counts = Object.fromEntries(
      (await query(`SELECT kind, count(*) AS n, count(tx_id) AS backed FROM '${file}' GROUP BY kind`)).map((r) => [r.kind, [Number(r.n), Number(r.backed)]]),
    );
    // 4 verdicts; 3 placement targets (paris placed, warsaw refused, madrid failover); grant, use, refused use, revocation; 3 intervals.
    expect(counts).toEqual({ verifications: [4, 4], placements: [3, 3], access: [4, 4], metering: [3, 3] });
    const placements = await query(
      `SELECT event, cluster, country, provider, reasons, previous_cluster FROM '${file}' WHERE kind = 'placements' ORDER BY recorded_at, cluster`,
    );
    expect(placements).toEqual([
      { event: 'placed', cluster: 'paris', country: 'FR', provider: 'ovhcloud', reasons: null, previous_cluster: null },
      { event: 'refused', cluster: 'warsaw', country: 'PL', provider: 'cloudferro', reasons: 'CountryNotAllowed', previous_cluster: null },
      { event: 'failover', cluster: 'madrid', country: 'ES', provider: 'atos', reasons: null, previous_cluster: 'paris' },
    ]);
    const access = await query(`SELECT event, reason FROM '${file}' WHERE kind = 'access' ORDER BY recorded_at, event`);
    expect(access.map((a) => `${a.event}:${a.reason ?? ''}`).sort()).toEqual(['granted:', 'refused:NodeNotBound', 'revoked:', 'used:Allowed']);
    const unverified = await query(`SELECT node_name, reason FROM '${file}' WHERE kind = 'verifications' AND NOT verified`);
    expect(unverified).toEqual([{ node_name: 'par-old-1', reason: 'EXPIRED' }]);
  });

  it('sums GPU-hours per country and provider', async () => {
    const file = await exported('metering.parquet', '--kind', 'metering');
    const byCountry = Object.fromEntries((await query(`SELECT country, sum(gpu_hours) AS h FROM '${file}' GROUP BY country`)).map((r) => [r.country, r.h]));
    const byProvider = Object.fromEntries((await query(`SELECT provider, sum(gpu_hours) AS h FROM '${file}' GROUP BY provider`)).map((r) => [r.provider, r.h]));
    expect(byCountry).toEqual(fed.gpuHours.byCountry);
    expect(byProvider).toEqual(fed.gpuHours.byProvider);
    // Priced pools: 6 × 2.5 in Paris, 12 × 1.75 in Madrid; the third pod's pool has no price.
    expect(await query(`SELECT sum(cost) AS c, count(cost) AS priced FROM '${file}'`)).toEqual([{ c: 36, priced: '2' }]);
  });

  it('filters by time: intervals are clipped to the range, ledger records kept by their time', async () => {
    const from = new Date(T0 + 2 * HOUR).toISOString();
    const to = new Date(T0 + 4 * HOUR).toISOString();
    const file = await exported('window.parquet', '--kind', 'metering', '--from', from, '--to', to);
    // p1: 2 GPUs × 1 h; p2: 4 × 1 h; p3 starts at the range's end: none of it is inside.
    expect(await query(`SELECT count(*) AS n, sum(gpu_hours) AS h, min(start)::VARCHAR AS s, max("end")::VARCHAR AS e FROM '${file}'`)).toEqual([
      { n: '2', h: 6, s: '2026-11-02 10:00:00+00', e: '2026-11-02 12:00:00+00' },
    ]);
    const none = await exported('future.parquet', '--kind', 'verifications', '--from', '2099-01-01T00:00:00Z');
    expect(await query(`SELECT count(*) AS n FROM '${none}'`)).toEqual([{ n: '0' }]);
  });

  it('writes a valid empty file with the full schema for an empty range', async () => {
    const file = await exported('empty.parquet', '--kind', 'placements', '--from', '2000-01-01', '--to', '2000-01-02');
    expect(await query(`SELECT count(*) AS n FROM '${file}'`)).toEqual([{ n: '0' }]);
    const columns = await query(`DESCRIBE SELECT * FROM '${file}'`);
    expect(columns.map((c) => c.column_name)).toEqual(expect.arrayContaining(['tx_id', 'recorded_at', 'event', 'cluster', 'country', 'approved']));
  });

  it('writes FOCUS 1.2 columns with their types', async () => {
    const file = await exported('focus.parquet', '--kind', 'metering', '--format', 'focus');
    const types = Object.fromEntries((await query(`DESCRIBE SELECT * FROM '${file}'`)).map((c) => [c.column_name, c.column_type]));
    for (const cost of ['BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost', 'PricingQuantity', 'ConsumedQuantity']) expect(types[cost]).toBe('DOUBLE');
    for (const time of ['BillingPeriodStart', 'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd']) expect(types[time]).toBe('TIMESTAMP WITH TIME ZONE');
    const strings = [
      'BillingAccountId',
      'BillingAccountName',
      'BillingCurrency',
      'ChargeCategory',
      'ChargeClass',
      'ChargeDescription',
      'InvoiceIssuerName',
      'ProviderName',
      'PublisherName',
      'PricingUnit',
      'ServiceCategory',
      'ServiceName',
      'ResourceId',
      'RegionId',
      'ConsumedUnit',
      'x_GpuModel',
      'x_Country',
      'x_NodeDid',
    ];
    for (const column of strings) expect([column, types[column]]).toEqual([column, 'VARCHAR']);
    const rows = await query(
      `SELECT ProviderName, sum(ConsumedQuantity) AS h, sum(BilledCost) AS c, min(ChargeCategory) AS cat, min(PricingUnit) AS unit, min(BillingPeriodStart)::VARCHAR AS bp FROM '${file}' GROUP BY ProviderName ORDER BY ProviderName`,
    );
    expect(rows).toEqual([
      { ProviderName: 'atos', h: 12.5, c: 21, cat: 'Usage', unit: 'GPU-Hours', bp: '2026-11-01 00:00:00+00' },
      { ProviderName: 'ovhcloud', h: 6, c: 15, cat: 'Usage', unit: 'GPU-Hours', bp: '2026-11-01 00:00:00+00' },
    ]);
  });

  it('refuses a bad --from with the field and an example (exit 2), writing nothing', async () => {
    const file = join(out, 'bad.parquet');
    const result = await cli('audit', 'export', '--out', file, '--ledger-dir', fed.dir, '--from', 'last tuesday');
    expect(result.code).toBe(2);
    expect(result.err).toContain('--from "last tuesday" is not an ISO 8601 instant');
    expect(result.err).toContain('2026-11-01T00:00:00Z');
    expect((await cli('audit', 'export', '--out', file, '--ledger-dir', fed.dir, '--kind', 'placements', '--format', 'focus')).code).toBe(2);
    expect(() => readFileSync(file)).toThrow();
  });

  it('refuses to export from a ledger whose blocks were altered (exit 3)', async () => {
    const copy = join(out, 'altered');
    rmSync(copy, { recursive: true, force: true });
    const { cpSync } = await import('node:fs');
    cpSync(fed.dir, copy, { recursive: true });
    const blocks = join(copy, 'blocks.log');
    writeFileSync(blocks, readFileSync(blocks, 'utf8').replace('"countryCode\\":\\"ES\\"', '"countryCode\\":\\"DE\\"'));
    const result = await cli('audit', 'export', '--out', join(out, 'x.parquet'), '--ledger-dir', copy);
    expect(result.code).toBe(3);
    expect(result.out).toContain('do not match its hash');
  });
});

describe('empirectl audit verify', () => {
  /** The ledger's records with one field of one row changed, as someone editing an export would. */
  function tampered(source: AuditSource, change: (record: Record<string, unknown>) => boolean): AuditSource {
    return {
      description: source.description,
      async *records() {
        let done = false;
        for await (const record of source.records()) {
          const copy = { ...record } as Record<string, unknown>;
          if (!done && change(copy)) done = true;
          yield copy as never;
        }
      },
    };
  }

  it('backs every row of an honest export (exit 0) and lists a tampered one (exit 3)', async () => {
    const honest = await exported('honest.parquet');
    const ok = await cli('audit', 'verify', honest, '--ledger-dir', fed.dir, '--operator', fed.operatorDid);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.out).toContain('14 rows, 14 backed');

    const file = join(out, 'tampered.parquet');
    const chunks: Buffer[] = [];
    const source = tampered(new EmbeddedAuditSource(fed.dir), (r) => r.kind === 'placements' && r.cluster === 'madrid' && ((r.country = 'DE'), true));
    await exportAudit(
      { ledger: source, metering: meteringFromDir(fed.dir) },
      { kind: 'all', format: 'audit', range: {} },
      (c) => void chunks.push(Buffer.from(c)),
    );
    writeFileSync(file, Buffer.concat(chunks));
    const bad = await cli('audit', 'verify', file, '--ledger-dir', fed.dir, '-o', 'json');
    expect(bad.code).toBe(3);
    const check = JSON.parse(bad.out) as { rows: number; unbacked: { kind: string; txId: string; problem: string }[] };
    expect(check.rows).toBe(14);
    expect(check.unbacked).toEqual([
      { row: expect.any(Number), kind: 'placements', txId: fed.placementTx.madrid, problem: expect.stringContaining('differs from what transaction') },
    ]);
  });

  it('lists a metering row whose GPU-hours were raised', async () => {
    const file = join(out, 'raised.parquet');
    const chunks: Buffer[] = [];
    const metering = async function* () {
      for await (const interval of meteringFromDir(fed.dir)()) yield interval.pod.endsWith('p2') ? { ...interval, gpuHours: interval.gpuHours * 2 } : interval;
    };
    await exportAudit(
      { ledger: new EmbeddedAuditSource(fed.dir), metering },
      { kind: 'metering', format: 'audit', range: {} },
      (c) => void chunks.push(Buffer.from(c)),
    );
    writeFileSync(file, Buffer.concat(chunks));
    const bad = await cli('audit', 'verify', file, '--ledger-dir', fed.dir);
    expect(bad.code).toBe(3);
    expect(bad.out).toMatch(/row \d \(metering, tx [0-9a-f]+\): gpu_hours 24 is not gpus × hours \(12\)/);
  });
});
