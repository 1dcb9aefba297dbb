import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockLog, canonicalJson, verifyChain } from '../../../src/ledger/embedded/block-log.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'block-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const tx = (i: number) => ({ txId: `t${i}`, type: 'Test', payload: { i }, timestamp: '2026-01-01T00:00:00Z' });

describe('BlockLog', () => {
  it('commits concurrent appends together and acknowledges each only with its block', async () => {
    const log = BlockLog.open(join(dir, 'blocks.log'));
    const blocks = await Promise.all([0, 1, 2, 3, 4].map((i) => log.append(tx(i))));
    expect(new Set(blocks.map((b) => b.number)).size).toBeLessThan(5);
    expect(blocks.every((b, i) => b.txs.some((t) => t.txId === `t${i}`))).toBe(true);
    await log.append(tx(5));
    log.close();
    expect(verifyChain(readFileSync(join(dir, 'blocks.log'), 'utf8'))).toMatchObject({ ok: true, blocks: log.blocks });
  });

  it('recovers from a torn last write and keeps appending to the chain', async () => {
    const path = join(dir, 'blocks.log');
    const log = BlockLog.open(path);
    await log.append(tx(1));
    await log.append(tx(2));
    log.close();
    appendFileSync(path, '{"number":2,"prevHash":"ab'); // the crash happened mid-append
    const reopened = BlockLog.open(path);
    expect(reopened.recoveredTornWrite).toBe(true);
    expect(reopened.blocks).toBe(2);
    await reopened.append(tx(3));
    reopened.close();
    expect(verifyChain(readFileSync(path, 'utf8'))).toMatchObject({ ok: true, blocks: 3 });
  });

  it('names the first bad block when an old block is altered, and refuses to open', async () => {
    const path = join(dir, 'blocks.log');
    const log = BlockLog.open(path);
    for (let i = 0; i < 4; i++) await log.append(tx(i));
    log.close();
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[1] = lines[1].replace('"i":1', '"i":7');
    writeFileSync(path, lines.join('\n'));
    expect(verifyChain(readFileSync(path, 'utf8'))).toMatchObject({ ok: false, firstBadBlock: 1 });
    expect(() => BlockLog.open(path)).toThrow(/block 1's contents do not match its hash/);
  });

  it('hashes canonical JSON, independent of key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 1, e: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"e":2,"f":1}]},"b":1}');
  });
});
