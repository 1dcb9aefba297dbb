import { behindCheckpoint, BlockLog, GENESIS_HASH, readBlocks, verifyChain, type Block } from '../../../src/ledger/embedded/block-log.ts';
import { privateStoreFile, PrivateStore, readPrivateEntries } from '../../../src/ledger/embedded/private-store.ts';
import { verifyLedger } from '../../../src/ledger/embedded/verify.ts';
import { CrashFileSystem } from '../../ledger/crash-fs.ts';
import { operatorKey } from '../../ledger/ledger-keys.ts';

// The block log's states (open, failed, closed), its barriers and its checks, and the private store, on an
// in-memory file system: fast enough for a mutation run to try every mutant of them.

const signer = operatorKey();
// Shaped as the embedded ledger's transactions, which verifyLedger reads.
const tx = (i: number) => ({ txId: `t${i}`, privateWrites: [] });
const PATH = '/ledger/blocks.log';

/** A file system whose next write fails, as a disk that just died. */
class DyingFileSystem extends CrashFileSystem {
  failNextWrite = false;

  override write(fd: number, data: string): void {
    if (this.failNextWrite) {
      this.failNextWrite = false;
      throw new Error('EIO: i/o error, write');
    }
    super.write(fd, data);
  }
}

function fresh(): DyingFileSystem {
  const fs = new DyingFileSystem('/');
  fs.mkdir('/ledger');
  return fs;
}
const openOn = (fs: CrashFileSystem, options: Partial<Parameters<typeof BlockLog.open>[1]> = {}) => BlockLog.open(PATH, { signer, fs, ...options });
const blocksOn = (fs: CrashFileSystem) => readBlocks(fs.readFile(PATH), PATH).records;
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: Error) => e.message,
  );

describe('BlockLog states', () => {
  it('links each block to the one before, from the genesis hash, and reports its head', async () => {
    const log = openOn(fresh());
    expect(log.head).toEqual({ height: 0, hash: GENESIS_HASH });
    const first = await log.append(tx(0));
    const second = await log.append(tx(1));
    expect([first.number, first.prevHash, second.number, second.prevHash]).toEqual([0, GENESIS_HASH, 1, first.hash]);
    expect(second.txs).toEqual([tx(1)]);
    expect(log.head).toEqual({ height: 2, hash: second.hash });
    expect(log.blocks).toBe(2);
    log.close();
  });

  it('answers a barrier at once when nothing is in flight, and after the blocks before it otherwise', async () => {
    const fs = fresh();
    const log = openOn(fs);
    expect(await log.durable()).toEqual({ height: 0, hash: GENESIS_HASH });
    expect(fs.operations.filter((o) => o.startsWith('write'))).toEqual([]);
    const appended = log.append(tx(0));
    const barrier = log.durable();
    const after = log.append(tx(1));
    expect((await barrier).height).toBeGreaterThanOrEqual(1);
    await after;
    expect(blocksOn(fs).flatMap((b) => b.txs.map((t) => t.txId))).toEqual(['t0', 't1']);
    expect((await appended).number).toBe(0);
    await log.settled();
    expect(await log.durable()).toEqual(log.head);
    log.close();
  });

  it('syncs what a block refers to before writing the block, then syncs the block before acknowledging it', async () => {
    const fs = fresh();
    const order: string[] = [];
    const log = openOn(fs, { beforeWrite: () => order.push(`before, ${fs.operations.filter((o) => o.startsWith('write')).length} writes`) });
    await log.append(tx(0));
    expect(order).toEqual(['before, 0 writes']);
    expect(fs.operations.slice(-2)).toEqual([`write ${PATH}`, `sync ${PATH}`]);
    expect(blocksOn(fs.crash())).toHaveLength(1);
    log.close();
  });

  it('after a failed write refuses every append, those waiting included, until reopened; then the chain goes on', async () => {
    const fs = fresh();
    const log = openOn(fs);
    await log.append(tx(0));
    fs.failNextWrite = true;
    const failed = [outcome(log.append(tx(1))), outcome(log.append(tx(2)))];
    expect(await Promise.all(failed)).toEqual(['EIO: i/o error, write', 'EIO: i/o error, write']);
    await log.settled();
    const refusal = 'the block log failed to write (EIO: i/o error, write); reopen it to recover';
    expect(await outcome(log.append(tx(3)))).toBe(refusal);
    expect(await outcome(log.durable())).toBe(refusal);
    expect(log.head.height).toBe(1);
    log.close();
    const reopened = openOn(fs);
    expect((await reopened.append(tx(4))).number).toBe(1);
    reopened.close();
    expect(verifyChain(blocksOn(fs), signer)).toMatchObject({ ok: true, blocks: 2 });
  });

  it('rejects what was queued behind a failing write too, and settles', async () => {
    const fs = fresh();
    const log = openOn(fs);
    fs.failNextWrite = true;
    const first = outcome(log.append(tx(0)));
    await new Promise((resolve) => setImmediate(resolve)); // the first flush has taken its batch
    const queued = outcome(log.append(tx(1)));
    expect([await first, await queued]).toEqual(['EIO: i/o error, write', expect.stringMatching(/EIO/)]);
    await log.settled();
    log.close();
  });

  it('refuses appends once closed, and closes once', async () => {
    const log = openOn(fresh());
    log.close();
    log.close();
    expect(await outcome(log.append(tx(0)))).toBe('the block log is closed');
    expect(await outcome(log.durable())).toBe('the block log is closed');
  });

  it('replays each verified block through onBlock, in order, when opened', async () => {
    const fs = fresh();
    const log = openOn(fs);
    for (let i = 0; i < 3; i++) await log.append(tx(i));
    log.close();
    const seen: number[] = [];
    openOn(fs, { onBlock: (b) => seen.push(b.number) }).close();
    expect(seen).toEqual([0, 1, 2]);
  });

  it('recovers a torn last write on an in-memory disk, and says so', async () => {
    const fs = fresh();
    const log = openOn(fs);
    await log.append(tx(0));
    log.close();
    fs.appendAsAnotherWriter(PATH, '{"number":1,');
    const reopened = openOn(fs);
    expect([reopened.recoveredTornWrite, reopened.blocks]).toEqual([true, 1]);
    reopened.close();
    const clean = openOn(fs);
    expect(clean.recoveredTornWrite).toBe(false);
    clean.close();
  });
});

describe('verifyChain and behindCheckpoint', () => {
  async function chain(n: number): Promise<Block[]> {
    const fs = fresh();
    const log = openOn(fs);
    for (let i = 0; i < n; i++) await log.append(tx(i));
    log.close();
    return blocksOn(fs);
  }

  it('refuses a block without a signature, or with one that is not text, as unsigned', async () => {
    const [block] = await chain(1);
    for (const signature of ['', 5, undefined, null])
      expect(verifyChain([{ ...block, signature } as unknown as Block], signer)).toMatchObject({
        ok: false,
        firstBadBlock: 0,
        problem: 'block 0 is not signed',
      });
    // Without the operator's key, only hashes and links are checked.
    expect(verifyChain([{ ...block, signature: '' }])).toMatchObject({ ok: true, blocks: 1 });
  });

  it('refuses a block whose transactions are not a list, and reports the head of the blocks before it', async () => {
    const blocks = await chain(2);
    const check = verifyChain([blocks[0], { ...blocks[1], txs: 'none' } as unknown as Block], signer);
    expect(check).toEqual({
      ok: false,
      blocks: 1,
      head: { height: 1, hash: blocks[0].hash },
      firstBadBlock: 1,
      problem: "block 1's contents do not match its hash",
    });
    const seen: number[] = [];
    verifyChain(blocks, signer, (b) => seen.push(b.number));
    expect(seen).toEqual([0, 1]);
  });

  it('says when the log is shorter than, or diverges from, the checkpointed head', async () => {
    const blocks = await chain(3);
    expect(behindCheckpoint(blocks, { height: 0, hash: GENESIS_HASH }, 'the checkpoint')).toBeUndefined();
    expect(behindCheckpoint(blocks, { height: 3, hash: blocks[2].hash }, 'the checkpoint')).toBeUndefined();
    expect(behindCheckpoint(blocks, { height: 2, hash: blocks[1].hash }, 'the checkpoint')).toBeUndefined();
    expect(behindCheckpoint(blocks, { height: 4, hash: blocks[2].hash }, 'ConfigMap c/h')).toBe(
      'the log holds 3 block(s), but ConfigMap c/h says the ledger reached block 4: blocks were cut off or the log was replaced',
    );
    const other = 'cd'.repeat(32);
    expect(behindCheckpoint(blocks, { height: 2, hash: other }, 'ConfigMap c/h')).toBe(
      'block 1 is not the one ConfigMap c/h recorded (hash cdcdcdcdcdcd…): the history was rewritten',
    );
    const fs = fresh();
    const log = openOn(fs);
    for (let i = 0; i < 3; i++) await log.append(tx(i));
    log.close();
    expect(() => openOn(fs, { expectHead: { height: 2, hash: other } })).toThrow(
      `${PATH}: block 1 is not the one the checkpoint recorded (hash cdcdcdcdcdcd…): the history was rewritten; the log was altered, not torn (run \`empirectl ledger verify\`)`,
    );
  });
});

describe('PrivateStore', () => {
  const entry = (txId: string, key: string, value?: string) => ({ txId, collection: '_implicit_org_TenantMSP', key, value });

  it('creates its directory durably, groups entries by transaction, and syncs only what it wrote', () => {
    const fs = new CrashFileSystem('/');
    const { store, entries } = PrivateStore.open('/private', 'TenantMSP', fs);
    expect(entries.size).toBe(0);
    expect(fs.crash().exists('/private')).toBe(true);
    const path = `/private/${privateStoreFile('TenantMSP')}`;
    expect(path).toBe('/private/TenantMSP.jsonl');
    store.append([]);
    store.sync();
    expect(fs.operations.filter((o) => o.endsWith(path) && !o.startsWith('create'))).toEqual([]);
    store.append([entry('t1', 'a', '1'), entry('t1', 'b')]);
    store.append([entry('t2', 'a', '2')]);
    store.sync();
    store.sync();
    expect(fs.operations.filter((o) => o.endsWith(path) && !o.startsWith('create'))).toEqual([`write ${path}`, `write ${path}`, `sync ${path}`]);
    store.close();
    const reopened = PrivateStore.open('/private', 'TenantMSP', fs.crash());
    expect([...reopened.entries]).toEqual([
      ['t1', [entry('t1', 'a', '1'), entry('t1', 'b')]],
      ['t2', [entry('t2', 'a', '2')]],
    ]);
    reopened.store.close();
  });

  it('refuses an entry with a field of the wrong type, naming the line, and cuts a torn last one', () => {
    const fs = new CrashFileSystem('/');
    const { store } = PrivateStore.open('/private', 'TenantMSP', fs);
    store.append([entry('t1', 'a', '1')]);
    store.close();
    const path = '/private/TenantMSP.jsonl';
    fs.appendAsAnotherWriter(path, '{"txId":"t2","collection":"c","key":"k","val');
    const torn = PrivateStore.open('/private', 'TenantMSP', fs);
    expect([...torn.entries.keys()]).toEqual(['t1']);
    torn.store.close();
    expect(fs.readFile(path).endsWith('}\n')).toBe(true);
    const good = { txId: 't', collection: 'c', key: 'k', value: 'v' };
    for (const bad of [
      { ...good, txId: 1 },
      { ...good, collection: null },
      { ...good, key: ['k'] },
      { ...good, value: 2 },
    ]) {
      const copy = new CrashFileSystem('/');
      copy.mkdir('/private');
      const fd = copy.open(path, 'a');
      copy.write(fd, `${JSON.stringify(bad)}\n${JSON.stringify(good)}\n`);
      copy.close(fd);
      expect(() => readPrivateEntries(copy, path)).toThrow(`${path}: line 1 is not a complete record`);
      expect(() => PrivateStore.open('/private', 'TenantMSP', copy)).toThrow('line 1 is not a complete record');
    }
    const { value: _v, ...deletion } = good;
    const copy = new CrashFileSystem('/');
    copy.mkdir('/private');
    const fd = copy.open(path, 'a');
    copy.write(fd, `${JSON.stringify(deletion)}\n`);
    copy.close(fd);
    expect(readPrivateEntries(copy, path).records).toEqual([deletion]);
  });
});

describe('verifyLedger', () => {
  it('says a directory holds no ledger, and reports an unreadable log as a failed check', () => {
    const fs = new CrashFileSystem('/');
    fs.mkdir('/ledger');
    expect(() => verifyLedger('/ledger', { fs })).toThrow('/ledger holds no embedded ledger (no /ledger/blocks.log)');
    const fd = fs.open(PATH, 'a');
    fs.write(fd, 'garbage\n{}\n');
    fs.close(fd);
    expect(verifyLedger('/ledger', { fs })).toEqual({
      ok: false,
      blocks: 0,
      transactions: 0,
      head: { height: 0, hash: '' },
      signaturesChecked: false,
      headChecked: false,
      problem: `${PATH}: line 1 is not a complete record, and only the last line can be torn by a crash; the file was altered (restore it from a backup)`,
      privateDataMismatches: [],
      tornTail: false,
    });
  });

  it('checks the head it is given, says which checks ran, and counts transactions', async () => {
    const fs = fresh();
    const log = openOn(fs);
    await Promise.all([log.append(tx(0)), log.append(tx(1))]);
    await log.append(tx(2));
    log.close();
    const blocks = blocksOn(fs);
    const head = { height: blocks.length, hash: blocks.at(-1)!.hash };
    expect(verifyLedger('/ledger', { fs })).toMatchObject({ ok: true, transactions: 3, signaturesChecked: false, headChecked: false, head, tornTail: false });
    expect(verifyLedger('/ledger', { fs, operator: signer, expectHead: head })).toMatchObject({ ok: true, signaturesChecked: true, headChecked: true });
    expect(verifyLedger('/ledger', { fs, expectHead: { ...head, height: head.height + 1 }, headSource: 'ConfigMap c/h' })).toMatchObject({
      ok: false,
      problem: expect.stringContaining('but ConfigMap c/h says the ledger reached block'),
    });
    expect(verifyLedger('/ledger', { fs, expectHead: { ...head, height: head.height + 1 } }).problem).toContain('but the expected head says');
    expect(verifyLedger('/ledger', { fs, operator: operatorKey(), expectHead: { ...head, height: 99 } })).toMatchObject({
      ok: false,
      firstBadBlock: 0,
      problem: expect.stringContaining('not signed by the operator'),
    });
    fs.appendAsAnotherWriter(PATH, '{"torn');
    expect(verifyLedger('/ledger', { fs })).toMatchObject({ ok: true, tornTail: true });
  });

  it('reports a transaction without its list of private writes instead of crashing (a log rehashed without the operator key)', async () => {
    const fs = fresh();
    const log = openOn(fs);
    await log.append(tx(0));
    await log.append({ txId: 'bare' } as ReturnType<typeof tx>);
    log.close();
    expect(verifyLedger('/ledger', { fs })).toMatchObject({
      ok: false,
      transactions: 2,
      problem: 'block 1: transaction bare has no list of private writes; the log was altered',
    });
  });

  it('reports a private store it cannot read', async () => {
    const fs = fresh();
    const log = openOn(fs);
    await log.append(tx(0));
    log.close();
    fs.mkdir('/ledger/private');
    const fd = fs.open('/ledger/private/TenantMSP.jsonl', 'a');
    fs.write(fd, 'garbage\n{}\n');
    fs.close(fd);
    fs.open('/ledger/private/notes.txt', 'a');
    expect(verifyLedger('/ledger', { fs })).toMatchObject({
      ok: false,
      problem: expect.stringContaining('/ledger/private/TenantMSP.jsonl: line 1 is not a complete record'),
    });
  });
});
