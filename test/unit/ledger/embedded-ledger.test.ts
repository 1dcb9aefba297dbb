import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as empirectl } from '../../../src/cli/empirectl.ts';
import { EmbeddedLedger } from '../../../src/ledger/embedded/embedded-ledger.ts';
import { verifyLedger } from '../../../src/ledger/embedded/verify.ts';
import type { WorldState } from '../../../src/ledger/embedded/world-state.ts';
import { embeddedParties } from '../../ledger/embedded-parties.ts';
import { ledgerOptions, operatorKey } from '../../ledger/ledger-keys.ts';
import { DATASET_DETAILS, datasetPolicy } from '../../ledger/sample-policy.ts';

let root: string;
let dir: string;
let headFile: string;
const signer = operatorKey();
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'embedded-ledger-'));
  dir = join(root, 'ledger');
  headFile = join(root, 'head', 'head.json');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const open = () => EmbeddedLedger.open(dir, ledgerOptions(headFile, signer));
const head = () => JSON.parse(readFileSync(headFile, 'utf8')) as { height: number; hash: string };

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
const policy = datasetPolicy();
const details = DATASET_DETAILS;

async function populate(): Promise<void> {
  const ledger = await open();
  const { operator, tenant, trustAdmin } = embeddedParties(ledger);
  await trustAdmin.syncTrustAnchors(ANCHORS);
  for (let i = 0; i < 5; i++) await operator.recordAttestation(attestation(`gpu-${i}`));
  await tenant.publishPolicy(policy, details);
  await operator.recordAttestation(attestation('gpu-0', false));
  await ledger.close();
}

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await empirectl(
    args,
    (l) => lines.push(l),
    (l) => lines.push(l),
  );
  return { code, out: lines.join('\n') };
}

describe('EmbeddedLedger', () => {
  it('keeps each world-state value in memory of its own size, not in a pooled slab shared with short-lived buffers', async () => {
    const ledger = await open();
    const { operator, trustAdmin } = embeddedParties(ledger);
    await trustAdmin.syncTrustAnchors(ANCHORS);
    const keys = 400;
    // Each attestation of a new node is a new world-state key of ~0.5 KB, written among the block's short-lived Buffers.
    for (let i = 0; i < keys; i++) await operator.recordAttestation(attestation(`node-${i}`));
    // The bytes each value keeps alive: a value sliced from a 64 KB pool slab pins the whole slab for the ledger's lifetime.
    // (Read from the world state rather than process.memoryUsage(), which other test files in the same worker move.)
    const state = (ledger as unknown as { state: WorldState }).state;
    let pinned = 0;
    let count = 0;
    for (const [, { value }] of state.range('', '\uffff')) {
      pinned += value.buffer.byteLength;
      count++;
    }
    await ledger.close();
    expect(count).toBeGreaterThanOrEqual(keys);
    expect(pinned / count).toBeLessThan(2_048);
  });

  it('rebuilds its world state and private data from disk after a restart', async () => {
    await populate();
    const ledger = await open();
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
    const ledger = await open();
    const { operator, trustAdmin } = embeddedParties(ledger);
    await trustAdmin.syncTrustAnchors(ANCHORS);
    const receipts = await Promise.all(Array.from({ length: 200 }, (_, i) => operator.recordAttestation(attestation(`node-${i}`))));
    expect(new Set(receipts.map((r) => r.txId)).size).toBe(200);
    expect(ledger.blocks).toBeLessThan(200);
    await ledger.close();
    expect(verifyLedger(dir, { operator: signer })).toMatchObject({ ok: true, transactions: 201 });
  });

  it('recovers from a torn last block: the acknowledged state is intact and the chain goes on', async () => {
    await populate();
    appendFileSync(join(dir, 'blocks.log'), '{"number":8,"prevHash":"0f3a","timestamp":"2026-11-24T10:00:00Z","txs":[{"txId":"to');
    expect(await cli('ledger', 'verify', '--dir', dir, '--operator', signer.did)).toMatchObject({ code: 0, out: expect.stringContaining('torn last write') });
    const ledger = await open();
    expect(ledger.recoveredTornWrite).toBe(true);
    expect(ledger.blocks).toBe(8);
    const { operator, tenant } = embeddedParties(ledger);
    expect(await tenant.readDatasetDetails('scans')).toEqual(details);
    await operator.recordAttestation(attestation('gpu-9'));
    await ledger.close();
    expect(verifyLedger(dir, { operator: signer })).toMatchObject({ ok: true, blocks: 9, tornTail: false });
  });

  it('names the first altered block when a byte of an old block is flipped, and refuses to open', async () => {
    await populate();
    const path = join(dir, 'blocks.log');
    const bytes = readFileSync(path);
    const lines = bytes.toString('utf8').split('\n');
    const offset = Buffer.byteLength(lines.slice(0, 3).join('\n') + '\n') + lines[3].indexOf('gpu-2');
    bytes[offset + 4] ^= 0x01; // 'gpu-2' becomes 'gpu-3' in block 3
    writeFileSync(path, bytes);
    const result = await cli('ledger', 'verify', '--dir', dir, '--operator', signer.did);
    expect(result.code).toBe(3);
    expect(result.out).toContain('first bad block: 3');
    await expect(open()).rejects.toThrow(/block 3's contents do not match its hash/);
  });

  it('ignores private data of a transaction that never reached a block, and flags a private value altered at rest', async () => {
    await populate();
    const store = join(dir, 'private', 'TenantMSP.jsonl');
    appendFileSync(store, `${JSON.stringify({ txId: 'never-committed', collection: '_implicit_org_TenantMSP', key: 'x', value: 'y' })}\n`);
    expect(verifyLedger(dir, { operator: signer })).toMatchObject({ ok: true });
    const ledger = await open();
    await ledger.close();
    writeFileSync(store, readFileSync(store, 'utf8').replace('s3://tenant/scans', 's3://attacker/scans'));
    const check = verifyLedger(dir, { operator: signer });
    expect(check).toMatchObject({ ok: false, privateDataMismatches: [expect.objectContaining({ collection: '_implicit_org_TenantMSP', missing: false })] });
    await expect(open()).rejects.toThrow(/private value .*scans.* of _implicit_org_TenantMSP .* does not match the hash in its block/);
  });

  it('refuses to open when a private store was deleted, and verify names what is missing', async () => {
    await populate();
    unlinkSync(join(dir, 'private', 'TenantMSP.jsonl'));
    expect(verifyLedger(dir, { operator: signer })).toMatchObject({ ok: false, privateDataMismatches: [expect.objectContaining({ missing: true })] });
    await expect(open()).rejects.toThrow(/is missing from TenantMSP's private store/);
  });

  it('refuses a garbage line inside a private store with the file and line, not a SyntaxError', async () => {
    await populate();
    const store = join(dir, 'private', 'TenantMSP.jsonl');
    writeFileSync(store, `not json\n${readFileSync(store, 'utf8')}`);
    expect(verifyLedger(dir, { operator: signer })).toMatchObject({
      ok: false,
      problem: expect.stringContaining('TenantMSP.jsonl: line 1 is not a complete record'),
    });
    await expect(open()).rejects.toThrow(/TenantMSP.jsonl: line 1 is not a complete record/);
  });

  it('checkpoints its head outside the volume and refuses a log cut off or emptied behind it', async () => {
    await populate();
    expect(head()).toMatchObject({ height: 8 });
    const path = join(dir, 'blocks.log');
    const lines = readFileSync(path, 'utf8').split('\n');
    truncateSync(path, Buffer.byteLength(lines.slice(0, 7).join('\n') + '\n')); // the revocation in block 7 is cut off
    await expect(open()).rejects.toThrow(/holds 7 block\(s\), but file .*head.json says the ledger reached block 8/);
    const byHead = await cli('ledger', 'verify', '--dir', dir, '--operator', signer.did, '--expect-head', `${head().height}:${head().hash}`);
    expect(byHead).toMatchObject({ code: 3, out: expect.stringContaining('cut off') });
    writeFileSync(path, '');
    await expect(open()).rejects.toThrow(/holds 0 block\(s\)/);
  });

  it('refuses blocks not signed by the operator, and verify says so', async () => {
    await populate();
    const other = operatorKey();
    await expect(EmbeddedLedger.open(dir, ledgerOptions(join(root, 'other-head.json'), other))).rejects.toThrow(/block 0 is not signed by the operator/);
    expect(await cli('ledger', 'verify', '--dir', dir, '--operator', other.did)).toMatchObject({
      code: 3,
      out: expect.stringContaining('first bad block: 0 (no block verifies;'),
    });
  });

  it('acknowledges a repeated, unchanged transaction only once the block holding its effect is on disk', async () => {
    const ledger = await open();
    const { operator, trustAdmin } = embeddedParties(ledger);
    await trustAdmin.syncTrustAnchors(ANCHORS);
    const first = operator.recordAttestation(attestation('gpu-1'));
    const repeat = operator.recordAttestation(attestation('gpu-1'));
    let firstDone = false;
    void first.then(() => (firstDone = true));
    const receipt = await repeat;
    expect(firstDone).toBe(true);
    expect(receipt.blockNumber).toBeUndefined();
    await ledger.close();
    expect(head().height).toBe(ledger.blocks);
  });

  it('exits 2 with the cause when there is no ledger to verify', async () => {
    expect(await cli('ledger', 'verify', '--dir', dir)).toMatchObject({ code: 2, out: expect.stringContaining('--operator is required') });
    expect(await cli('ledger', 'verify', '--dir', join(dir, 'nowhere'), '--operator', signer.did)).toMatchObject({
      code: 2,
      out: expect.stringContaining('holds no embedded ledger'),
    });
    expect(await cli('ledger', 'check')).toMatchObject({ code: 2, out: expect.stringMatching(/unknown command 'check'\nCommands: verify, /) });
  });
});
