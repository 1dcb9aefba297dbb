import type { KeyObject } from 'node:crypto';
import { Resolver, type DIDDocument, type VerificationMethod } from 'did-resolver';
import { didKeyDriver, didWebDriver } from './did-drivers.ts';
import type { Fetcher, FetchLimits } from './fetcher.ts';
import { algForJwk, keyFromMultibase, publicKeyFromJwk, type PublicJwk, type SigningAlg } from './keys.ts';
import { TrustError } from './reasons.ts';

export type Relationship = 'assertionMethod' | 'authentication';

export interface ResolvedKey {
  id: string;
  alg: SigningAlg;
  key: KeyObject;
}

interface CachedDocument {
  document: DIDDocument;
  expiresAt: number;
  /** Keys per relationship, built once per document: KeyObject creation is not free. */
  keys: Map<Relationship, ResolvedKey[]>;
}

export interface DidResolverOptions {
  fetcher: Fetcher;
  limits: FetchLimits;
  /** How long a resolved document is trusted; 0 disables caching. */
  ttlMs: number;
  now?: () => number;
}

function methodKey(method: VerificationMethod): { alg: SigningAlg; key: KeyObject } | undefined {
  if (method.publicKeyJwk) {
    const jwk = method.publicKeyJwk as PublicJwk;
    return { alg: algForJwk(jwk), key: publicKeyFromJwk(jwk) };
  }
  if (method.publicKeyMultibase) return keyFromMultibase(method.publicKeyMultibase);
  return undefined;
}

function absolute(did: string, ref: string): string {
  return ref.startsWith('#') ? `${did}${ref}` : ref;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What is wrong with a resolved document's shape, if anything: the document
 * comes from whoever controls the DID's web server, so nothing about it is
 * assumed (`authentication: 5` must be a refusal, not a TypeError).
 */
export function documentShapeProblem(document: unknown): string | undefined {
  if (!isObject(document)) return 'the DID document is not a JSON object';
  if (typeof document.id !== 'string') return 'the DID document has no string id';
  if (document.verificationMethod !== undefined) {
    if (!Array.isArray(document.verificationMethod)) return 'verificationMethod is not an array';
    const bad = document.verificationMethod.findIndex((m) => !isObject(m) || typeof m.id !== 'string');
    if (bad >= 0) return `verificationMethod[${bad}] is not an object with a string id`;
  }
  for (const relationship of ['authentication', 'assertionMethod'] as const) {
    const entries = document[relationship];
    if (entries === undefined) continue;
    if (!Array.isArray(entries)) return `${relationship} is not an array`;
    const bad = entries.findIndex((e) => typeof e !== 'string' && !(isObject(e) && typeof e.id === 'string'));
    if (bad >= 0) return `${relationship}[${bad}] is neither a method id nor a method with a string id`;
  }
  return undefined;
}

function keysFor(document: DIDDocument, relationship: Relationship): ResolvedKey[] {
  const methods = new Map((document.verificationMethod ?? []).map((m) => [absolute(document.id, m.id), m]));
  const keys: ResolvedKey[] = [];
  for (const entry of document[relationship] ?? []) {
    const method = typeof entry === 'string' ? methods.get(absolute(document.id, entry)) : entry;
    if (!method) continue;
    try {
      const key = methodKey(method);
      if (key) keys.push({ id: absolute(document.id, method.id), ...key });
    } catch {
      // A key of a type we cannot use is skipped; a signature needing it fails as KEY_NOT_FOUND.
    }
  }
  return keys;
}

/**
 * DID resolution through did-resolver (did:web, did:key) with a cache that
 * expires, unlike did-resolver's own, so rotated keys are picked up.
 */
export class DidResolver {
  private readonly resolver: Resolver;
  private readonly cache = new Map<string, CachedDocument>();
  private readonly inFlight = new Map<string, Promise<CachedDocument>>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: DidResolverOptions) {
    this.resolver = new Resolver({ web: didWebDriver(options.fetcher, options.limits), key: didKeyDriver }, { cache: false });
    this.ttlMs = options.ttlMs;
    this.now = options.now ?? Date.now;
  }

  private async load(did: string): Promise<CachedDocument> {
    const cached = this.cache.get(did);
    if (cached && cached.expiresAt > this.now()) return cached;
    const pending = this.inFlight.get(did);
    if (pending) return pending;
    const loading = (async () => {
      const result = await this.resolver.resolve(did);
      const document = result.didDocument;
      if (result.didResolutionMetadata.error || !document) {
        throw new TrustError(
          'DID_UNRESOLVABLE',
          `cannot resolve ${did}: ${result.didResolutionMetadata.message ?? result.didResolutionMetadata.error ?? 'no document'}`,
        );
      }
      const problem = documentShapeProblem(document);
      if (problem) throw new TrustError('DID_UNRESOLVABLE', `cannot use the document of ${did}: ${problem}`);
      const entry: CachedDocument = { document, expiresAt: this.now() + this.ttlMs, keys: new Map() };
      if (this.ttlMs > 0) this.cache.set(did, entry);
      return entry;
    })();
    this.inFlight.set(did, loading);
    try {
      return await loading;
    } finally {
      this.inFlight.delete(did);
    }
  }

  async resolve(did: string): Promise<DIDDocument> {
    return (await this.load(did)).document;
  }

  /**
   * The keys of `did` that may sign for `relationship` with `alg`; with a
   * `kid`, only that one (relative `#x` or absolute `did…#x`).
   */
  async keys(did: string, relationship: Relationship, alg: SigningAlg, kid?: string): Promise<ResolvedKey[]> {
    const entry = await this.load(did);
    let keys = entry.keys.get(relationship);
    if (!keys) {
      keys = keysFor(entry.document, relationship);
      entry.keys.set(relationship, keys);
    }
    const wanted = kid === undefined ? undefined : absolute(did, kid);
    const matching = keys.filter((k) => k.alg === alg && (wanted === undefined || k.id === wanted));
    if (!matching.length) {
      throw new TrustError('KEY_NOT_FOUND', wanted ? `${did} has no ${relationship} key ${wanted} for ${alg}` : `${did} has no ${relationship} key for ${alg}`);
    }
    return matching;
  }

  /** Forgets a cached document, e.g. after a signature failed with it (the key may have rotated). */
  invalidate(did: string): void {
    this.cache.delete(did);
  }
}
