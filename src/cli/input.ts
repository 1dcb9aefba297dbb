import { closeSync, openSync, readSync } from 'node:fs';
import { UsageError } from './errors.ts';

/**
 * The largest input file empirectl reads. Credentials, keys, manifests and
 * status lists are kilobytes; the cap keeps a hostile or mistaken file (a
 * 50 MB value costs gigabytes once parsed) from exhausting memory.
 */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024;

const mebibytes = (bytes: number) => `${bytes / (1024 * 1024)} MiB`;

/**
 * Reads at most `maxBytes` of a file: the bytes are counted as they arrive,
 * so a file that grows, a FIFO or a device cannot make it read more.
 */
export function readBounded(path: string, what: string, maxBytes = MAX_INPUT_BYTES): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    const buffer = Buffer.alloc(Math.min(maxBytes + 1, 64 * 1024));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      let read: number;
      try {
        read = readSync(fd, buffer, 0, buffer.length, null);
      } catch (error) {
        throw new UsageError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      if (read === 0) return Buffer.concat(chunks, total);
      total += read;
      if (total > maxBytes) throw new UsageError(`${what} ${path} is larger than ${mebibytes(maxBytes)}, the most empirectl reads from one file`);
      chunks.push(Buffer.from(buffer.subarray(0, read)));
    }
  } finally {
    closeSync(fd);
  }
}

export function readText(path: string, what: string, maxBytes = MAX_INPUT_BYTES): string {
  return readBounded(path, what, maxBytes).toString('utf8');
}

export function readJson<T>(path: string, what: string): T {
  const text = readText(path, what);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new UsageError(`${what} ${path} is not JSON`);
  }
}
