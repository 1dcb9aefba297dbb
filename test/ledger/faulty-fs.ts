import { nodeFileSystem, type FileSystem } from '../../src/util/file-system.ts';

export type DiskFault = 'none' | 'eio' | 'enospc';

const error = (code: string, what: string) =>
  Object.assign(new Error(`${code}: ${code === 'EIO' ? 'i/o error' : 'no space left on device'}, ${what}`), { code });

/**
 * The real file system with a switchable fault at every write and sync:
 * `eio` fails writes, syncs and new files as a dying disk does; `enospc`
 * writes the first half of each write, then fails, as a disk that fills
 * mid-record. Reads always work, so a ledger can be reopened to see what
 * reached the disk.
 */
export class FaultyFileSystem implements FileSystem {
  fault: DiskFault = 'none';
  /** How many writes or syncs failed. */
  failures = 0;

  private fail(what: string): void {
    if (this.fault === 'none') return;
    this.failures++;
    throw error(this.fault === 'eio' ? 'EIO' : 'ENOSPC', what);
  }

  open(path: string, flags: 'a+' | 'a' | 'w', mode?: number): number {
    if (flags === 'w') this.fail('open');
    return nodeFileSystem.open(path, flags, mode);
  }
  write(fd: number, data: string): void {
    if (this.fault === 'enospc') nodeFileSystem.write(fd, data.slice(0, Math.floor(data.length / 2)));
    this.fail('write');
    nodeFileSystem.write(fd, data);
  }
  datasync(fd: number): void {
    this.fail('fdatasync');
    nodeFileSystem.datasync(fd);
  }
  sync(fd: number): void {
    this.fail('fsync');
    nodeFileSystem.sync(fd);
  }
  truncate(fd: number, length: number): void {
    nodeFileSystem.truncate(fd, length);
  }
  size(fd: number): number {
    return nodeFileSystem.size(fd);
  }
  close(fd: number): void {
    nodeFileSystem.close(fd);
  }
  rename(from: string, to: string): void {
    this.fail('rename');
    nodeFileSystem.rename(from, to);
  }
  syncDir(path: string): void {
    this.fail('fsync');
    nodeFileSystem.syncDir(path);
  }
  mkdir(path: string, mode?: number): void {
    this.fail('mkdir');
    nodeFileSystem.mkdir(path, mode);
  }
  exists(path: string): boolean {
    return nodeFileSystem.exists(path);
  }
  readFile(path: string): string {
    return nodeFileSystem.readFile(path);
  }
  readdir(path: string): string[] {
    return nodeFileSystem.readdir(path);
  }
}
