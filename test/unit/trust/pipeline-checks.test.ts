// Checks of the trust pipeline that a refusal-by-reason-code test cannot see
// on its own: each case here turns red when its check is removed from the
// source (key-rotation re-fetch, challenge lapse, status-list purpose and
// index, redirect cap), and green again when it is back.
import { didWebDocument, issueNodeCredential, newIdentity, proveNode, type Identity } from '../../../src/trust/issue.ts';
import { MIN_STATUS_LIST_BITS } from '../../../src/trust/status-list.ts';
import type { NodeClaim } from '../../../src/trust/verifier.ts';
import { AUDIENCE, GOOD_INDEX, host, TrustWorld } from '../../helpers/trust-world.ts';

let world: TrustWorld;
beforeAll(async () => {
  world = await TrustWorld.create();
});
afterAll(async () => world?.close());

const now = () => Math.floor(Date.now() / 1000);

async function claimFrom(issuer: Identity, statusList?: { url: string; index: number; purpose?: 'revocation' | 'suspension' }): Promise<NodeClaim> {
  return { ...(await world.goodClaim()), credential: await issueNodeCredential(issuer.key, world.request({ statusList })) };
}

describe('key rotation: a signature that fails with the cached document is checked once more against a fresh one', () => {
  it.each([
    ['the same kid with a new key', false],
    ['a new kid', true],
  ])('%s is accepted at once, within the cache TTL', async (name, newKid) => {
    const path = `issuers/rotate-${newKid ? 'kid' : 'key'}`;
    const issuer = newIdentity({ method: 'web', domain: world.server.domain, path });
    host(world.server, issuer);
    const verifier = world.verifier({ issuers: [{ did: issuer.did, name }], didCacheTtlSeconds: 3600, requireProofOfPossession: false });
    expect(await verifier.verify(await claimFrom(issuer))).toMatchObject({ verified: true });

    const next = newIdentity({ method: 'web', domain: world.server.domain, path });
    const kid = newKid ? `${issuer.did}#key-2` : issuer.key.kid;
    world.server.serve(`/${path}/did.json`, didWebDocument(issuer.did, [{ id: kid, jwk: next.key }]));
    const before = world.server.requests;
    const verdict = await verifier.verify(await claimFrom({ ...issuer, key: { ...next.key, kid } }));
    expect(verdict).toMatchObject({ verified: true, reason: 'VERIFIED' });
    expect(world.server.requests - before).toBe(1);
    // The old key is gone from the fresh document: its credentials no longer verify.
    expect((await verifier.verify(await claimFrom(issuer))).verified).toBe(false);
  });
});

describe('the challenge lapses', () => {
  it('refuses a proof of a challenge older than challengeTtlSeconds, however fresh the proof', async () => {
    const ttl = 600;
    const verifier = world.verifier({ challengeTtlSeconds: ttl });
    const stale = { nonce: 'stale-challenge-0123456789', issuedAt: new Date(Date.now() - (ttl + 120) * 1000).toISOString() };
    const claim = { ...(await world.goodClaim()), proof: await proveNode(world.node.key, stale.nonce, AUDIENCE, now()) };
    expect(await verifier.verify(claim, { challenge: stale })).toMatchObject({
      verified: false,
      reason: 'PROOF_INVALID',
      message: expect.stringMatching(/has lapsed/),
    });
    // Within the TTL the same proof is good: it is the lapse that refuses it above.
    const fresh = { ...stale, issuedAt: new Date(Date.now() - (ttl - 120) * 1000).toISOString() };
    expect(await verifier.verify(claim, { challenge: fresh })).toMatchObject({ verified: true });
  });
});

describe('status-list entries must match the list', () => {
  it('refuses a suspension entry checked against a revocation list', async () => {
    const verdict = await world
      .verifier()
      .verify(await claimFrom(world.issuer, { url: world.statusList.url, index: GOOD_INDEX, purpose: 'suspension' }), { challenge: world.challenge() });
    expect(verdict).toMatchObject({
      verified: false,
      reason: 'STATUS_UNAVAILABLE',
      message: expect.stringMatching(/is for revocation.*asks about suspension/),
    });
  });

  it.each([[MIN_STATUS_LIST_BITS], [MIN_STATUS_LIST_BITS + 8], [10_000_000]])('refuses index %i, beyond the list', async (index) => {
    const verdict = await world.verifier().verify(await claimFrom(world.issuer, { url: world.statusList.url, index }), { challenge: world.challenge() });
    expect(verdict).toMatchObject({ verified: false, reason: 'STATUS_UNAVAILABLE', message: expect.stringMatching(/beyond the list/) });
  });

  it('accepts the last index of the list (the bound is not off by one)', async () => {
    const verdict = await world
      .verifier()
      .verify(await claimFrom(world.issuer, { url: world.statusList.url, index: MIN_STATUS_LIST_BITS - 1 }), { challenge: world.challenge() });
    expect(verdict).toMatchObject({ verified: true });
  });
});

describe('redirects are capped', () => {
  /** A trusted did:web issuer whose did.json is reached through `hops` redirects. */
  async function issuerBehindRedirects(hops: number) {
    const path = `issuers/redirected-${hops}`;
    const issuer = newIdentity({ method: 'web', domain: world.server.domain, path });
    const final = `/redirects-${hops}/final.json`;
    world.server.serve(final, issuer.document);
    let from = `/${path}/did.json`;
    for (let i = 1; i < hops; i++) {
      const to = `/redirects-${hops}/hop-${i}`;
      world.server.redirect(from, to);
      from = to;
    }
    world.server.redirect(from, final);
    const verifier = world.verifier({ issuers: [{ did: issuer.did, name: path }], requireProofOfPossession: false });
    return verifier.verify(await claimFrom(issuer));
  }

  it('follows three', async () => {
    expect(await issuerBehindRedirects(3)).toMatchObject({ verified: true });
  });

  it('refuses the fourth', async () => {
    expect(await issuerBehindRedirects(4)).toMatchObject({
      verified: false,
      reason: 'DID_UNRESOLVABLE',
      message: expect.stringMatching(/more than 3 redirects/),
    });
  });

  it('refuses a redirect to the cloud metadata address, before connecting', async () => {
    const path = 'issuers/to-metadata';
    const issuer = newIdentity({ method: 'web', domain: world.server.domain, path });
    world.server.redirect(`/${path}/did.json`, 'https://169.254.169.254/latest/meta-data/did.json');
    const verdict = await world.verifier({ issuers: [{ did: issuer.did, name: path }], requireProofOfPossession: false }).verify(await claimFrom(issuer));
    expect(verdict).toMatchObject({ verified: false, reason: 'DID_UNRESOLVABLE', message: expect.stringMatching(/not a public address/) });
  });
});

describe('network failures reach the status as a reason code and a generic sentence', () => {
  it('says nothing of the socket error (no port scanner)', async () => {
    const closed = newIdentity({ method: 'web', domain: '127.0.0.1:1', path: 'issuers/closed-port' });
    const verdict = await world.verifier({ issuers: [{ did: closed.did, name: 'closed' }], requireProofOfPossession: false }).verify(await claimFrom(closed));
    expect(verdict).toMatchObject({ verified: false, reason: 'DID_UNRESOLVABLE', message: expect.stringContaining('could not be reached over HTTPS') });
    expect(verdict.message).not.toMatch(/ECONNREFUSED|connect |EHOSTUNREACH|ETIMEDOUT/);
  });
});
