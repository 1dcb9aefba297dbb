// The trust pipeline without a network: did:web documents and status lists
// served from memory through the verifier's injectable fetcher, on a fixed
// clock. Cheap enough that every decision of src/trust can be asserted in
// milliseconds (and every mutant of it judged quickly).
import { trustConfigFrom, type TrustConfig } from '../../src/trust/anchors.ts';
import { didWebUrl } from '../../src/trust/did-drivers.ts';
import type { Fetcher, FetchLimits, FetchResponse } from '../../src/trust/fetcher.ts';
import {
  issueNodeCredential,
  newIdentity,
  newStatusListFile,
  nodeCredentialPayload,
  proveNode,
  publishStatusList,
  type Identity,
  type KeyFile,
  type NodeCredentialRequest,
} from '../../src/trust/issue.ts';
import { signJwt } from '../../src/trust/jwt.ts';
import { decodeBitstring, encodeBitstring, setBit } from '../../src/trust/status-list.ts';
import { TrustVerifier, type Challenge, type NodeClaim } from '../../src/trust/verifier.ts';

export const T0 = Date.parse('2026-12-01T09:00:00Z');
export const T0_SECONDS = T0 / 1000;
export const AUDIENCE = 'did:web:operator.cloudempire.example';
export const LIST_URL = 'https://status.trust.example.eu/lists/1';
export const REVOKED = 7;
export const GOOD = 3;

/** URL → answer; anything not served is a 404. Counts fetches per URL. */
export class MemoryWeb {
  private readonly pages = new Map<string, FetchResponse>();
  readonly fetches = new Map<string, number>();
  /** The limits each fetch was given, in order. */
  readonly limits: FetchLimits[] = [];

  serve(url: string | URL, body: string | object, status = 200): void {
    const href = typeof url === 'string' ? url : url.href;
    this.pages.set(href, { status, body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), url: href });
  }

  host(identity: Identity): void {
    this.serve(didWebUrl(identity.did), identity.document!);
  }

  fetchesOf(url: string | URL): number {
    return this.fetches.get(typeof url === 'string' ? url : url.href) ?? 0;
  }

  readonly fetcher: Fetcher = async (url, limits) => {
    this.limits.push(limits);
    this.fetches.set(url.href, this.fetchesOf(url) + 1);
    return this.pages.get(url.href) ?? { status: 404, body: Buffer.from('not found'), url: url.href };
  };
}

/** Signs any payload as `key` (iss from the key's DID), for credentials the issuing code would never make. */
export function signAs(key: KeyFile, payload: Record<string, unknown>): string {
  return signJwt({ iss: key.kid.split('#')[0], ...payload }, key, { kid: key.kid });
}

/** A did:key issuer, a did:web issuer, a node, and a revocation list with entry REVOKED set, all in memory. */
export class MemoryTrust {
  readonly web = new MemoryWeb();
  readonly issuer = newIdentity({ method: 'key' });
  readonly webIssuer = newIdentity({ method: 'web', alg: 'ES256', domain: 'trust.example.eu', path: 'issuers/fr' });
  readonly node = newIdentity({ method: 'key', alg: 'ES256' });
  clockMs = T0;

  constructor() {
    this.web.host(this.webIssuer);
  }

  /** Publishes a revocation (or suspension) list signed by `by` at `url`, with `set` entries set. */
  async publishList(options: { url?: string; by?: Identity; set?: number[]; purpose?: 'revocation' | 'suspension'; validForSeconds?: number } = {}) {
    const url = options.url ?? LIST_URL;
    const file = newStatusListFile(url, options.purpose);
    const bits = decodeBitstring(file.encodedList);
    for (const index of options.set ?? [REVOKED]) setBit(bits, index);
    file.encodedList = encodeBitstring(bits);
    this.web.serve(url, await publishStatusList((options.by ?? this.issuer).key, file, options.validForSeconds ?? 3600, T0_SECONDS));
  }

  config(overrides: Partial<TrustConfig> = {}): TrustConfig {
    return trustConfigFrom({
      issuers: [
        { did: this.issuer.did, name: 'Spanish trust authority' },
        { did: this.webIssuer.did, name: 'French trust authority' },
      ],
      audience: AUDIENCE,
      ...overrides,
    });
  }

  verifier(overrides: Partial<TrustConfig> = {}): TrustVerifier {
    return new TrustVerifier(this.config(overrides), { fetcher: this.web.fetcher, now: () => this.clockMs });
  }

  request(overrides: Partial<NodeCredentialRequest> = {}): NodeCredentialRequest {
    return {
      subject: this.node.did,
      memberCluster: 'paris',
      nodeName: 'par-1',
      countryCode: 'FR',
      provider: 'ovhcloud',
      validFrom: T0_SECONDS - 60,
      validForSeconds: 86_400,
      statusList: { url: LIST_URL, index: GOOD },
      ...overrides,
    };
  }

  /** The credential's claims, to be changed and signed with signAs. */
  payload(
    overrides: Partial<NodeCredentialRequest> = {},
  ): Record<string, unknown> & { vc: Record<string, unknown> & { credentialSubject: Record<string, unknown> } } {
    return nodeCredentialPayload(this.request(overrides)) as never;
  }

  challenge(issuedAgoSeconds = 10): Challenge {
    return { nonce: 'nonce-0123456789abcdef', issuedAt: new Date(T0 - issuedAgoSeconds * 1000).toISOString() };
  }

  async claim(options: { credential?: string; request?: Partial<NodeCredentialRequest>; by?: Identity; proof?: string } = {}): Promise<NodeClaim> {
    return {
      did: this.node.did,
      memberCluster: 'paris',
      nodeName: 'par-1',
      credential: options.credential ?? (await issueNodeCredential((options.by ?? this.issuer).key, this.request(options.request))),
      proof: options.proof ?? (await proveNode(this.node.key, this.challenge().nonce, AUDIENCE, T0_SECONDS - 5)),
    };
  }
}
