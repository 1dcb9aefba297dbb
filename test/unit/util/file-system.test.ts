import { writeFully } from '../../../src/util/file-system.ts';

// write(2) on a nearly full disk writes part of the buffer and succeeds; only the next call fails with ENOSPC.
function diskWithRoom(room: number) {
  const written: Buffer[] = [];
  let left = room;
  const write = (_fd: number, buffer: Buffer, offset: number, length: number) => {
    if (left === 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const n = Math.min(length, left);
    written.push(buffer.subarray(offset, offset + n));
    left -= n;
    return n;
  };
  return { write, text: () => Buffer.concat(written).toString('utf8') };
}

describe('writeFully', () => {
  it('writes the rest of a short write', () => {
    let calls = 0;
    const parts: string[] = [];
    writeFully(3, 'héllo world', (_fd, buffer, offset, length) => {
      calls++;
      const n = Math.min(length, 4);
      parts.push(buffer.subarray(offset, offset + n).toString('latin1'));
      return n;
    });
    expect(Buffer.from(parts.join(''), 'latin1').toString('utf8')).toBe('héllo world');
    expect(calls).toBe(3);
  });

  it('turns a disk that fills mid-record into ENOSPC instead of a silently short record', () => {
    const disk = diskWithRoom(10);
    expect(() => writeFully(3, `${JSON.stringify({ block: 1, txs: ['a', 'b', 'c'] })}\n`, disk.write)).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
    expect(disk.text()).toHaveLength(10);
  });

  it('refuses a write that makes no progress', () => {
    expect(() => writeFully(3, 'abc', () => 0)).toThrow(/write returned 0 with 3 byte\(s\) left/);
  });
});
