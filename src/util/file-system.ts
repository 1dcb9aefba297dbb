import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

/**
 * The file operations the durable files (block log, private stores, outbox,
 * checkpoints) use, as a seam: production passes the real file system, tests
 * pass one that records the order of writes and syncs or that can "crash"
 * (keep only what was synced), so a removed fsync turns a test red.
 */
export interface FileSystem {
  /** `a+` read and append (created if missing), `a` append, `w` truncate or create. */
  open(path: string, flags: 'a+' | 'a' | 'w', mode?: number): number;
  write(fd: number, data: string): void;
  /** fdatasync: the file's data (and its size) on stable storage. */
  datasync(fd: number): void;
  /** fsync: data and all metadata. */
  sync(fd: number): void;
  truncate(fd: number, length: number): void;
  /** The file's length now, in bytes, whoever wrote it (another process's appends included). */
  size(fd: number): number;
  close(fd: number): void;
  rename(from: string, to: string): void;
  /** fsync of a directory: makes the names created or renamed in it durable. */
  syncDir(path: string): void;
  mkdir(path: string, mode?: number): void;
  exists(path: string): boolean;
  readFile(path: string): string;
  readdir(path: string): string[];
}

/**
 * Writes all of `data`. write(2) may write less than asked and still succeed
 * (a disk with room for part of a block): the rest is written again, so a
 * full disk surfaces as ENOSPC from the next call instead of a short record
 * that a following fsync would make look durable.
 */
export function writeFully(fd: number, data: string, write: (fd: number, buffer: Buffer, offset: number, length: number) => number = writeSync): void {
  const buffer = Buffer.from(data, 'utf8');
  let offset = 0;
  while (offset < buffer.length) {
    const written = write(fd, buffer, offset, buffer.length - offset);
    if (written <= 0) throw Object.assign(new Error(`write returned ${written} with ${buffer.length - offset} byte(s) left`), { code: 'EIO' });
    offset += written;
  }
}

export const nodeFileSystem: FileSystem = {
  open: (path, flags, mode) => openSync(path, flags, mode),
  write: (fd, data) => writeFully(fd, data),
  datasync: (fd) => fdatasyncSync(fd),
  sync: (fd) => fsyncSync(fd),
  truncate: (fd, length) => ftruncateSync(fd, length),
  size: (fd) => fstatSync(fd).size,
  close: (fd) => closeSync(fd),
  rename: (from, to) => renameSync(from, to),
  syncDir: (path) => {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  },
  mkdir: (path, mode) => {
    mkdirSync(path, { mode });
  },
  exists: (path) => existsSync(path),
  readFile: (path) => readFileSync(path, 'utf8'),
  readdir: (path) => readdirSync(path),
};

/** Creates `path` (and missing parents) so that the new directories survive a crash: each parent is synced after its child is made. */
export function ensureDirDurably(fs: FileSystem, path: string, mode = 0o700): void {
  if (fs.exists(path)) return;
  const parent = dirname(path);
  if (parent !== path) ensureDirDurably(fs, parent, mode);
  fs.mkdir(path, mode);
  fs.syncDir(parent);
}

/** Opens `path` for appending; a file that did not exist is made durable (its directory synced) before anything is written to it. */
export function openForAppend(fs: FileSystem, path: string, flags: 'a+' | 'a' = 'a+'): number {
  const existed = fs.exists(path);
  const fd = fs.open(path, flags, 0o600);
  if (!existed) {
    try {
      fs.syncDir(dirname(path));
    } catch (error) {
      fs.close(fd);
      throw error;
    }
  }
  return fd;
}
