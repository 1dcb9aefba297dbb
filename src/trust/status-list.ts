import { gunzipSync, gzipSync } from 'node:zlib';
import type { Fetcher, FetchLimits } from './fetcher.ts';
import { verifyIssuedJwt } from './issued-jwt.ts';
import { TrustError } from './reasons.ts';
import type { DidResolver } from './resolver.ts';

/** W3C Bitstring Status List v1.0: at least 16 KiB (131,072 entries) to protect holder privacy. */
export const MIN_STATUS_LIST_BITS = 131_072;
const MAX_DECODED_BYTES = 16 * 1024 * 1024;

export function newBitstring(entries = MIN_STATUS_LIST_BITS): Uint8Array {
  return new Uint8Array(Math.ceil(Math.max(entries, MIN_STATUS_LIST_BITS) / 8));
}

// Index 0 is the most significant bit of the first byte.
export function getBit(bits: Uint8Array, index: number): boolean {
  return ((bits[index >> 3] >> (7 - (index & 7))) & 1) === 1;
}

export function setBit(bits: Uint8Array, index: number, value = true): void {
  if (index < 0 || index >= bits.length * 8) throw new RangeError(`status index ${index} is outside the list of ${bits.length * 8}`);
  const mask = 1 << (7 - (index & 7));
  bits[index >> 3] = value ? bits[index >> 3] | mask : bits[index >> 3] & ~mask;
}

/** Multibase base64url (`u`) of the GZIP-compressed bitstring. */
export function encodeBitstring(bits: Uint8Array): string {
  return `u${gzipSync(bits).toString('base64url')}`;
}

export function decodeBitstring(encoded: string): Uint8Array {
  if (!encoded.startsWith('u')) throw new Error('encodedList must be multibase base64url (starting with "u")');
  // Bounded: a tiny gzip can expand to gigabytes.
  const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'), { maxOutputLength: MAX_DECODED_BYTES });
  if (bits.length * 8 < MIN_STATUS_LIST_BITS) throw new Error(`the list has ${bits.length * 8} entries, fewer than the ${MIN_STATUS_LIST_BITS} required`);
  return bits;
}

export interface StatusEntry {
  statusListCredential: string;
  statusListIndex: number;
  statusPurpose: string;
}

/** Reads a `credentialStatus` of type BitstringStatusListEntry; throws with what is wrong. */
export function parseStatusEntry(status: unknown): StatusEntry {
  const entry = status as Record<string, unknown> | null;
  if (!entry || typeof entry !== 'object') throw new Error('credentialStatus is not an object');
  if (entry.type !== 'BitstringStatusListEntry') throw new Error(`credentialStatus type ${JSON.stringify(entry.type)} is not BitstringStatusListEntry`);
  const index = Number(entry.statusListIndex);
  if (!Number.isSafeInteger(index) || index < 0) throw new Error(`statusListIndex ${JSON.stringify(entry.statusListIndex)} is not a non-negative integer`);
  if (typeof entry.statusListCredential !== 'string') throw new Error('statusListCredential is missing');
  if (entry.statusPurpose !== 'revocation' && entry.statusPurpose !== 'suspension') {
    throw new Error(`statusPurpose ${JSON.stringify(entry.statusPurpose)} is neither revocation nor suspension`);
  }
  return { statusListCredential: entry.statusListCredential, statusListIndex: index, statusPurpose: entry.statusPurpose };
}

interface CachedList {
  bits: Uint8Array;
  purpose: string;
  issuer: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export interface StatusListOptions {
  fetcher: Fetcher;
  limits: FetchLimits;
  resolver: DidResolver;
  maxAgeMs: number;
  skewSeconds: number;
}

export interface StatusResult {
  set: boolean;
  /** When this answer must be fetched again (ms since the epoch). */
  expiresAt: number;
}

/**
 * Fetches, verifies and caches status-list credentials. Anything short of a
 * verified list signed by the credential's own issuer is STATUS_UNAVAILABLE:
 * a node is never admitted on an unknown revocation state.
 */
export class StatusLists {
  private readonly cache = new Map<string, CachedList>();
  private readonly inFlight = new Map<string, Promise<CachedList>>();
  private readonly options: StatusListOptions;

  constructor(options: StatusListOptions) {
    this.options = options;
  }

  private async fetchList(url: string, issuer: string, nowMs: number): Promise<CachedList> {
    const { fetcher, limits, resolver, maxAgeMs, skewSeconds } = this.options;
    const response = await fetcher(new URL(url), limits);
    if (response.status !== 200) throw new Error(`${url} answered HTTP ${response.status}`);
    const jwt = response.body.toString('utf8').trim();
    const { decoded } = await verifyIssuedJwt(
      jwt,
      resolver,
      { allowedIssuers: new Set([issuer]), relationship: 'assertionMethod', skewSeconds, now: Math.floor(nowMs / 1000) },
      `status list ${url}`,
    );
    const vc = decoded.payload.vc as { type?: unknown; credentialSubject?: Record<string, unknown> } | undefined;
    const types = Array.isArray(vc?.type) ? vc.type : [];
    if (!types.includes('BitstringStatusListCredential')) throw new Error(`${url} is not a BitstringStatusListCredential`);
    const subject = vc?.credentialSubject ?? {};
    if (typeof subject.encodedList !== 'string') throw new Error(`${url} has no encodedList`);
    const exp = typeof decoded.payload.exp === 'number' ? decoded.payload.exp * 1000 : Infinity;
    return {
      bits: decodeBitstring(subject.encodedList),
      purpose: String(subject.statusPurpose),
      issuer,
      expiresAt: Math.min(nowMs + maxAgeMs, exp),
    };
  }

  private async list(url: string, issuer: string, nowMs: number): Promise<CachedList> {
    const key = `${issuer} ${url}`;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > nowMs) return cached;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.fetchList(url, issuer, nowMs);
      this.inFlight.set(key, pending);
    }
    try {
      const list = await pending;
      this.cache.set(key, list);
      return list;
    } finally {
      this.inFlight.delete(key);
    }
  }

  async check(entry: StatusEntry, issuer: string, nowMs: number): Promise<StatusResult> {
    let list: CachedList;
    try {
      list = await this.list(entry.statusListCredential, issuer, nowMs);
    } catch (error) {
      const reason = error instanceof TrustError ? `${error.reason}: ${error.message}` : (error as Error).message;
      throw new TrustError('STATUS_UNAVAILABLE', `cannot establish revocation status: ${reason}`);
    }
    if (list.purpose !== entry.statusPurpose) {
      throw new TrustError(
        'STATUS_UNAVAILABLE',
        `status list ${entry.statusListCredential} is for ${list.purpose}, the credential asks about ${entry.statusPurpose}`,
      );
    }
    if (entry.statusListIndex >= list.bits.length * 8) {
      throw new TrustError('STATUS_UNAVAILABLE', `statusListIndex ${entry.statusListIndex} is beyond the list's ${list.bits.length * 8} entries`);
    }
    return { set: getBit(list.bits, entry.statusListIndex), expiresAt: list.expiresAt };
  }
}
