import {
  CheckpointWriter,
  FileHeadCheckpoint,
  formatHead,
  parseHead,
  parseHeadText,
  type HeadCheckpoint,
  type LedgerHead,
} from '../../../src/ledger/embedded/head-checkpoint.ts';
import { CrashFileSystem } from '../../ledger/crash-fs.ts';

// The head kept outside the ledger's volume: how it is parsed, stored, and kept up with the log, in memory.

const HASH = 'ab'.repeat(32);
const head = (height: number): LedgerHead => ({ height, hash: HASH });

describe('parseHead', () => {
  it('takes a non-negative integer height and a 64-hex-digit hash, and otherwise names where the head came from', () => {
    expect(parseHead({ height: 0, hash: HASH, extra: 1 }, 'x')).toEqual({ height: 0, hash: HASH });
    const refusal =
      'ConfigMap c/h: the ledger head must be {"height": a non-negative integer, "hash": 64 hex digits}; restore it, or delete it to trust the log as it is';
    for (const bad of [
      undefined,
      null,
      {},
      { height: -1, hash: HASH },
      { height: 1.5, hash: HASH },
      { height: '1', hash: HASH },
      { height: 1 },
      { height: 1, hash: 7 },
      { height: 1, hash: HASH.toUpperCase() },
      { height: 1, hash: `${HASH}0` },
      { height: 1, hash: `x${HASH.slice(1)}` },
    ])
      expect(() => parseHead(bad, 'ConfigMap c/h')).toThrow(refusal);
  });

  it('reads and writes HEIGHT:HASH', () => {
    expect(parseHeadText(`12:${HASH}`, 'flag')).toEqual({ height: 12, hash: HASH });
    expect(formatHead({ height: 12, hash: HASH })).toBe(`12:${HASH}`);
    for (const bad of [`-1:${HASH}`, `1e3:${HASH}`, `x12:${HASH}`, `12x:${HASH}`, HASH, '', `:${HASH}`])
      expect(() => parseHeadText(bad, 'flag')).toThrow(/^flag: the ledger head must be/);
  });
});

describe('FileHeadCheckpoint', () => {
  it('has no head before the first write, then keeps the newest and refuses to move back', async () => {
    const fs = new CrashFileSystem('/');
    const checkpoint = new FileHeadCheckpoint('/head/head.json', fs);
    expect(checkpoint.where).toBe('file /head/head.json');
    expect(await checkpoint.read()).toBeUndefined();
    await checkpoint.write(head(2));
    await checkpoint.write(head(2));
    await checkpoint.write(head(5));
    // Durable: a crash right after the write keeps it.
    const after = new FileHeadCheckpoint('/head/head.json', fs.crash());
    expect(await after.read()).toEqual(head(5));
    await expect(after.write(head(4))).rejects.toThrow("file /head/head.json is at block 5, ahead of this ledger's 4: another writer uses it");
    // Without a read first, a write still compares with what is stored.
    await expect(new FileHeadCheckpoint('/head/head.json', fs).write(head(3))).rejects.toThrow("is at block 5, ahead of this ledger's 3");
  });

  it('names the file when what it holds is not a head', async () => {
    const fs = new CrashFileSystem('/');
    await new FileHeadCheckpoint('/h.json', fs).write(head(1));
    const fd = fs.open('/h.json', 'w');
    fs.write(fd, '{"height":');
    fs.close(fd);
    await expect(new FileHeadCheckpoint('/h.json', fs).read()).rejects.toThrow(/^file \/h.json: the ledger head must be/);
  });
});

/** A checkpoint whose writes wait until released, and fail while `failing` is set. */
class SlowCheckpoint implements HeadCheckpoint {
  readonly where = 'slow';
  writes: number[] = [];
  failing?: Error;
  private release: (() => void)[] = [];

  async read(): Promise<LedgerHead | undefined> {
    return undefined;
  }

  async write(h: LedgerHead): Promise<void> {
    this.writes.push(h.height);
    await new Promise<void>((resolve) => this.release.push(resolve));
    if (this.failing) throw this.failing;
  }

  /** Lets the write in flight finish, and waits for the writer to react. */
  async finishOne(): Promise<void> {
    this.release.shift()?.();
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('CheckpointWriter', () => {
  it('answers at once for a head already checkpointed', async () => {
    const checkpoint = new SlowCheckpoint();
    const writer = new CheckpointWriter(checkpoint, 3);
    await writer.reach(head(3));
    await writer.reach(head(1));
    expect(checkpoint.writes).toEqual([]);
    expect(writer.where).toBe('slow');
  });

  it('keeps one write in flight and carries the newest head in the next, settling each waiter when its block is reached', async () => {
    const checkpoint = new SlowCheckpoint();
    const writer = new CheckpointWriter(checkpoint, 0);
    const settled: number[] = [];
    const reach = (h: number) => writer.reach(head(h)).then(() => settled.push(h));
    const all = [reach(1), reach(2), reach(4), reach(3)];
    await checkpoint.finishOne();
    expect(checkpoint.writes).toEqual([1, 4]); // 2 and 3 are carried by 4
    expect(settled).toEqual([1]);
    await checkpoint.finishOne();
    await Promise.all(all);
    expect(settled).toEqual([1, 2, 4, 3]);
    await writer.idle();
    await writer.reach(head(4));
    expect(checkpoint.writes).toEqual([1, 4]);
  });

  it('rejects the waiters of a failed write, says it is failing, and recovers with the next write', async () => {
    const checkpoint = new SlowCheckpoint();
    const writer = new CheckpointWriter(checkpoint, 0);
    checkpoint.failing = new Error('ConfigMap update refused');
    const first = writer.reach(head(1));
    const firstOutcome = first.then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    await checkpoint.finishOne();
    expect(await firstOutcome).toBe('ConfigMap update refused');
    expect(writer.failing?.message).toBe('ConfigMap update refused');
    await writer.idle();
    // A newer head queued while a write fails is still written.
    checkpoint.failing = new Error('again');
    const second = writer.reach(head(2)).catch((e: Error) => e.message);
    const third = writer.reach(head(3));
    await checkpoint.finishOne();
    expect(await second).toBe('again');
    checkpoint.failing = undefined;
    await checkpoint.finishOne();
    await third;
    expect(writer.failing).toBeUndefined();
    expect(checkpoint.writes).toEqual([1, 2, 3]);
    await writer.idle();
  });
});
