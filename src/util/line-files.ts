import { closeSync, fdatasyncSync, fsyncSync, ftruncateSync, openSync, renameSync, writeSync } from 'node:fs';

// The files that must survive a crash (block log, private data, outbox,
// checkpoints) follow two rules: a record and its newline go out in one
// write, so a tail without a newline is a torn write that was never
// acknowledged; and a file replaced whole is written beside it, synced, and
// renamed over it.

/** The part of a line-per-record file's text that holds whole records, and whether a torn tail follows it. */
export function wholeLines(text: string): { kept: string; torn: boolean } {
  const kept = text.slice(0, text.lastIndexOf('\n') + 1);
  return { kept, torn: kept.length !== text.length };
}

/** Cuts a torn tail off the file open at `fd` (synced), so appends continue right after the whole records. */
export function cutTornTail(fd: number, lines: { kept: string; torn: boolean }): void {
  if (!lines.torn) return;
  ftruncateSync(fd, Buffer.byteLength(lines.kept));
  fdatasyncSync(fd);
}

/** Replaces `path` with `content` so that a crash leaves either the old file or the new one. */
export function replaceFileDurably(path: string, content: string): void {
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}
