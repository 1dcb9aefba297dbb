import { dirname } from 'node:path';
import { nodeFileSystem, type FileSystem } from './file-system.ts';

// The files that must survive a crash (block log, private data, outbox,
// checkpoints) follow two rules: a record and its newline go out in one
// write, so only the last line can be torn, and a torn write is a tail
// without a newline that is not a complete record; and a file replaced whole
// is written beside it, synced, renamed over it, and its directory synced.

/** A line-per-record file as read: its whole records, and what its tail was. */
export interface RecordLines<T> {
  records: T[];
  /** Bytes of the file that hold whole records (the torn tail, if any, starts here). */
  wholeBytes: number;
  /** The file ends in an incomplete record: a crash mid-append, never acknowledged. */
  torn: boolean;
  /** The last record is complete but its newline is missing (a write torn right before it). */
  unterminated: boolean;
}

/** Thrown for a line inside a record file that is not a record: damage, not a crash. */
export class RecordFileError extends Error {
  override readonly name = 'RecordFileError';
}

/**
 * Parses a line-per-record file's text. `parse` returns undefined for text
 * that is not a complete record; such a line is refused unless it is the
 * unterminated last one, which is a torn write to cut off.
 */
export function readRecordLines<T>(text: string, parse: (line: string) => T | undefined, what: string): RecordLines<T> {
  const lines = text.split('\n');
  const tail = lines.pop() ?? '';
  const records: T[] = [];
  lines.forEach((line, i) => {
    const record = line ? parse(line) : undefined;
    if (record === undefined) {
      throw new RecordFileError(
        `${what}: line ${i + 1} is not a complete record, and only the last line can be torn by a crash; the file was altered (restore it from a backup)`,
      );
    }
    records.push(record);
  });
  const whole = text.length - tail.length;
  if (!tail) return { records, wholeBytes: Buffer.byteLength(text), torn: false, unterminated: false };
  const last = parse(tail);
  if (last === undefined) return { records, wholeBytes: Buffer.byteLength(text.slice(0, whole)), torn: true, unterminated: false };
  records.push(last);
  return { records, wholeBytes: Buffer.byteLength(text), torn: false, unterminated: true };
}

/** JSON.parse for one record line: undefined for anything that is not a complete JSON object. */
export function parseJsonRecord<T>(line: string): T | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Makes the file open at `fd` end in whole records: cuts a torn tail, or
 * completes an unterminated last record. Not synced by itself: the next
 * append's sync makes it durable, and a crash before that only brings back a
 * tail that the next open repairs again.
 */
export function repairTail(fs: FileSystem, fd: number, lines: RecordLines<unknown>): void {
  if (lines.torn) fs.truncate(fd, lines.wholeBytes);
  else if (lines.unterminated) fs.write(fd, '\n');
}

/** Replaces `path` with `content` so that a crash leaves either the old file or the new one, and the new one once this returns. */
export function replaceFileDurably(path: string, content: string, fs: FileSystem = nodeFileSystem): void {
  const temporary = `${path}.tmp`;
  const fd = fs.open(temporary, 'w', 0o600);
  try {
    fs.write(fd, content);
    fs.sync(fd);
  } finally {
    fs.close(fd);
  }
  fs.rename(temporary, path);
  fs.syncDir(dirname(path));
}
