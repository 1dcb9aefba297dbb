import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDirDurably, nodeFileSystem, openForAppend, type FileSystem } from '../util/file-system.ts';
import { parseJsonRecord, readRecordLines, repairTail } from '../util/line-files.ts';
import type { OpenInterval } from './metering.ts';
import type { MeteringRecord } from './records.ts';
import { fileLines } from './source.ts';

export const METERING_FILE = 'metering.jsonl';
export const meteringPath = (ledgerDir: string) => join(ledgerDir, METERING_FILE);

type Entry = { t: 'open'; interval: OpenInterval } | { t: 'closed'; record: MeteringRecord };

/**
 * The meter's journal beside the ledger: an `open` line when a pod starts
 * holding GPUs and a `closed` line with the whole interval when it stops,
 * each written and fdatasynced before it is acknowledged (the line-file
 * crash rules of src/util/line-files.ts: a torn last line is cut off on
 * open). Exports read only `closed` lines; after a restart the `open` ones
 * without a close are what the meter resumes from.
 */
export class MeteringLog {
  private readonly fs: FileSystem;
  private readonly fd: number;
  /** Intervals opened and not yet closed, as the file says. */
  readonly open: Map<string, OpenInterval>;

  private constructor(fs: FileSystem, fd: number, open: Map<string, OpenInterval>) {
    this.fs = fs;
    this.fd = fd;
    this.open = open;
  }

  static open(ledgerDir: string, fs: FileSystem = nodeFileSystem): MeteringLog {
    ensureDirDurably(fs, ledgerDir);
    const path = meteringPath(ledgerDir);
    const fd = openForAppend(fs, path);
    try {
      const lines = readRecordLines(fs.readFile(path), (line) => parseJsonRecord<Entry>(line), path);
      repairTail(fs, fd, lines);
      const open = new Map<string, OpenInterval>();
      for (const entry of lines.records) {
        if (entry.t === 'open') open.set(entry.interval.uid, entry.interval);
        else if (open.get(uidOf(entry.record))?.intervalId === entry.record.intervalId) open.delete(uidOf(entry.record));
      }
      return new MeteringLog(fs, fd, open);
    } catch (error) {
      fs.close(fd);
      throw error;
    }
  }

  /** Appends what the meter opened and closed in one write and one fdatasync. */
  append(opened: readonly OpenInterval[], closed: readonly MeteringRecord[]): void {
    if (!opened.length && !closed.length) return;
    const lines = [...closed.map((record) => ({ t: 'closed', record })), ...opened.map((interval) => ({ t: 'open', interval }))].map(
      (e) => `${JSON.stringify(e)}\n`,
    );
    this.fs.write(this.fd, lines.join(''));
    this.fs.datasync(this.fd);
    for (const record of closed) if (this.open.get(uidOf(record))?.intervalId === record.intervalId) this.open.delete(uidOf(record));
    for (const interval of opened) this.open.set(interval.uid, interval);
  }

  close(): void {
    this.fs.close(this.fd);
  }
}

const uidOf = (record: MeteringRecord) => record.intervalId.slice(0, record.intervalId.lastIndexOf('@'));

/** The closed intervals in a ledger directory's metering journal, streamed; none when there is no journal. */
export async function* closedIntervals(ledgerDir: string): AsyncGenerator<MeteringRecord> {
  const path = meteringPath(ledgerDir);
  if (!existsSync(path)) return;
  for await (const line of fileLines(path)) {
    const entry = parseJsonRecord<Entry>(line);
    if (entry?.t === 'closed') yield entry.record;
  }
}
