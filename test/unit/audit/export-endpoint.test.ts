import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { startHttp, type OperatorHttp } from '../../../src/operator/http.ts';
import { auditExportRoute, type AuditAuthorizer } from '../../../src/operator/audit-route.ts';
import { capturingLogger } from '../../helpers/secret-scan.ts';
import { federationLedger, type FederationLedger } from './federation-ledger.ts';

let fed: FederationLedger;
let http: OperatorHttp;
const TOKENS: Record<string, string> = { 'auditor-token': 'system:serviceaccount:finance:exporter', 'intern-token': 'intern' };
let reviewsFail = false;

const authorizer: AuditAuthorizer = {
  async authorize(token) {
    if (reviewsFail) throw new Error('connect ECONNREFUSED 10.0.0.1:443 (secret detail)');
    if (!token) return { allowed: false, status: 401, reason: 'send a bearer token (Authorization: Bearer …)' };
    const user = TOKENS[token];
    if (!user) return { allowed: false, status: 401, reason: 'the token is not valid' };
    if (user === 'intern') return { allowed: false, status: 403, reason: 'intern may not get /audit/export' };
    return { allowed: true, user };
  },
};

beforeAll(async () => {
  fed = await federationLedger();
  http = await startHttp({
    host: '127.0.0.1',
    port: 0,
    ready: () => true,
    routes: { '/audit/export': auditExportRoute({ ledgerDir: fed.dir, fabric: false, authorizer, log: capturingLogger().log }) },
  });
});
afterAll(async () => {
  await http?.close();
  rmSync(dirname(fed.dir), { recursive: true, force: true });
});

const get = (query: string, token?: string) =>
  fetch(`http://${http.address}/audit/export${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('GET /audit/export', () => {
  it('refuses anonymous, unknown and unauthorized callers', async () => {
    expect((await get('')).status).toBe(401);
    expect((await get('', 'forged')).status).toBe(401);
    const forbidden = await get('', 'intern-token');
    expect(forbidden.status).toBe(403);
    expect(await forbidden.text()).toContain('may not get /audit/export');
  });

  it('answers 503 without the API error when the review cannot be made', async () => {
    reviewsFail = true;
    try {
      const answer = await get('', 'auditor-token');
      expect(answer.status).toBe(503);
      expect(await answer.text()).not.toMatch(/ECONNREFUSED|secret/);
    } finally {
      reviewsFail = false;
    }
  });

  it('names a bad parameter with an example', async () => {
    const bad = await get('?kind=metering&from=yesterday', 'auditor-token');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/^from "yesterday" is not an ISO 8601 instant.*2026-11-01T00:00:00Z/);
  });

  it('streams the Parquet export to an authorized caller', async () => {
    const answer = await get('?kind=metering&format=focus', 'auditor-token');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    const file = join(dirname(fed.dir), 'served.parquet');
    writeFileSync(file, Buffer.from(await answer.arrayBuffer()));
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const rows = (await db.runAndReadAll(`SELECT x_Country AS c, sum(ConsumedQuantity) AS h FROM '${file}' GROUP BY 1 ORDER BY 1`)).getRowObjectsJson();
    db.closeSync();
    expect(rows).toEqual([
      { c: 'ES', h: 12.5 },
      { c: 'FR', h: 6 },
    ]);
  });
});
