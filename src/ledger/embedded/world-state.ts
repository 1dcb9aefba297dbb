import { SortedKeys } from './sorted-keys.ts';

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
  private readonly sortedKeys = new SortedKeys();

  get size(): number {
    return this.values.size;
  }

  get(key: string): VersionedValue | undefined {
    return this.values.get(key);
  }

  apply(writes: KeyWrite[], version: number): void {
    for (const write of writes) {
      if (write.value === undefined) {
        if (this.values.delete(write.key)) this.sortedKeys.delete(write.key);
        continue;
      }
      if (!this.values.has(write.key)) this.sortedKeys.insert(write.key);
      this.values.set(write.key, { value: write.value, version });
    }
  }

  /** Keys in [start, end) in order; an empty end means "to the last key". */
  *range(start: string, end: string): Generator<[string, VersionedValue]> {
    for (const key of this.sortedKeys.from(start)) {
      if (end && key >= end) return;
      yield [key, this.values.get(key)!];
    }
  }
}
