import { createHash } from 'node:crypto';

/** The SHA-256 digest of `data`. */
export function sha256(data: Uint8Array | string): Buffer {
  return createHash('sha256').update(data).digest();
}

/** The SHA-256 digest of `data`, as lowercase hex (how hashes are written in blocks, records and files). */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
