import { isCountryCode } from '../api/countries.ts';
import type { TrustConfig } from './anchors.ts';
import type { Fetcher } from './fetcher.ts';
import { checkAlg, checkSignature, decodeOrReject, verifyIssuedJwt } from './issued-jwt.ts';
import { isNumericDate, isoOrUndefined } from './numeric-date.ts';
import { TrustError, type ReasonCode } from './reasons.ts';
import { DidResolver } from './resolver.ts';
import { parseStatusEntry, StatusLists } from './status-list.ts';

export const CREDENTIAL_TYPE = 'SovereignNodeCredential';

/** What a SovereignNode claims: the fields of its spec the verdict depends on. */
export interface NodeClaim {
  did: string;
  memberCluster: string;
  nodeName: string;
  credential: string;
  proof?: string;
}

/** The challenge the operator published in SovereignNode.status. */
export interface Challenge {
  nonce: string;
  /** RFC 3339; when absent (offline checks) only the proof's own times are checked. */
  issuedAt?: string;
}

export interface Verdict {
  verified: boolean;
  reason: ReasonCode;
  message: string;
  issuer?: string;
  issuerName?: string;
  countryCode?: string;
  jurisdiction?: string;
  provider?: string;
  /** When the credential expires (RFC 3339). */
  expiresAt?: string;
  /** When the verdict must be recomputed at the latest: expiry, status-list refresh, challenge expiry. */
  recheckAt?: string;
}

export interface VerifyOptions {
  challenge?: Challenge;
  /** Milliseconds since the epoch; defaults to the verifier's clock. */
  now?: number;
}

/** What the credential's signature vouches for; filled in as checks pass, reported even on refusal. */
interface CredentialFacts {
  issuer?: string;
  countryCode?: string;
  provider?: string;
  expiresAtMs?: number;
  recheckAtMs: number;
}

const iso = isoOrUndefined;
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
// Status condition messages have a size limit, and quoted hostile values can be anything.
const MAX_MESSAGE = 1024;
const clip = (message: string) => (message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message);

/**
 * The node admission pipeline: the credential (trusted issuer, signature,
 * validity, type, subject and binding, jurisdiction, revocation) and then the
 * proof that the node holds its DID key. Pure but for DID and status-list
 * fetches, which go through the injected fetcher and are cached.
 */
export class TrustVerifier {
  readonly config: TrustConfig;
  readonly resolver: DidResolver;
  private readonly statusLists: StatusLists;
  private readonly anchors: Map<string, string>;
  private readonly trustedIssuers: ReadonlySet<string>;
  private readonly countries: Set<string>;
  private readonly clock: () => number;

  constructor(config: TrustConfig, deps: { fetcher: Fetcher; now?: () => number }) {
    this.config = config;
    this.clock = deps.now ?? Date.now;
    const limits = { timeoutMs: config.fetchTimeoutMs, maxBytes: config.fetchMaxBytes };
    this.resolver = new DidResolver({ fetcher: deps.fetcher, limits, ttlMs: config.didCacheTtlSeconds * 1000, now: this.clock });
    this.statusLists = new StatusLists({
      fetcher: deps.fetcher,
      limits,
      resolver: this.resolver,
      maxAgeMs: config.statusListMaxAgeSeconds * 1000,
      skewSeconds: config.clockSkewSeconds,
    });
    this.anchors = new Map(config.issuers.map((i) => [i.did, i.name]));
    this.trustedIssuers = new Set(this.anchors.keys());
    this.countries = new Set(config.countries);
  }

  /**
   * Never throws: every refusal, expected or not, is a verdict with a reason
   * code, so a hostile input cannot make the reconcile fail and leave the
   * node with its previous (perhaps positive) verdict.
   */
  async verify(claim: NodeClaim, options: VerifyOptions = {}): Promise<Verdict> {
    const facts: CredentialFacts = { recheckAtMs: Infinity };
    try {
      const nowMs = options.now ?? this.clock();
      const verdict = await this.judge(claim, options, nowMs, facts);
      return { ...verdict, message: clip(verdict.message) };
    } catch (error) {
      const known = error instanceof TrustError;
      return {
        verified: false,
        reason: known ? error.reason : 'VERIFICATION_ERROR',
        message: clip(known ? error.message : `the verifier could not judge this node (${(error as Error)?.name ?? typeof error}); it stays unverified`),
        ...this.describe(facts),
      };
    }
  }

  private async judge(claim: NodeClaim, options: VerifyOptions, nowMs: number, facts: CredentialFacts): Promise<Verdict> {
    if (!claim || typeof claim.credential !== 'string' || typeof claim.did !== 'string') {
      throw new TrustError('CREDENTIAL_MALFORMED', 'the claim has no credential or DID string');
    }
    await this.verifyCredential(claim, nowMs, facts);
    let recheckAtMs = facts.recheckAtMs;
    if (this.config.requireProofOfPossession) recheckAtMs = Math.min(recheckAtMs, await this.verifyProof(claim, options.challenge, nowMs));
    return {
      verified: true,
      reason: 'VERIFIED',
      message: `credential from ${this.anchors.get(facts.issuer!)} verified for ${claim.nodeName} in ${facts.countryCode}${
        this.config.requireProofOfPossession ? ', key possession proven' : ''
      }`,
      ...this.describe(facts),
      recheckAt: iso(recheckAtMs),
    };
  }

  /** Cannot throw (it runs in verify's catch): lookups and isoOrUndefined only. */
  private describe(facts: CredentialFacts): Partial<Verdict> {
    if (!facts.issuer) return {};
    const inJurisdiction = facts.countryCode !== undefined && this.countries.has(facts.countryCode);
    return {
      issuer: facts.issuer,
      issuerName: this.anchors.get(facts.issuer),
      countryCode: facts.countryCode,
      jurisdiction: inJurisdiction ? this.config.jurisdiction : undefined,
      provider: facts.provider,
      expiresAt: iso(facts.expiresAtMs),
    };
  }

  private async verifyCredential(claim: NodeClaim, nowMs: number, facts: CredentialFacts): Promise<void> {
    const now = Math.floor(nowMs / 1000);
    const readVc = (payload: Record<string, unknown>) =>
      (isRecord(payload.vc) ? payload.vc : {}) as { type?: unknown; credentialSubject?: unknown; credentialStatus?: unknown };
    const subjectOf = (vc: { credentialSubject?: unknown }): Record<string, unknown> => (isRecord(vc.credentialSubject) ? vc.credentialSubject : {});
    const { decoded, issuer } = await verifyIssuedJwt(
      claim.credential,
      this.resolver,
      { allowedIssuers: this.trustedIssuers, relationship: 'assertionMethod', skewSeconds: this.config.clockSkewSeconds, now },
      'the credential',
      (signed, signer) => {
        const subject = subjectOf(readVc(signed.payload));
        facts.issuer = signer;
        // Reported in status, whose schema allows only a country code and a 63-character provider:
        // a signed value outside them is not reported (a status the API server refuses would keep the old verdict).
        facts.countryCode = typeof subject.countryCode === 'string' && isCountryCode(subject.countryCode) ? subject.countryCode : undefined;
        facts.provider = typeof subject.provider === 'string' && subject.provider.length <= 63 ? subject.provider : undefined;
        facts.expiresAtMs = isNumericDate(signed.payload.exp) ? signed.payload.exp * 1000 : undefined;
      },
    );
    const { payload } = decoded;
    const vc = readVc(payload);
    const types = Array.isArray(vc.type) ? vc.type : [];
    if (!types.includes('VerifiableCredential') || !types.includes(CREDENTIAL_TYPE)) {
      throw new TrustError('TYPE_MISMATCH', `the credential's type ${JSON.stringify(vc.type)} does not include VerifiableCredential and ${CREDENTIAL_TYPE}`);
    }
    const subject = subjectOf(vc);
    if (payload.sub !== claim.did || (subject.id !== undefined && subject.id !== claim.did)) {
      throw new TrustError('SUBJECT_MISMATCH', `the credential is about ${JSON.stringify(payload.sub ?? subject.id)}, not this node's DID ${claim.did}`);
    }
    if (subject.memberCluster !== claim.memberCluster || subject.nodeName !== claim.nodeName) {
      throw new TrustError(
        'BINDING_MISMATCH',
        `the credential binds the DID to node ${JSON.stringify(subject.nodeName)} of cluster ${JSON.stringify(subject.memberCluster)}, not ${claim.nodeName} of ${claim.memberCluster}`,
      );
    }
    const countryCode = subject.countryCode;
    if (typeof countryCode !== 'string' || !this.countries.has(countryCode)) {
      throw new TrustError(
        'JURISDICTION_DENIED',
        `the attested country ${JSON.stringify(countryCode)} is not one of ${this.config.jurisdiction}'s countries (ISO 3166-1 alpha-2, upper case)`,
      );
    }
    let recheckAtMs = facts.expiresAtMs === undefined ? Infinity : facts.expiresAtMs + this.config.clockSkewSeconds * 1000;

    if (vc.credentialStatus !== undefined) {
      const entries = Array.isArray(vc.credentialStatus) ? vc.credentialStatus : [vc.credentialStatus];
      for (const raw of entries) {
        let entry;
        try {
          entry = parseStatusEntry(raw);
        } catch (error) {
          throw new TrustError('STATUS_UNAVAILABLE', `the credential's status entry is unusable: ${(error as Error).message}`);
        }
        const status = await this.statusLists.check(entry, issuer, nowMs);
        if (status.set) {
          throw new TrustError(
            'REVOKED',
            `the issuer has ${entry.statusPurpose === 'revocation' ? 'revoked' : 'suspended'} the credential (status list ${entry.statusListCredential}, index ${entry.statusListIndex})`,
          );
        }
        recheckAtMs = Math.min(recheckAtMs, status.expiresAt);
      }
    }
    facts.recheckAtMs = recheckAtMs;
  }

  /** Returns when the challenge lapses; throws PROOF_* when possession is not shown. */
  private async verifyProof(claim: NodeClaim, challenge: Challenge | undefined, nowMs: number): Promise<number> {
    if (!claim.proof || !challenge) {
      throw new TrustError(
        'PROOF_MISSING',
        challenge
          ? `no proof of possession: sign status.challenge.nonce ${challenge.nonce} with the DID key (empirectl node prove) and put it in spec.proof`
          : 'no proof of possession yet: waiting for the operator to publish a challenge',
      );
    }
    const now = Math.floor(nowMs / 1000);
    const skew = this.config.clockSkewSeconds;
    let decoded;
    try {
      decoded = decodeOrReject(claim.proof, 'the proof');
    } catch (error) {
      throw new TrustError('PROOF_INVALID', (error as Error).message);
    }
    const alg = checkAlg(decoded, 'the proof');
    const { iss, aud, nonce, iat } = decoded.payload;
    if (iss !== claim.did) throw new TrustError('PROOF_INVALID', `the proof is issued by ${JSON.stringify(iss)}, not the node's DID ${claim.did}`);
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!audiences.includes(this.config.audience)) {
      throw new TrustError('PROOF_INVALID', `the proof is for audience ${JSON.stringify(aud)}, not ${this.config.audience}`);
    }
    if (nonce !== challenge.nonce) {
      throw new TrustError(
        'PROOF_INVALID',
        `the proof answers challenge ${JSON.stringify(nonce)}, not the current one ${challenge.nonce}: a stale or replayed proof`,
      );
    }
    const issuedAtMs = challenge.issuedAt ? Date.parse(challenge.issuedAt) : undefined;
    if (issuedAtMs !== undefined && !Number.isFinite(issuedAtMs)) {
      // Never "no lapse": an unreadable challenge time would make the proof valid forever.
      throw new TrustError('PROOF_INVALID', `the challenge's issuedAt ${JSON.stringify(challenge.issuedAt)} is not an RFC 3339 time; answer the new challenge`);
    }
    if (!isNumericDate(iat) || iat > now + skew || (issuedAtMs !== undefined && iat * 1000 < issuedAtMs - skew * 1000)) {
      throw new TrustError('PROOF_INVALID', `the proof's iat ${JSON.stringify(iat)} is not between the challenge and now`);
    }
    const lapsesAtMs = issuedAtMs === undefined ? Infinity : issuedAtMs + this.config.challengeTtlSeconds * 1000;
    if (nowMs > lapsesAtMs) throw new TrustError('PROOF_INVALID', `the challenge of ${challenge.issuedAt} has lapsed; answer the new one`);
    try {
      await checkSignature(decoded, claim.did, alg, this.resolver, 'authentication', 'the proof');
    } catch (error) {
      if (error instanceof TrustError && (error.reason === 'SIGNATURE_INVALID' || error.reason === 'KEY_NOT_FOUND')) {
        throw new TrustError('PROOF_INVALID', `${error.message}: the node did not prove it holds its DID key`);
      }
      throw error;
    }
    return lapsesAtMs;
  }
}
