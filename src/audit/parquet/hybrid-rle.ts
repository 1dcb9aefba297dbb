// Parquet's RLE / bit-packing hybrid encoding (format spec, Encodings.md),
// used for definition levels and dictionary indices: runs of one value as
// RLE, everything else bit-packed in groups of eight.

/** Bits needed to store values up to `max`. */
export function bitWidth(max: number): number {
  return max <= 0 ? 0 : 32 - Math.clz32(max);
}

class ByteSink {
  bytes: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(16, capacity));
  }

  reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  varint(value: number): void {
    this.reserve(5);
    while (value >= 0x80) {
      this.bytes[this.length++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.bytes[this.length++] = value;
  }
}

/** Encodes `values[0..count)` (each < 2^width) without a length prefix. */
export function encodeHybrid(values: ArrayLike<number>, count: number, width: number): Uint8Array {
  const sink = new ByteSink(Math.ceil((count * Math.max(width, 1)) / 8) + 16);
  const valueBytes = Math.ceil(width / 8);
  let groupsStart = -1; // first value of the pending bit-packed run
  let groups = 0;

  const flushPacked = (): void => {
    if (!groups) return;
    sink.varint((groups << 1) | 1);
    const total = groups * width; // bytes: 8 values × width bits per group
    sink.reserve(total);
    const out = sink.bytes;
    const base = sink.length;
    const end = groupsStart + groups * 8;
    if (width <= 24) {
      // An accumulator of at most 7 + 24 bits: one shift and one store per byte.
      let acc = 0;
      let bits = 0;
      let at = base;
      for (let index = groupsStart; index < end; index++) {
        acc |= (index < count ? values[index] : 0) << bits;
        bits += width;
        while (bits >= 8) {
          out[at++] = acc & 0xff;
          acc >>>= 8;
          bits -= 8;
        }
      }
    } else {
      out.fill(0, base, base + total);
      let bit = 0;
      for (let index = groupsStart; index < end; index++) {
        const value = index < count ? values[index] : 0;
        for (let b = 0; b < width; b++, bit++) if ((value >>> b) & 1) out[base + (bit >>> 3)] |= 1 << (bit & 7);
      }
    }
    sink.length += total;
    groups = 0;
    groupsStart = -1;
  };

  let i = 0;
  while (i < count) {
    const value = values[i];
    let j = i + 1;
    while (j < count && values[j] === value) j++;
    if (j - i >= 8) {
      flushPacked();
      sink.varint((j - i) << 1);
      sink.reserve(valueBytes);
      for (let b = 0; b < valueBytes; b++) sink.bytes[sink.length++] = (value >>> (8 * b)) & 0xff;
      i = j;
    } else {
      if (groupsStart < 0) groupsStart = i;
      groups++;
      i += 8;
    }
  }
  flushPacked();
  return sink.bytes.subarray(0, sink.length);
}
