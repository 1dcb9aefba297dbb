import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { newIdentity } from '../../../src/trust/issue.ts';
import { didOf, federationLedger, HOUR, T0, type FederationLedger } from './federation-ledger.ts';
import { cli } from '../../helpers/cli.ts';

let fed: FederationLedger;
let dir: string;
let keyFile: string;

beforeAll(async () => {
  fed = await federationLedger();
  dir = dirname(fed.dir);
  keyFile = join(dir, 'operator-key.jwk');
  writeFileSync(keyFile, JSON.stringify(fed.operatorKey));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The certificate with its payload changed and the operator's signature kept, as a forger would. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function alter(jwt: string, change: (subject: Record<string, any>) => void): string {
  const [header, payload, signature] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  change(claims.vc.credentialSubject);
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

describe('empirectl audit certificate', () => {
  let jwt: string;
  const file = () => join(dir, 'llm.jwt');

  it('states where the workload ran, signed by the operator', async () => {
    const to = new Date(Date.now() + 60_000).toISOString();
    const made = await cli(
      'audit',
      'certificate',
      'fw/llm',
      '-n',
      'research',
      '--to',
      to,
      '--key',
      keyFile,
      '--ledger-dir',
      fed.dir,
      '--operator',
      fed.operatorDid,
      '--out',
      file(),
    );
    expect(made).toMatchObject({ code: 0 });
    expect(JSON.parse(made.out)).toMatchObject({ clusters: ['madrid', 'paris'], countries: ['ES', 'FR'], providers: ['atos', 'ovhcloud'] });
    jwt = (await import('node:fs')).readFileSync(file(), 'utf8').trim();
    const subject = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')).vc.credentialSubject;
    // Refused targets are not places it ran; each node names its attestation's transaction.
    expect(subject.placements.map((p: { event: string; cluster: string }) => `${p.event}:${p.cluster}`)).toEqual([
      'placed:paris',
      'refused:warsaw',
      'failover:madrid',
    ]);
    expect(subject.nodes.map((n: { did: string; verified: boolean; txId: string }) => [n.did, n.verified, typeof n.txId])).toEqual([
      [didOf('mad-a100-1'), true, 'string'],
      [didOf('par-h100-1'), true, 'string'],
      [didOf('waw-mi300-1'), true, 'string'],
    ]);
    expect(subject.ran).toHaveLength(3);
    expect(subject.ran[0]).toMatchObject({
      cluster: 'paris',
      nodeDid: didOf('par-h100-1'),
      from: new Date(T0).toISOString(),
      to: new Date(T0 + 3 * HOUR).toISOString(),
      gpuHours: 6,
      placementTxId: fed.placementTx.paris,
    });
  });

  it('verifies offline and against the ledger', async () => {
    const offline = await cli('audit', 'certificate', 'verify', file(), '--operator', fed.operatorDid);
    expect(offline).toMatchObject({ code: 0 });
    expect(JSON.parse(offline.out)).toMatchObject({ verified: true, checkedAgainstLedger: false, countries: ['ES', 'FR'] });
    const online = await cli('audit', 'certificate', 'verify', file(), '--operator', fed.operatorDid, '--ledger-dir', fed.dir);
    expect(JSON.parse(online.out)).toMatchObject({ verified: true, checkedAgainstLedger: true });
  });

  it('refuses a certificate with one altered claim, or one from another key', async () => {
    const altered = join(dir, 'altered.jwt');
    writeFileSync(
      altered,
      alter(jwt, (s) => (s.countries = ['ES', 'FR', 'US'])),
    );
    const result = await cli('audit', 'certificate', 'verify', altered, '--operator', fed.operatorDid);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.out)).toMatchObject({ verified: false, problem: expect.stringContaining('altered or forged') });

    const other = newIdentity({ method: 'key' });
    const otherKey = join(dir, 'other.jwk');
    writeFileSync(otherKey, JSON.stringify(other.key));
    const forged = join(dir, 'forged.jwt');
    expect((await cli('audit', 'certificate', 'fw/llm', '-n', 'research', '--key', otherKey, '--ledger-dir', fed.dir, '--out', forged)).code).toBe(0);
    const wrong = await cli('audit', 'certificate', 'verify', forged, '--operator', fed.operatorDid);
    expect(wrong.code).toBe(3);
    expect(JSON.parse(wrong.out).problem).toContain(`not by the operator ${fed.operatorDid}`);
  });

  it('refuses, against the ledger, a claim re-signed by the operator that the ledger does not hold', async () => {
    const { signCertificate, verifyCertificate } = await import('../../../src/audit/certificate.ts');
    const claims = verifyCertificate(jwt).claims!;
    const resigned = join(dir, 'resigned.jwt');
    writeFileSync(
      resigned,
      signCertificate({ ...claims, nodes: claims.nodes.map((n) => (n.nodeName === 'mad-a100-1' ? { ...n, country: 'FR' } : n)) }, fed.operatorKey),
    );
    expect((await cli('audit', 'certificate', 'verify', resigned, '--operator', fed.operatorDid)).code).toBe(0);
    const online = await cli('audit', 'certificate', 'verify', resigned, '--operator', fed.operatorDid, '--ledger-dir', fed.dir);
    expect(online.code).toBe(3);
    expect(JSON.parse(online.out).problem).toContain('nodes differ');
  });

  it('names the workload argument and the period it needs', async () => {
    expect(await cli('audit', 'certificate', 'llm', '--key', keyFile, '--ledger-dir', fed.dir)).toMatchObject({
      code: 2,
      err: expect.stringContaining('write fw/NAME'),
    });
    expect(await cli('audit', 'certificate', 'fw/llm', '--from', 'yesterday', '--key', keyFile, '--ledger-dir', fed.dir)).toMatchObject({
      code: 2,
      err: expect.stringContaining('--from'),
    });
  });
});
