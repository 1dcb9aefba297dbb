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
 * The bytes in an ArrayBuffer of their own. A small Buffer is a slice of a
 * shared 64 KB pool slab (Node 24's Buffer.poolSize), and a slice kept alive
 * keeps the whole slab alive: world-state values live as long as the ledger,
 * while the slab's other slices (block JSON, hashes, signatures of the same
 * transaction) die with it, so each new key pinned a mostly-dead slab
 * (measured: ~6 KB of ArrayBuffer memory per ~0.4 KB value, growing without
 * bound as decisions accumulate).
 */
export function ownedBytes(value: Uint8Array): Uint8Array {
  if (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) return value;
  // A Buffer still (callers decode it as one), but unpooled.
  const own = Buffer.allocUnsafeSlow(value.byteLength);
  own.set(value);
  return own;
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
      this.values.set(write.key, { value: ownedBytes(write.value), version });
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
