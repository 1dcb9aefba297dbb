import { EmbeddedLedger } from '../../../src/ledger/embedded/embedded-ledger.ts';
import { LedgerOutbox } from '../../../src/ledger/outbox.ts';
import { CrashFileSystem } from '../../ledger/crash-fs.ts';
import { embeddedParties } from '../../ledger/embedded-parties.ts';
import { ledgerOptions, operatorKey } from '../../ledger/ledger-keys.ts';
import { DATASET_DETAILS, datasetPolicy } from '../../ledger/sample-policy.ts';

// Each test crashes an in-memory file system that keeps only what was synced
// (file data after fsync, names after their directory's fsync), so removing
// any of the syncs the durable files rely on turns one of these red.

const ISSUER = 'did:web:issuer.example.eu';
const signer = operatorKey();
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
const policy = datasetPolicy();
const details = DATASET_DETAILS;

const openOn = (fs: CrashFileSystem) => EmbeddedLedger.open('/data/ledger', ledgerOptions('/data/head/head.json', signer, fs));

describe('embedded ledger durability', () => {
  it('keeps every acknowledged transaction, public and private, through a crash right after its acknowledgement', async () => {
    const fs = new CrashFileSystem('/data');
    const ledger = await openOn(fs);
    const { operator, trustAdmin, tenant } = embeddedParties(ledger);
    // What each acknowledged fact must read after a crash (the latest for each).
    const checks = new Map<string, (parties: ReturnType<typeof embeddedParties>) => Promise<void>>();
    const survives = async () => {
      const after = await openOn(fs.crash());
      for (const check of checks.values()) await check(embeddedParties(after));
      await after.close();
    };
    await trustAdmin.syncTrustAnchors([{ did: ISSUER, name: 'Issuer', countries: ['FR'] }]);
    checks.set('anchors', async (p) => expect((await p.provider.listTrustAnchors()).map((a) => a.did)).toEqual([ISSUER]));
    await survives();
    await operator.recordAttestation(attestation('gpu-1'));
    checks.set('gpu-1', async (p) => expect(await p.provider.getAttestation('paris', 'gpu-1')).toMatchObject({ verified: true }));
    await survives();
    await tenant.publishPolicy(policy, details);
    checks.set('scans', async (p) => expect(await p.tenant.readDatasetDetails('scans')).toEqual(details));
    await survives();
    await Promise.all([operator.recordAttestation(attestation('gpu-1', false)), operator.recordAttestation(attestation('gpu-2'))]);
    checks.set('gpu-1', async (p) => expect(await p.provider.getAttestation('paris', 'gpu-1')).toMatchObject({ verified: false, reason: 'REVOKED' }));
    checks.set('gpu-2', async (p) => expect(await p.provider.getAttestation('paris', 'gpu-2')).toMatchObject({ verified: true }));
    await survives();
    await ledger.close();
  });

  it('writes a block only after the private data it names is synced', async () => {
    const fs = new CrashFileSystem('/data');
    const ledger = await openOn(fs);
    const { tenant } = embeddedParties(ledger);
    await tenant.publishPolicy(policy, details);
    await ledger.close();
    const ops = fs.operations;
    const privateSync = ops.indexOf('sync /data/ledger/private/TenantMSP.jsonl');
    const blockWrite = ops.lastIndexOf('write /data/ledger/blocks.log');
    expect(privateSync).toBeGreaterThan(ops.indexOf('write /data/ledger/private/TenantMSP.jsonl'));
    expect(privateSync).toBeLessThan(blockWrite);
  });

  it('keeps an acknowledged outbox entry, and an acknowledged removal, through a crash', () => {
    const fs = new CrashFileSystem('/data');
    const outbox = LedgerOutbox.open('/data/outbox', fs);
    outbox.add(attestation('a'));
    expect(
      LedgerOutbox.open('/data/outbox', fs.crash())
        .entries()
        .map((e) => e.record.nodeName),
    ).toEqual(['a']);
    outbox.add(attestation('b'));
    outbox.add(attestation('c'));
    outbox.remove(new Set([outbox.entries()[0].id]));
    expect(
      LedgerOutbox.open('/data/outbox', fs.crash())
        .entries()
        .map((e) => e.record.nodeName),
    ).toEqual(['b', 'c']);
  });
});
