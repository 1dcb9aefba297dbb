// The embedded ledger fails closed, and says where, on the failures between its own files and its head checkpoint:
// a head that cannot be checkpointed at open or after a block, and private data that cannot be stored. Each refusal
// is a LedgerUnavailableError (the controllers hold placements back on it) naming the store that failed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedLedger } from '../../../src/ledger/embedded/embedded-ledger.ts';
import { FileHeadCheckpoint, type HeadCheckpoint, type LedgerHead } from '../../../src/ledger/embedded/head-checkpoint.ts';
import { LedgerUnavailableError } from '../../../src/ledger/gateway.ts';
import { embeddedParties } from '../../ledger/embedded-parties.ts';
import { FaultyFileSystem } from '../../ledger/faulty-fs.ts';
import { operatorKey } from '../../ledger/ledger-keys.ts';
import { DATASET_DETAILS, datasetPolicy } from '../../ledger/sample-policy.ts';

let root: string;
let dir: string;
const signer = operatorKey();
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'embedded-failures-'));
  dir = join(root, 'ledger');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const anchor = (n: number) => ({ did: `did:web:issuer${n}.example.eu`, name: `Issuer ${n}`, countries: ['FR'] });

/** A checkpoint in a file whose writes can be made to fail, as a host API server that refuses the ConfigMap would. */
class SwitchableCheckpoint implements HeadCheckpoint {
  readonly where = 'ConfigMap cloud-empire/cloud-empire-ledger-head';
  refuse?: string;
  writes: number[] = [];
  private readonly file: FileHeadCheckpoint;

  constructor(path: string) {
    this.file = new FileHeadCheckpoint(path);
  }

  read(): Promise<LedgerHead | undefined> {
    return this.file.read();
  }

  async write(head: LedgerHead): Promise<void> {
    if (this.refuse) throw new Error(this.refuse);
    this.writes.push(head.height);
    await this.file.write(head);
  }
}

async function ledgerWithBlocks(checkpoint: HeadCheckpoint, blocks: number): Promise<void> {
  const ledger = await EmbeddedLedger.open(dir, { signer, checkpoint });
  const { trustAdmin } = embeddedParties(ledger);
  for (let n = 1; n <= blocks; n++) await trustAdmin.putTrustAnchor(anchor(n));
  await ledger.close();
}

describe('the embedded ledger and its head checkpoint', () => {
  it('refuses to open when a log ahead of its checkpoint cannot move the checkpoint up, then opens once it can', async () => {
    const headFile = join(root, 'head', 'head.json');
    await ledgerWithBlocks(new FileHeadCheckpoint(headFile), 2);
    // A crash between a block and its checkpoint: the log is ahead of a checkpoint that now refuses writes.
    const behind = new SwitchableCheckpoint(join(root, 'behind', 'head.json'));
    behind.refuse = 'HTTP 403: configmaps "cloud-empire-ledger-head" is forbidden';
    const refused = EmbeddedLedger.open(dir, { signer, checkpoint: behind });
    await expect(refused).rejects.toBeInstanceOf(LedgerUnavailableError);
    await expect(refused).rejects.toThrow(
      'the embedded ledger opened, but its head could not be checkpointed in ConfigMap cloud-empire/cloud-empire-ledger-head: HTTP 403: configmaps "cloud-empire-ledger-head" is forbidden',
    );
    // It closed what it opened: the same directory opens again, and the checkpoint is moved up to the log's head.
    behind.refuse = undefined;
    const ledger = await EmbeddedLedger.open(dir, { signer, checkpoint: behind });
    expect(behind.writes).toEqual([2]);
    expect((await embeddedParties(ledger).operator.listTrustAnchors()).map((a) => a.did)).toEqual([anchor(1).did, anchor(2).did]);
    await ledger.close();
  });

  it('refuses the transaction after a failed checkpoint write, names it, and catches up with the next', async () => {
    const checkpoint = new SwitchableCheckpoint(join(root, 'head', 'head.json'));
    const ledger = await EmbeddedLedger.open(dir, { signer, checkpoint });
    const { trustAdmin } = embeddedParties(ledger);
    await trustAdmin.putTrustAnchor(anchor(1));
    checkpoint.refuse = 'HTTP 503: the server is currently unable to handle the request';
    // The block is on disk; the checkpoint write runs behind the acknowledgement, so this one is acknowledged…
    await trustAdmin.putTrustAnchor(anchor(2));
    await new Promise((r) => setTimeout(r, 50));
    // …and the next learns that the checkpoint is failing and is refused until it has been written.
    const refused = trustAdmin.putTrustAnchor(anchor(3));
    await expect(refused).rejects.toBeInstanceOf(LedgerUnavailableError);
    await expect(refused).rejects.toThrow(
      'the block is on disk, but its head could not be checkpointed in ConfigMap cloud-empire/cloud-empire-ledger-head (HTTP 503: the server is currently unable to handle the request); it is retried with the next transaction',
    );
    checkpoint.refuse = undefined;
    await trustAdmin.putTrustAnchor(anchor(4));
    expect(checkpoint.writes.at(-1)).toBe(4);
    // Refused to its caller, but on disk: the anchor of the refused transaction is there, once.
    expect((await trustAdmin.listTrustAnchors()).map((a) => a.did)).toEqual([1, 2, 3, 4].map((n) => anchor(n).did));
    await ledger.close();
  });
});

describe('the embedded ledger when private data cannot be stored', () => {
  it('refuses the transaction, then every write, until reopened; nothing of it reaches a block', async () => {
    const fs = new FaultyFileSystem();
    const checkpoint = new FileHeadCheckpoint(join(root, 'head', 'head.json'), fs);
    const ledger = await EmbeddedLedger.open(dir, { signer, checkpoint, fs });
    const { tenant, trustAdmin } = embeddedParties(ledger);
    await trustAdmin.putTrustAnchor(anchor(1));
    await tenant.publishPolicy(datasetPolicy('scans'), DATASET_DETAILS);
    fs.fault = 'eio';
    const refused = tenant.publishPolicy(datasetPolicy('scans-2'), DATASET_DETAILS);
    await expect(refused).rejects.toBeInstanceOf(LedgerUnavailableError);
    await expect(refused).rejects.toThrow(/^the embedded ledger could not store private data: EIO: i\/o error, write$/);
    fs.fault = 'none';
    // Memory may be ahead of the disk now: every later write is refused, naming the first failure and the way out.
    await expect(trustAdmin.putTrustAnchor(anchor(2))).rejects.toThrow(
      'the embedded ledger stopped after a failed write (EIO: i/o error, write); restart to recover from disk',
    );
    await ledger.close();
    const reopened = await EmbeddedLedger.open(dir, { signer, checkpoint: new FileHeadCheckpoint(join(root, 'head', 'head.json')) });
    const parties = embeddedParties(reopened);
    expect((await parties.trustAdmin.listTrustAnchors()).map((a) => a.did)).toEqual([anchor(1).did]);
    expect((await parties.tenant.readDatasetDetails('scans')).location).toBe('s3://tenant/scans');
    await expect(parties.tenant.getPolicy('scans-2')).rejects.toThrow('no policy for dataset scans-2');
    await reopened.close();
  });
});
