/** A key's value and the commit that last wrote it (transactions are numbered in commit order). */
export interface VersionedValue {
  value: Uint8Array;
  version: number;
}

export interface KeyWrite {
  key: string;
  /** Absent for a delete. */
  value?: Uint8Array;
}

/**
 * The current value of every key, ordered so range and composite-key
 * queries return keys in the same order a Fabric peer's LevelDB does (keys
 * here are ASCII plus the U+0000 separators, where UTF-16 and UTF-8 order agree).
 */
export class WorldState {
  private readonly values = new Map<string, VersionedValue>();
  private sortedKeys: string[] = [];

  get size(): number {
    return this.values.size;
  }

  get(key: string): VersionedValue | undefined {
    return this.values.get(key);
  }

  apply(writes: KeyWrite[], version: number): void {
    for (const write of writes) {
      const existed = this.values.has(write.key);
      if (write.value === undefined) {
        if (existed) {
          this.values.delete(write.key);
          this.sortedKeys.splice(this.indexOf(write.key), 1);
        }
        continue;
      }
      this.values.set(write.key, { value: write.value, version });
      if (!existed) this.sortedKeys.splice(this.indexOf(write.key), 0, write.key);
    }
  }

  /** Keys in [start, end) in order; an empty end means "to the last key". */
  *range(start: string, end: string): Generator<[string, VersionedValue]> {
    for (let i = this.indexOf(start); i < this.sortedKeys.length; i++) {
      const key = this.sortedKeys[i];
      if (end && key >= end) return;
      yield [key, this.values.get(key)!];
    }
  }

  /** The position of `key`, or where it would be inserted. */
  private indexOf(key: string): number {
    let low = 0;
    let high = this.sortedKeys.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.sortedKeys[mid] < key) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
