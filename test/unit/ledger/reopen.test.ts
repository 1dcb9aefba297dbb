// A failed write stops the embedded ledger (memory would be ahead of the disk); the operator's client reopens it
// from disk on a later call, so verdicts refused while the disk failed are recorded once it works again.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedLedger } from '../../../src/ledger/embedded/embedded-ledger.ts';
import { LedgerUnavailableError } from '../../../src/ledger/gateway.ts';
import type { SovereigntyLedger } from '../../../src/ledger/ledger.ts';
import { EMBEDDED_TRUST_ADMIN_IDENTITY, openEmbeddedLedger } from '../../../src/ledger/open.ts';
import { FaultyFileSystem, type DiskFault } from '../../ledger/faulty-fs.ts';
import { ledgerOptions, operatorKey } from '../../ledger/ledger-keys.ts';

let root: string;
const signer = operatorKey();
beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'ledger-reopen-'))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

const anchor = (n: number) => ({ did: `did:web:issuer${n}.example.eu`, name: `issuer ${n}`, countries: ['FR'] });
const dir = () => join(root, 'ledger');
const options = (fs?: FaultyFileSystem) => ledgerOptions(join(root, 'head.json'), signer, fs);
const open = (fs: FaultyFileSystem, reopenIntervalMs = 0) =>
  openEmbeddedLedger(dir(), { ...options(fs), identity: EMBEDDED_TRUST_ADMIN_IDENTITY, reopenIntervalMs });

/** What a fresh process finds on disk: every block verified, the anchors the log holds. */
async function onDisk(): Promise<{ blocks: number; anchors: string[] }> {
  const store = await EmbeddedLedger.open(dir(), options());
  try {
    const { SovereigntyLedger } = await import('../../../src/ledger/ledger.ts');
    const anchors = (await new SovereigntyLedger(store.connect(EMBEDDED_TRUST_ADMIN_IDENTITY)).listTrustAnchors()).map((a) => a.did).sort();
    return { blocks: store.blocks, anchors };
  } finally {
    await store.close();
  }
}

describe.each<DiskFault>(['eio', 'enospc'])('the embedded ledger after a %s on write', (fault) => {
  it('fails closed while the disk fails, then reopens from disk and records the retried transaction once', async () => {
    const fs = new FaultyFileSystem();
    const ledger: SovereigntyLedger = await open(fs);
    await ledger.putTrustAnchor(anchor(1));
    fs.fault = fault;
    await expect(ledger.putTrustAnchor(anchor(2))).rejects.toBeInstanceOf(LedgerUnavailableError);
    // Still failing: the reopen works (reads do), the write fails again, closed.
    await expect(ledger.putTrustAnchor(anchor(2))).rejects.toBeInstanceOf(LedgerUnavailableError);
    // Reads come from the reopened ledger, so nothing unacknowledged is served.
    expect((await ledger.listTrustAnchors()).map((a) => a.did)).toEqual([anchor(1).did]);
    fs.fault = 'none';
    await ledger.putTrustAnchor(anchor(2));
    await ledger.putTrustAnchor(anchor(3));
    await ledger.close();
    expect(fs.failures).toBeGreaterThan(0);
    expect(await onDisk()).toEqual({ blocks: 3, anchors: [anchor(1).did, anchor(2).did, anchor(3).did].sort() });
    // Each anchor's transaction is in the log exactly once.
    const log = readFileSync(join(dir(), 'blocks.log'), 'utf8');
    for (const n of [1, 2, 3]) expect(log.split(`issuer${n}.example.eu`).length - 1).toBeGreaterThan(0);
    expect(log.trimEnd().split('\n')).toHaveLength(3);
  });
});

it('reopens at most once per interval, failing fast in between', async () => {
  const fs = new FaultyFileSystem();
  const ledger = await open(fs, 60_000);
  await ledger.putTrustAnchor(anchor(1));
  fs.fault = 'eio';
  await expect(ledger.putTrustAnchor(anchor(2))).rejects.toThrow(/the embedded ledger could not commit: EIO/);
  fs.fault = 'none';
  // The first reopen is due now; it works and the write goes through.
  await ledger.putTrustAnchor(anchor(2));
  fs.fault = 'eio';
  await expect(ledger.putTrustAnchor(anchor(3))).rejects.toBeInstanceOf(LedgerUnavailableError);
  fs.fault = 'none';
  // Within the interval of the last reopen: refused without touching the disk, and saying why.
  await expect(ledger.putTrustAnchor(anchor(3))).rejects.toThrow(/stopped after a failed write \(.*EIO.*\); it is reopened from disk on a later call/);
  await ledger.close();
  expect(await onDisk()).toEqual({ blocks: 2, anchors: [anchor(1).did, anchor(2).did] });
});

it('stays closed, naming the cause, when the reopened log does not verify', async () => {
  const fs = new FaultyFileSystem();
  const ledger = await open(fs);
  await ledger.putTrustAnchor(anchor(1));
  fs.fault = 'eio';
  await expect(ledger.putTrustAnchor(anchor(2))).rejects.toBeInstanceOf(LedgerUnavailableError);
  fs.fault = 'none';
  // Someone rewrote the block behind the ledger's back while it was down.
  const { writeFileSync } = await import('node:fs');
  const path = join(dir(), 'blocks.log');
  writeFileSync(path, readFileSync(path, 'utf8').replace('issuer1', 'issuerX'));
  await expect(ledger.listTrustAnchors()).rejects.toThrow(/reopening it failed: .*contents do not match its hash/);
  await ledger.close();
});
