/**
 * A sorted set of strings as a list of sorted chunks (each at most
 * MAX_CHUNK long): inserting or deleting moves at most one chunk's entries,
 * not the whole set, so rebuilding a world state of n keys costs
 * O(n·(√n-ish)) instead of the O(n²) of one sorted array with splice.
 * Order is JavaScript string order (UTF-16 code units).
 */
export const MAX_CHUNK = 512;

export class SortedKeys {
  private chunks: string[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The longest chunk: the most entries one insert or delete moves. */
  get longestChunk(): number {
    return this.chunks.reduce((max, c) => Math.max(max, c.length), 0);
  }

  /** How many chunks hold the keys. */
  get chunkCount(): number {
    return this.chunks.length;
  }

  /** Adds `key`; false when it was already there. */
  insert(key: string): boolean {
    if (!this.chunks.length) {
      this.chunks.push([key]);
      this.count++;
      return true;
    }
    const c = this.chunkFor(key);
    const chunk = this.chunks[c];
    const i = lowerBound(chunk, key);
    if (chunk[i] === key) return false;
    chunk.splice(i, 0, key);
    this.count++;
    if (chunk.length > MAX_CHUNK) this.chunks.splice(c, 1, chunk.slice(0, chunk.length >>> 1), chunk.slice(chunk.length >>> 1));
    return true;
  }

  /** Removes `key`; false when it was not there. */
  delete(key: string): boolean {
    if (!this.chunks.length) return false;
    const c = this.chunkFor(key);
    const chunk = this.chunks[c];
    const i = lowerBound(chunk, key);
    if (chunk[i] !== key) return false;
    chunk.splice(i, 1);
    this.count--;
    if (!chunk.length) this.chunks.splice(c, 1);
    return true;
  }

  /** Keys ≥ start, in order. */
  *from(start: string): Generator<string> {
    if (!this.chunks.length) return;
    let c = this.chunkFor(start);
    let i = lowerBound(this.chunks[c], start);
    for (; c < this.chunks.length; c++, i = 0) {
      const chunk = this.chunks[c];
      for (; i < chunk.length; i++) yield chunk[i];
    }
  }

  /** The chunk whose range holds `key`: the last one whose first key is ≤ key (the first chunk for keys before all). */
  private chunkFor(key: string): number {
    let low = 0;
    let high = this.chunks.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.chunks[mid][0] <= key) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

/** The first index whose entry is ≥ key. */
function lowerBound(sorted: readonly string[], key: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid] < key) low = mid + 1;
    else high = mid;
  }
  return low;
}
