// What a restarted operator rebuilds from the blocks alone, and the embedded ledger's edges: deletes replayed,
// transaction times that never go back, refusals with their names, stray files left alone, one signature format.
import type { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signedBytes } from '../../../src/ledger/embedded/block-signature.ts';
import { EmbeddedLedger, LedgerIntegrityError, type LedgerTransaction } from '../../../src/ledger/embedded/embedded-ledger.ts';
import { blocksPath, privateDirOf } from '../../../src/ledger/embedded/files.ts';
import type { Block } from '../../../src/ledger/embedded/block-log.ts';
import { LedgerContractError } from '../../../src/ledger/gateway.ts';
import { EMBEDDED_OPERATOR_IDENTITY } from '../../../src/ledger/open.ts';
import { embeddedParties, TRUST_ADMIN } from '../../ledger/embedded-parties.ts';
import { ledgerOptions, operatorKey } from '../../ledger/ledger-keys.ts';
import { DATASET_DETAILS, datasetPolicy } from '../../ledger/sample-policy.ts';
import { nodeFileSystem, type FileSystem } from '../../../src/util/file-system.ts';

let root: string;
let dir: string;
const signer = operatorKey();
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'embedded-replay-'));
  dir = join(root, 'ledger');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const open = (now?: () => number) => EmbeddedLedger.open(dir, { ...ledgerOptions(join(root, 'head.json'), signer), now });
const anchor = (n: number) => ({ did: `did:web:issuer${n}.example.eu`, name: `issuer ${n}`, countries: ['FR'] });
const blocksOnDisk = () =>
  readFileSync(blocksPath(dir), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Block<LedgerTransaction>);

it('replays a deleted key as deleted: a removed trust anchor stays removed after a restart', async () => {
  const first = await open();
  await embeddedParties(first).trustAdmin.syncTrustAnchors([anchor(1), anchor(2), anchor(3)]);
  await embeddedParties(first).trustAdmin.removeTrustAnchor(anchor(2).did);
  await first.close();
  const second = await open();
  try {
    expect((await embeddedParties(second).trustAdmin.listTrustAnchors()).map((a) => a.did).sort()).toEqual([anchor(1).did, anchor(3).did]);
  } finally {
    await second.close();
  }
});

it('stamps transactions with its clock, and never earlier than the last one, even after a restart with a clock set back', async () => {
  const t0 = Date.parse('2026-12-02T10:00:00.000Z');
  const first = await open(() => t0);
  await embeddedParties(first).trustAdmin.putTrustAnchor(anchor(1));
  await first.close();
  // The host's clock stepped back an hour while the operator was down.
  const second = await open(() => t0 - 3_600_000);
  await embeddedParties(second).trustAdmin.putTrustAnchor(anchor(2));
  await second.close();
  const third = await open(() => t0 + 5_000);
  await embeddedParties(third).trustAdmin.putTrustAnchor(anchor(3));
  await third.close();
  expect(blocksOnDisk().map((b) => b.txs[0]!.timestamp)).toEqual(['2026-12-02T10:00:00.000Z', '2026-12-02T10:00:00.000Z', '2026-12-02T10:00:05.000Z']);
});

it('refuses Fabric-only submit options and unknown functions by name, as contract errors', async () => {
  const ledger = await open();
  try {
    const gateway = ledger.connect(EMBEDDED_OPERATOR_IDENTITY);
    await expect(gateway.submit('TrustRegistry:ListTrustAnchors', [], { endorsingOrganizations: ['ProviderMSP'] })).rejects.toThrow(
      'endorsingOrganizations names Fabric peers; the embedded ledger executes every transaction itself',
    );
    const unknown = gateway.evaluate('NoSuchContract:Anything', []);
    await expect(unknown).rejects.toBeInstanceOf(LedgerContractError);
    await expect(unknown).rejects.toMatchObject({ code: 'ChaincodeError', message: expect.stringContaining('no contract NoSuchContract') });
    // The chaincode's own unknownTransaction answers first, with its code, as on a Fabric peer.
    await expect(gateway.evaluate('TrustRegistry:NoSuchFunction', [])).rejects.toMatchObject({
      name: 'LedgerContractError',
      code: 'UnknownTransaction',
      message: expect.stringContaining('TrustRegistry:NoSuchFunction'),
    });
  } finally {
    await ledger.close();
  }
});

it('leaves files in its private directory that are not private stores alone', async () => {
  const first = await open();
  await embeddedParties(first).tenant.publishPolicy(datasetPolicy(), DATASET_DETAILS);
  await first.close();
  const privateDir = privateDirOf(dir);
  writeFileSync(join(privateDir, 'README'), 'not JSON lines\n');
  mkdirSync(join(privateDir, 'backup'));
  const before = readdirSync(privateDir).sort();
  const second = await open();
  try {
    expect(await embeddedParties(second).tenant.readDatasetDetails(datasetPolicy().datasetId)).toEqual(DATASET_DETAILS);
  } finally {
    await second.close();
  }
  expect(readdirSync(privateDir).sort()).toEqual(before);
  expect(readFileSync(join(privateDir, 'README'), 'utf8')).toBe('not JSON lines\n');
});

it('refuses an altered log with a LedgerIntegrityError that keeps its cause', async () => {
  const first = await open();
  await embeddedParties(first).trustAdmin.putTrustAnchor(anchor(1));
  await first.close();
  writeFileSync(blocksPath(dir), readFileSync(blocksPath(dir), 'utf8').replace('issuer 1', 'issuer X'));
  const opening = open();
  await expect(opening).rejects.toBeInstanceOf(LedgerIntegrityError);
  const error = (await opening.catch((e: unknown) => e)) as LedgerIntegrityError;
  expect(error.name).toBe('LedgerIntegrityError');
  expect(error.cause).toBeInstanceOf(Error);
  expect(error.message).toBe((error.cause as Error).message);
});

it('signs each block over "cloud-empire-block:" and its hash, which anyone holding the operator DID can check', async () => {
  const ledger = await open();
  await embeddedParties(ledger).trustAdmin.putTrustAnchor(anchor(1));
  await ledger.close();
  const [block] = blocksOnDisk();
  // The block names who submitted, as a Fabric transaction's creator would.
  expect(block!.txs[0]!.creator).toEqual({ mspId: TRUST_ADMIN.mspId, id: TRUST_ADMIN.id });
  expect(signedBytes(block!.hash).toString('utf8')).toBe(`cloud-empire-block:${block!.hash}`);
  expect(signer.verify(Buffer.from(`cloud-empire-block:${block!.hash}`, 'utf8'), block!.signature)).toBe(true);
  expect(signer.verify(Buffer.from(block!.hash, 'utf8'), block!.signature)).toBe(false);
});

it('serves any number of event subscribers, with no listener limit to warn past', async () => {
  const ledger = await open();
  const abort = new AbortController();
  try {
    const gateway = ledger.connect(EMBEDDED_OPERATOR_IDENTITY);
    const subscribers = Array.from({ length: 15 }, async () => {
      for await (const event of gateway.events({ signal: abort.signal })) return event.name;
      return undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Read from the emitter itself: Node's MaxListenersExceededWarning goes to the real process, which a listener inside
    // jest's sandbox does not see, so watching for the warning could never fail.
    const emitter = (ledger as unknown as { emitter: EventEmitter }).emitter;
    expect(emitter.listenerCount('event')).toBe(15);
    expect(emitter.getMaxListeners()).toBe(0);
    await embeddedParties(ledger).tenant.publishPolicy(datasetPolicy(), DATASET_DETAILS);
    expect(await Promise.all(subscribers)).toEqual(Array.from({ length: 15 }, () => 'DatasetPolicyPublished'));
  } finally {
    abort.abort();
    await ledger.close();
  }
});

describe('file descriptors', () => {
  /** The node file system, keeping the paths of the descriptors it has open. */
  function countingFileSystem(): FileSystem & { openPaths(): string[] } {
    const open = new Map<number, string>();
    return {
      ...nodeFileSystem,
      open(path, flags, mode) {
        const fd = nodeFileSystem.open(path, flags, mode);
        open.set(fd, path);
        return fd;
      },
      close(fd) {
        open.delete(fd);
        nodeFileSystem.close(fd);
      },
      openPaths: () => [...open.values()],
    };
  }
  const openWith = (fs: FileSystem) => EmbeddedLedger.open(dir, ledgerOptions(join(root, 'head.json'), signer, fs));

  it('are all closed when the ledger closes: the block log and every private store', async () => {
    const fs = countingFileSystem();
    const ledger = await openWith(fs);
    await embeddedParties(ledger).tenant.publishPolicy(datasetPolicy(), DATASET_DETAILS);
    expect(fs.openPaths().length).toBeGreaterThanOrEqual(2);
    await ledger.close();
    expect(fs.openPaths()).toEqual([]);
    // Reopened, with a private store found on disk this time.
    const again = await openWith(fs);
    expect(fs.openPaths().map((p) => p.slice(dir.length))).toEqual(expect.arrayContaining(['/blocks.log', '/private/TenantMSP.jsonl']));
    await again.close();
    expect(fs.openPaths()).toEqual([]);
  });

  it('are all closed when opening is refused, for an altered block or an altered private store', async () => {
    const fs = countingFileSystem();
    const ledger = await openWith(fs);
    await embeddedParties(ledger).tenant.publishPolicy(datasetPolicy(), DATASET_DETAILS);
    await ledger.close();
    const blocks = readFileSync(blocksPath(dir), 'utf8');
    writeFileSync(blocksPath(dir), blocks.replace('DatasetPolicyPublished', 'DatasetPolicyPublishes'));
    await expect(openWith(fs)).rejects.toBeInstanceOf(LedgerIntegrityError);
    expect(fs.openPaths()).toEqual([]);
    writeFileSync(blocksPath(dir), blocks);
    const store = join(privateDirOf(dir), 'TenantMSP.jsonl');
    writeFileSync(store, `not json\n${readFileSync(store, 'utf8')}`);
    await expect(openWith(fs)).rejects.toThrow(/TenantMSP\.jsonl/);
    expect(fs.openPaths()).toEqual([]);
  });
});
