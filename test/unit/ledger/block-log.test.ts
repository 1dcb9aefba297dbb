import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockLog, blockHash, canonicalJson, readBlocks, verifyChain, type Block } from '../../../src/ledger/embedded/block-log.ts';
import { signedBytes } from '../../../src/ledger/embedded/block-signature.ts';
import { operatorKey } from '../../ledger/ledger-keys.ts';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'block-log-'));
  path = join(dir, 'blocks.log');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const signer = operatorKey();
const tx = (i: number) => ({ txId: `t${i}`, type: 'Test', payload: { i }, timestamp: '2026-01-01T00:00:00Z' });
const blocksIn = (file: string) => readBlocks(readFileSync(file, 'utf8'), file).records;

async function writeLog(count: number): Promise<void> {
  const log = BlockLog.open(path, { signer });
  for (let i = 0; i < count; i++) await log.append(tx(i));
  log.close();
}

describe('BlockLog', () => {
  it('commits concurrent appends together and acknowledges each only with its block', async () => {
    const log = BlockLog.open(path, { signer });
    const blocks = await Promise.all([0, 1, 2, 3, 4].map((i) => log.append(tx(i))));
    expect(new Set(blocks.map((b) => b.number)).size).toBeLessThan(5);
    expect(blocks.every((b, i) => b.txs.some((t) => t.txId === `t${i}`))).toBe(true);
    await log.append(tx(5));
    log.close();
    expect(verifyChain(blocksIn(path), signer)).toMatchObject({ ok: true, blocks: log.blocks });
  });

  it('signs every block with the operator key', async () => {
    await writeLog(3);
    const blocks = blocksIn(path);
    expect(blocks.every((b) => signer.verify(signedBytes(b.hash), b.signature))).toBe(true);
    expect(verifyChain(blocks, operatorKey())).toMatchObject({ ok: false, firstBadBlock: 0, problem: expect.stringContaining('not signed by the operator') });
  });

  it('recovers from a torn last write and keeps appending to the chain', async () => {
    await writeLog(2);
    appendFileSync(path, '{"number":2,"prevHash":"ab'); // the crash happened mid-append
    const reopened = BlockLog.open(path, { signer });
    expect(reopened.recoveredTornWrite).toBe(true);
    expect(reopened.blocks).toBe(2);
    await reopened.append(tx(3));
    reopened.close();
    expect(verifyChain(blocksIn(path), signer)).toMatchObject({ ok: true, blocks: 3 });
  });

  it('keeps a complete last block whose newline is missing, and refuses a complete altered one', async () => {
    await writeLog(3);
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.slice(0, -1)); // the write was torn right before its newline
    const reopened = BlockLog.open(path, { signer });
    expect(reopened.blocks).toBe(3);
    await reopened.append(tx(4));
    reopened.close();
    expect(verifyChain(blocksIn(path), signer)).toMatchObject({ ok: true, blocks: 4 });

    // An altered last block without its newline is not a torn write.
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    lines[3] = lines[3].replace('"i":4', '"i":5');
    writeFileSync(path, lines.join('\n'));
    expect(() => BlockLog.open(path, { signer })).toThrow(/block 3's contents do not match its hash; the log was altered/);
  });

  it('names the first bad block when an old block is altered, and refuses to open', async () => {
    await writeLog(4);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[1] = lines[1].replace('"i":1', '"i":7');
    writeFileSync(path, lines.join('\n'));
    expect(verifyChain(blocksIn(path), signer)).toMatchObject({ ok: false, firstBadBlock: 1 });
    expect(() => BlockLog.open(path, { signer })).toThrow(/block 1's contents do not match its hash/);
  });

  it('refuses a history rewritten with recomputed hashes but without the operator key', async () => {
    await writeLog(3);
    const blocks = blocksIn(path);
    const forger = operatorKey();
    let prevHash = blocks[0].prevHash;
    const forged = blocks.map((b): Block => {
      const header = { number: b.number, prevHash, timestamp: b.timestamp, txs: b.number === 1 ? [tx(9)] : b.txs };
      const hash = blockHash(header);
      prevHash = hash;
      return { ...header, hash, signature: forger.sign(signedBytes(hash)) };
    });
    writeFileSync(path, forged.map((b) => `${JSON.stringify(b)}\n`).join(''));
    expect(verifyChain(forged)).toMatchObject({ ok: true }); // hashes alone cannot tell
    expect(() => BlockLog.open(path, { signer })).toThrow(/block 0 is not signed by the operator/);
    const unsigned = forged.map(({ signature: _s, ...b }) => b);
    writeFileSync(path, unsigned.map((b) => `${JSON.stringify(b)}\n`).join(''));
    expect(() => BlockLog.open(path, { signer })).toThrow(/block 0 is not signed/);
  });

  it('refuses a log cut short of, or diverging from, the checkpointed head', async () => {
    await writeLog(4);
    const blocks = blocksIn(path);
    const head = { height: 4, hash: blocks[3].hash };
    BlockLog.open(path, { signer, expectHead: head }).close();
    truncateSync(path, Buffer.byteLength(readFileSync(path, 'utf8').split('\n').slice(0, 3).join('\n') + '\n'));
    expect(() => BlockLog.open(path, { signer, expectHead: head })).toThrow(/holds 3 block\(s\), but the checkpoint says the ledger reached block 4/);
    writeFileSync(path, '');
    expect(() => BlockLog.open(path, { signer, expectHead: head })).toThrow(/holds 0 block\(s\)/);
    expect(() => BlockLog.open(path, { signer, expectHead: { height: 0, hash: '0'.repeat(64) } })).not.toThrow();
  });

  it('refuses a line inside the log that is not a block, naming the line', async () => {
    await writeLog(3);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[1] = 'garbage';
    writeFileSync(path, lines.join('\n'));
    expect(() => BlockLog.open(path, { signer })).toThrow(/line 2 is not a complete record/);
  });

  it('a second process appending to the same log makes the other stop writing, and the chain stays whole', async () => {
    await writeLog(2);
    // A leader frozen past its lease, and the standby that took over the same volume.
    const stale = BlockLog.open(path, { signer });
    const current = BlockLog.open(path, { signer });
    await current.append(tx(10));
    await expect(stale.append(tx(11))).rejects.toThrow(/another process appends to this ledger; this one writes no more/);
    await expect(stale.append(tx(12))).rejects.toThrow(/reopen it/);
    await current.append(tx(13));
    stale.close();
    current.close();
    const blocks = blocksIn(path);
    expect(verifyChain(blocks, signer)).toMatchObject({ ok: true, blocks: 4 });
    expect(blocks.flatMap((b) => b.txs.map((t) => t.txId))).toEqual(['t0', 't1', 't10', 't13']);
  });

  it('refuses a block spliced in from a fork signed by the same operator: it does not link to the block before it', async () => {
    await writeLog(3);
    const own = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    const forkPath = join(dir, 'fork.log');
    const fork = BlockLog.open(forkPath, { signer });
    for (let i = 10; i < 13; i++) await fork.append(tx(i));
    fork.close();
    const forked = readFileSync(forkPath, 'utf8').split('\n').filter(Boolean);
    // Block 2 of the fork is well numbered, hashed and signed: only its prevHash gives it away.
    writeFileSync(path, `${[own[0], own[1], forked[2]].join('\n')}\n`);
    expect(verifyChain(blocksIn(path), signer)).toMatchObject({ ok: false, firstBadBlock: 2, problem: 'block 2 does not link to block 1' });
    expect(() => BlockLog.open(path, { signer })).toThrow(/block 2 does not link to block 1/);
  });

  it('refuses a log with a block taken out, naming the block whose number no longer fits', async () => {
    await writeLog(3);
    const own = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    writeFileSync(path, `${[own[0], own[2]].join('\n')}\n`);
    expect(verifyChain(blocksIn(path), signer)).toMatchObject({ ok: false, firstBadBlock: 1, problem: 'block 1 says it is number 2' });
  });

  it('hashes canonical JSON, independent of key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 1, e: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"e":2,"f":1}]},"b":1}');
  });
});
