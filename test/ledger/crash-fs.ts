import { dirname } from 'node:path';
import type { FileSystem } from '../../src/util/file-system.ts';

interface Inode {
  /** What a reader sees now (the page cache). */
  data: string;
  /** What survives a crash: the data as of the last fsync/fdatasync. */
  durable: string;
}

type Entry = Inode | 'dir';

/**
 * An in-memory file system with the crash semantics the durable files rely
 * on (POSIX, as ext4/xfs behave): written data survives a crash only once
 * the file was synced, and a name created or renamed in a directory only
 * once that directory was synced. `crash()` gives the file system a machine
 * would see after losing power now. Every operation is also recorded, for
 * tests of the order of writes and syncs.
 */
export class CrashFileSystem implements FileSystem {
  private entries = new Map<string, Entry>();
  private durableEntries = new Map<string, Entry>();
  private readonly fds = new Map<number, { path: string; inode: Inode }>();
  private nextFd = 100;
  readonly operations: string[] = [];

  constructor(root: string) {
    this.entries.set(root, 'dir');
    this.durableEntries.set(root, 'dir');
  }

  /** The file system after a power loss at this instant: only synced data under synced names. */
  crash(): CrashFileSystem {
    const after = new CrashFileSystem('/');
    after.entries = new Map();
    const copies = new Map<Inode, Inode>();
    for (const [path, entry] of this.durableEntries) {
      if (entry === 'dir') after.entries.set(path, 'dir');
      else {
        const copy = copies.get(entry) ?? { data: entry.durable, durable: entry.durable };
        copies.set(entry, copy);
        after.entries.set(path, copy);
      }
    }
    after.durableEntries = new Map(after.entries);
    return after;
  }

  private file(path: string): Inode {
    const entry = this.entries.get(path);
    if (!entry || entry === 'dir') throw Object.assign(new Error(`ENOENT: no such file, ${path}`), { code: 'ENOENT' });
    return entry;
  }

  private handle(fd: number): { path: string; inode: Inode } {
    const open = this.fds.get(fd);
    if (!open) throw Object.assign(new Error(`EBADF: ${fd}`), { code: 'EBADF' });
    return open;
  }

  open(path: string, flags: 'a+' | 'a' | 'w'): number {
    if (this.entries.get(dirname(path)) !== 'dir') throw Object.assign(new Error(`ENOENT: no directory ${dirname(path)}`), { code: 'ENOENT' });
    let inode = this.entries.get(path);
    if (inode === 'dir') throw new Error(`EISDIR: ${path}`);
    if (!inode) {
      inode = { data: '', durable: '' };
      this.entries.set(path, inode);
      this.operations.push(`create ${path}`);
    } else if (flags === 'w') inode.data = '';
    const fd = this.nextFd++;
    this.fds.set(fd, { path, inode });
    return fd;
  }

  write(fd: number, data: string): void {
    const { path, inode } = this.handle(fd);
    inode.data += data;
    this.operations.push(`write ${path}`);
  }

  datasync(fd: number): void {
    const { path, inode } = this.handle(fd);
    inode.durable = inode.data;
    this.operations.push(`sync ${path}`);
  }

  sync(fd: number): void {
    this.datasync(fd);
  }

  truncate(fd: number, length: number): void {
    const { path, inode } = this.handle(fd);
    inode.data = Buffer.from(inode.data).subarray(0, length).toString('utf8');
    this.operations.push(`truncate ${path}`);
  }

  size(fd: number): number {
    return Buffer.byteLength(this.handle(fd).inode.data);
  }

  /** Appends as another process holding the same file would (not through any of this file system's descriptors). */
  appendAsAnotherWriter(path: string, data: string): void {
    this.file(path).data += data;
  }

  close(fd: number): void {
    this.handle(fd);
    this.fds.delete(fd);
  }

  rename(from: string, to: string): void {
    const inode = this.file(from);
    this.entries.delete(from);
    this.entries.set(to, inode);
    this.operations.push(`rename ${from} ${to}`);
  }

  syncDir(path: string): void {
    if (this.entries.get(path) !== 'dir') throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    for (const known of [...this.durableEntries.keys()])
      if (dirname(known) === path && known !== path && !this.entries.has(known)) this.durableEntries.delete(known);
    for (const [name, entry] of this.entries) if (dirname(name) === path && name !== path) this.durableEntries.set(name, entry);
    this.operations.push(`syncdir ${path}`);
  }

  mkdir(path: string): void {
    if (this.entries.has(path)) throw Object.assign(new Error(`EEXIST: ${path}`), { code: 'EEXIST' });
    if (this.entries.get(dirname(path)) !== 'dir') throw Object.assign(new Error(`ENOENT: ${dirname(path)}`), { code: 'ENOENT' });
    this.entries.set(path, 'dir');
    this.operations.push(`mkdir ${path}`);
  }

  exists(path: string): boolean {
    return this.entries.has(path);
  }

  readFile(path: string): string {
    return this.file(path).data;
  }

  readdir(path: string): string[] {
    return [...this.entries.keys()].filter((name) => dirname(name) === path && name !== path).map((name) => name.slice(path.length + 1));
  }
}
