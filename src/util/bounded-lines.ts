// Newline-delimited streams and bodies from servers we do not control (member
// API servers): a line or a body larger than its cap is an error, found
// without ever holding more than the cap, and each chunk is scanned once (a
// line that never ends costs O(bytes), not O(bytes²) re-scanning).

export class SizeLimitError extends Error {
  constructor(what: string, limit: number) {
    super(`${what} is longer than the ${limit}-byte limit`);
    this.name = 'SizeLimitError';
  }
}

const NEWLINE = 0x0a;

/** Splits a byte stream into UTF-8 lines of at most `maxLineBytes`; multi-byte characters may span chunks. */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly maxLineBytes: number;

  constructor(maxLineBytes: number) {
    this.maxLineBytes = maxLineBytes;
  }

  /** The lines `chunk` completes (without their newline); throws SizeLimitError once a line outgrows the cap. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline >= 0; newline = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, newline);
      if (this.pendingBytes + piece.length > this.maxLineBytes) throw new SizeLimitError('a line', this.maxLineBytes);
      lines.push(this.pendingBytes ? Buffer.concat([...this.pending, piece]).toString('utf8') : piece.toString('utf8'));
      this.pending = [];
      this.pendingBytes = 0;
      start = newline + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (this.pendingBytes + rest.length > this.maxLineBytes) throw new SizeLimitError('a line', this.maxLineBytes);
      // A copy: the stream may reuse the chunk's memory.
      this.pending.push(Buffer.from(rest));
      this.pendingBytes += rest.length;
    }
    return lines;
  }

  /** Bytes held for the line not yet ended. */
  get buffered(): number {
    return this.pendingBytes;
  }
}

/** Collects a body up to `maxBytes`; `add` throws SizeLimitError past it. */
export class BoundedBody {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private readonly maxBytes: number;
  private readonly what: string;

  constructor(maxBytes: number, what = 'the response body') {
    this.maxBytes = maxBytes;
    this.what = what;
  }

  add(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) throw new SizeLimitError(this.what, this.maxBytes);
    this.chunks.push(chunk);
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
