import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as empirectl } from '../../../src/cli/empirectl.ts';
import { EmbeddedLedger } from '../../../src/ledger/embedded/embedded-ledger.ts';
import { verifyLedger } from '../../../src/ledger/embedded/verify.ts';
import { embeddedParties } from '../../ledger/embedded-parties.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'embedded-ledger-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const attestation = (nodeName: string, verified = true) => ({
  sovereignNode: nodeName,
  memberCluster: 'paris',
  nodeName,
  did: `did:web:nodes.example.eu:${nodeName}`,
  verified,
  reason: verified ? 'VERIFIED' : 'REVOKED',
  issuer: ISSUER,
  countryCode: 'FR',
  jurisdiction: 'EU',
  credentialDigest: 'b'.repeat(64),
  observedAt: '2026-11-24T10:00:00Z',
});
const ISSUER = 'did:web:issuer.example.eu';
const ANCHORS = [{ did: ISSUER, name: 'Example issuer', countries: ['FR'] }];
const policy = { datasetId: 'scans', allowedJurisdictions: ['EU'], allowedCountries: [], allowedProviders: [], allowedPurposes: ['inference'], verifiedNodesOnly: true, grantTtlSeconds: 600 };
const details = { location: 's3://tenant/scans', keyReference: 'kms://tenant/k1' };

async function populate(): Promise<void> {
  const ledger = EmbeddedLedger.open(dir);
  const { operator, tenant, trustAdmin } = embeddedParties(ledger);
  await trustAdmin.syncTrustAnchors(ANCHORS);
  for (let i = 0; i < 5; i++) await operator.recordAttestation(attestation(`gpu-${i}`));
  await tenant.publishPolicy(policy, details);
  await operator.recordAttestation(attestation('gpu-0', false));
  await ledger.close();
}

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await empirectl(args, (l) => lines.push(l), (l) => lines.push(l));
  return { code, out: lines.join('\n') };
}

describe('EmbeddedLedger', () => {
  it('rebuilds its world state and private data from disk after a restart', async () => {
    await populate();
    const ledger = EmbeddedLedger.open(dir);
    const { operator, tenant, provider } = embeddedParties(ledger);
    expect(ledger.blocks).toBe(8);
    expect(await provider.getAttestation('paris', 'gpu-0')).toMatchObject({ verified: false, reason: 'REVOKED' });
    expect(await provider.getAttestation('paris', 'gpu-4')).toMatchObject({ verified: true });
    expect(await tenant.readDatasetDetails('scans')).toEqual(details);
    // Recording the same verdict again changes nothing and adds no block.
    const again = await operator.recordAttestation(attestation('gpu-4'));
    expect(again.blockNumber).toBeUndefined();
    expect(ledger.blocks).toBe(8);
    await ledger.close();
  });

  it('commits concurrent submissions in shared blocks and acknowledges each after its block', async () => {
    const ledger = EmbeddedLedger.open(dir);
    const { operator, trustAdmin } = embeddedParties(ledger);
    await trustAdmin.syncTrustAnchors(ANCHORS);
    const receipts = await Promise.all(Array.from({ length: 200 }, (_, i) => operator.recordAttestation(attestation(`node-${i}`))));
    expect(new Set(receipts.map((r) => r.txId)).size).toBe(200);
    expect(ledger.blocks).toBeLessThan(200);
    await ledger.close();
    expect(verifyLedger(dir)).toMatchObject({ ok: true, transactions: 201 });
  });

  it('recovers from a torn last block: the acknowledged state is intact and the chain goes on', async () => {
    await populate();
    appendFileSync(join(dir, 'blocks.log'), '{"number":8,"prevHash":"0f3a","timestamp":"2026-11-24T10:00:00Z","txs":[{"txId":"to');
    expect(await cli('ledger', 'verify', '--dir', dir)).toMatchObject({ code: 0, out: expect.stringContaining('torn last write') });
    const ledger = EmbeddedLedger.open(dir);
    expect(ledger.recoveredTornWrite).toBe(true);
    expect(ledger.blocks).toBe(8);
    const { operator, tenant } = embeddedParties(ledger);
    expect(await tenant.readDatasetDetails('scans')).toEqual(details);
    await operator.recordAttestation(attestation('gpu-9'));
    await ledger.close();
    expect(verifyLedger(dir)).toMatchObject({ ok: true, blocks: 9, tornTail: false });
  });

  it('names the first altered block when a byte of an old block is flipped, and refuses to open', async () => {
    await populate();
    const path = join(dir, 'blocks.log');
    const bytes = readFileSync(path);
    const lines = bytes.toString('utf8').split('\n');
    const offset = Buffer.byteLength(lines.slice(0, 3).join('\n') + '\n') + lines[3].indexOf('gpu-2');
    bytes[offset + 4] ^= 0x01; // 'gpu-2' becomes 'gpu-3' in block 3
    writeFileSync(path, bytes);
    const result = await cli('ledger', 'verify', '--dir', dir);
    expect(result.code).toBe(3);
    expect(result.out).toContain('first bad block: 3');
    expect(() => EmbeddedLedger.open(dir)).toThrow(/block 3's contents do not match its hash/);
  });

  it('ignores private data of a transaction that never reached a block, and flags a private value altered at rest', async () => {
    await populate();
    const store = join(dir, 'private', 'TenantMSP.jsonl');
    appendFileSync(store, `${JSON.stringify({ txId: 'never-committed', collection: '_implicit_org_TenantMSP', key: 'x', value: 'y' })}\n`);
    expect(verifyLedger(dir)).toMatchObject({ ok: true });
    writeFileSync(store, readFileSync(store, 'utf8').replace('s3://tenant/scans', 's3://attacker/scans'));
    const check = verifyLedger(dir);
    expect(check).toMatchObject({ ok: false, privateDataMismatches: [expect.objectContaining({ collection: '_implicit_org_TenantMSP' })] });
    const ledger = EmbeddedLedger.open(dir);
    await expect(embeddedParties(ledger).tenant.readDatasetDetails('scans')).rejects.toMatchObject({ code: 'NotFound' });
    await ledger.close();
  });

  it('exits 2 with the cause when there is no ledger to verify', async () => {
    expect(await cli('ledger', 'verify', '--dir', join(dir, 'nowhere'))).toMatchObject({ code: 2, out: expect.stringContaining('holds no embedded ledger') });
    expect(await cli('ledger', 'check')).toMatchObject({ code: 2, out: expect.stringMatching(/unknown command 'check'\nCommands: verify, /) });
  });
});
