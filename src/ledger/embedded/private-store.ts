import { join } from 'node:path';
import { ensureDirDurably, nodeFileSystem, openForAppend, type FileSystem } from '../../util/file-system.ts';
import { parseJsonRecord, readRecordLines, repairTail, type RecordLines } from '../../util/line-files.ts';
import { PRIVATE_FILE_SUFFIX } from './files.ts';

export interface PrivateEntry {
  txId: string;
  collection: string;
  key: string;
  /** UTF-8 text; absent for a delete. */
  value?: string;
}

function parseEntry(line: string): PrivateEntry | undefined {
  const entry = parseJsonRecord<PrivateEntry>(line);
  const ok =
    entry &&
    typeof entry.txId === 'string' &&
    typeof entry.collection === 'string' &&
    typeof entry.key === 'string' &&
    (entry.value === undefined || typeof entry.value === 'string');
  return ok ? entry : undefined;
}

/** An organization's private-data file as read, without repairing it: its entries and whether its tail is torn. */
export function readPrivateEntries(fs: FileSystem, path: string): RecordLines<PrivateEntry> {
  return readRecordLines(fs.readFile(path), parseEntry, path);
}

export function privateStoreFile(mspId: string): string {
  return `${mspId}${PRIVATE_FILE_SUFFIX}`;
}

/**
 * One organization's private data, outside the blocks (a block carries only
 * each value's hash, as on Fabric). Entries are appended as a transaction
 * commits and synced before the block that names them is written; entries of
 * a transaction that never reached a block are ignored when replayed.
 */
export class PrivateStore {
  private readonly fs: FileSystem;
  private readonly fd: number;
  private dirty = false;

  private constructor(fs: FileSystem, fd: number) {
    this.fs = fs;
    this.fd = fd;
  }

  /** Opens (or creates) the organization's file, cutting a torn last line, and hands back its entries by transaction. */
  static open(dir: string, mspId: string, fs: FileSystem = nodeFileSystem): { store: PrivateStore; entries: Map<string, PrivateEntry[]> } {
    ensureDirDurably(fs, dir);
    const path = join(dir, privateStoreFile(mspId));
    const fd = openForAppend(fs, path);
    const entries = new Map<string, PrivateEntry[]>();
    try {
      const lines = readPrivateEntries(fs, path);
      repairTail(fs, fd, lines);
      for (const entry of lines.records) {
        const list = entries.get(entry.txId) ?? [];
        list.push(entry);
        entries.set(entry.txId, list);
      }
    } catch (error) {
      fs.close(fd);
      throw error;
    }
    return { store: new PrivateStore(fs, fd), entries };
  }

  append(entries: PrivateEntry[]): void {
    if (!entries.length) return;
    this.fs.write(this.fd, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    this.dirty = true;
  }

  sync(): void {
    if (!this.dirty) return;
    this.fs.datasync(this.fd);
    this.dirty = false;
  }

  close(): void {
    this.fs.close(this.fd);
  }
}
