import { closeSync, fdatasyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { cutTornTail, wholeLines } from '../../util/line-files.ts';

export interface PrivateEntry {
  txId: string;
  collection: string;
  key: string;
  /** UTF-8 text; absent for a delete. */
  value?: string;
}

/**
 * One organization's private data, outside the blocks (a block carries only
 * each value's hash, as on Fabric). Entries are appended as a transaction
 * commits and synced before the block that names them is written; entries of
 * a transaction that never reached a block are ignored when replayed.
 */
export class PrivateStore {
  private readonly fd: number;
  private dirty = false;

  private constructor(fd: number) {
    this.fd = fd;
  }

  /** Opens the organization's file, cutting a torn last line, and hands back its entries by transaction. */
  static open(dir: string, mspId: string): { store: PrivateStore; entries: Map<string, PrivateEntry[]> } {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, `${mspId}.jsonl`);
    const fd = openSync(path, 'a+', 0o600);
    const lines = wholeLines(readFileSync(path, 'utf8'));
    cutTornTail(fd, lines);
    const entries = new Map<string, PrivateEntry[]>();
    for (const line of lines.kept.split('\n')) {
      if (!line) continue;
      const entry = JSON.parse(line) as PrivateEntry;
      const list = entries.get(entry.txId) ?? [];
      list.push(entry);
      entries.set(entry.txId, list);
    }
    return { store: new PrivateStore(fd), entries };
  }

  append(entries: PrivateEntry[]): void {
    if (!entries.length) return;
    writeSync(this.fd, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    this.dirty = true;
  }

  sync(): void {
    if (!this.dirty) return;
    fdatasyncSync(this.fd);
    this.dirty = false;
  }

  close(): void {
    closeSync(this.fd);
  }
}
