import { createHmac } from 'node:crypto';
import { didWebDocument, issueNodeCredential, newIdentity, proveNode, publishStatusList, type Identity } from '../../../src/trust/issue.ts';
import { signJwt } from '../../../src/trust/jwt.ts';
import type { TrustConfig } from '../../../src/trust/anchors.ts';
import type { ReasonCode } from '../../../src/trust/reasons.ts';
import type { Challenge, NodeClaim } from '../../../src/trust/verifier.ts';
import { startPlainHttp } from '../../helpers/did-server.ts';
import { AUDIENCE, host, REVOKED_INDEX, TrustWorld } from '../../helpers/trust-world.ts';

let world: TrustWorld;
beforeAll(async () => {
  world = await TrustWorld.create();
});
afterAll(async () => {
  await world?.close();
});

const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const parts = (jwt: string) => {
  const [h, p, s] = jwt.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url').toString()), payload: JSON.parse(Buffer.from(p, 'base64url').toString()), h, p, s };
};

interface Case {
  name: string;
  expect: ReasonCode;
  /** What the message must say, where the reason code alone could come from another check. */
  message?: RegExp;
  /** Runs after the verdict, e.g. to check that nothing was fetched. */
  after?: () => void;
  /** Builds the claim (and optionally the challenge and config) to verify. */
  build: () => Promise<{ claim: NodeClaim; challenge?: Challenge; config?: Partial<TrustConfig> }>;
}

async function withCredential(credential: string | Promise<string>): Promise<{ claim: NodeClaim }> {
  return { claim: { ...(await world.goodClaim()), credential: await credential } };
}

/** A trusted did:web issuer whose did.json is served by `serve` (to break resolution in one way). */
async function trustedWebIssuer(path: string, serve: (issuer: Identity) => void | Promise<void>) {
  const issuer = newIdentity({ method: 'web', domain: world.server.domain, path });
  await serve(issuer);
  const credential = await issueNodeCredential(issuer.key, world.request({ statusList: undefined }));
  return {
    claim: { ...(await world.goodClaim()), credential },
    config: { issuers: [...world.config().issuers, { did: issuer.did, name: path }] },
  };
}

const CASES: Case[] = [
  {
    name: 'tampered payload (country rewritten, signature kept)',
    expect: 'SIGNATURE_INVALID',
    build: async () => {
      const { payload, h, s } = parts(await issueNodeCredential(world.issuer.key, world.request({ countryCode: 'GB' })));
      payload.vc.credentialSubject.countryCode = 'FR';
      return withCredential(`${h}.${b64(payload)}.${s}`);
    },
  },
  {
    name: 'tampered header (typ changed, signature kept)',
    expect: 'SIGNATURE_INVALID',
    build: async () => {
      const { header, p, s } = parts(await issueNodeCredential(world.issuer.key, world.request()));
      return withCredential(`${b64({ ...header, typ: 'vc+jwt' })}.${p}.${s}`);
    },
  },
  {
    name: 'alg none',
    expect: 'ALGORITHM_REJECTED',
    build: async () => {
      const { payload } = parts(await issueNodeCredential(world.issuer.key, world.request()));
      return withCredential(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`);
    },
  },
  {
    name: 'HS256 keyed with the public key',
    expect: 'ALGORITHM_REJECTED',
    build: async () => {
      const { payload } = parts(await issueNodeCredential(world.issuer.key, world.request()));
      const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: world.issuer.key.kid })}.${b64(payload)}`;
      const mac = createHmac('sha256', world.issuer.key.x).update(input).digest('base64url');
      return withCredential(`${input}.${mac}`);
    },
  },
  {
    name: 'signed with the key of another DID',
    expect: 'SIGNATURE_INVALID',
    build: async () => {
      const { payload } = parts(await issueNodeCredential(world.issuer.key, world.request()));
      return withCredential(signJwt(payload, world.rogue.key, { kid: world.issuer.key.kid }));
    },
  },
  {
    name: 'unknown kid',
    expect: 'KEY_NOT_FOUND',
    build: async () => withCredential(issueNodeCredential({ ...world.issuer.key, kid: `${world.issuer.did}#key-9` }, world.request())),
  },
  {
    name: 'expired',
    expect: 'EXPIRED',
    build: async () => withCredential(issueNodeCredential(world.issuer.key, world.request({ validFrom: now() - 100 * 86_400, validForSeconds: 90 * 86_400 }))),
  },
  {
    name: 'not yet valid (nbf tomorrow)',
    expect: 'NOT_YET_VALID',
    build: async () => withCredential(issueNodeCredential(world.issuer.key, world.request({ validFrom: now() + 86_400 }))),
  },
  {
    name: 'expired just outside the 60 s skew',
    expect: 'EXPIRED',
    build: async () => withCredential(issueNodeCredential(world.issuer.key, world.request({ validFrom: now() - 3600, validForSeconds: 3600 - 62 }))),
  },
  {
    name: 'expired just inside the 60 s skew',
    expect: 'VERIFIED',
    build: async () => withCredential(issueNodeCredential(world.issuer.key, world.request({ validFrom: now() - 3600, validForSeconds: 3600 - 50 }))),
  },
  {
    name: 'nbf just inside the 60 s skew',
    expect: 'VERIFIED',
    build: async () => withCredential(issueNodeCredential(world.issuer.key, world.request({ validFrom: now() + 50 }))),
  },
  {
    name: 'nbf just outside the 60 s skew',
    expect: 'NOT_YET_VALID',
    build: async () => withCredential(issueNodeCredential(world.issuer.key, world.request({ validFrom: now() + 62 }))),
  },
  {
    name: 'untrusted issuer',
    expect: 'ISSUER_UNTRUSTED',
    build: async () => withCredential(issueNodeCredential(world.rogue.key, world.request())),
  },
  {
    name: 'trusted issuer, credential about another DID',
    expect: 'SUBJECT_MISMATCH',
    build: async () => withCredential(issueNodeCredential(world.issuer.key, world.request({ subject: world.keyNode.did }))),
  },
  {
    name: 'bound to another member cluster',
    expect: 'BINDING_MISMATCH',
    build: async () => withCredential(issueNodeCredential(world.issuer.key, world.request({ memberCluster: 'madrid' }))),
  },
  {
    name: 'bound to another node',
    expect: 'BINDING_MISMATCH',
    build: async () => withCredential(issueNodeCredential(world.issuer.key, world.request({ nodeName: 'par-h100-2' }))),
  },
  {
    name: 'non-EU country (GB)',
    expect: 'JURISDICTION_DENIED',
    build: async () => withCredential(issueNodeCredential(world.issuer.key, world.request({ countryCode: 'GB' }))),
  },
  {
    name: 'lower-case country',
    expect: 'JURISDICTION_DENIED',
    build: async () => withCredential(issueNodeCredential(world.issuer.key, world.request({ countryCode: 'fr' }))),
  },
  {
    name: 'unknown country',
    expect: 'JURISDICTION_DENIED',
    build: async () => withCredential(issueNodeCredential(world.issuer.key, world.request({ countryCode: 'XX' }))),
  },
  {
    name: 'not a SovereignNodeCredential',
    expect: 'TYPE_MISMATCH',
    build: async () => {
      const { payload } = parts(await issueNodeCredential(world.issuer.key, world.request()));
      payload.vc.type = ['VerifiableCredential'];
      return withCredential(signJwt(payload, world.issuer.key, { kid: world.issuer.key.kid }));
    },
  },
  {
    name: 'revoked',
    expect: 'REVOKED',
    build: async () =>
      withCredential(issueNodeCredential(world.issuer.key, world.request({ statusList: { url: world.statusList.url, index: REVOKED_INDEX } }))),
  },
  {
    name: 'status list signed by someone else',
    expect: 'STATUS_UNAVAILABLE',
    build: async () => {
      world.server.serve(
        '/status/forged',
        await publishStatusList({ ...world.rogue.key, kid: world.issuer.key.kid }, { ...world.statusList, url: world.server.url('/status/forged') }, 3600),
      );
      return withCredential(issueNodeCredential(world.issuer.key, world.request({ statusList: { url: world.server.url('/status/forged'), index: 3 } })));
    },
  },
  {
    name: 'status list unreachable (404)',
    expect: 'STATUS_UNAVAILABLE',
    build: async () =>
      withCredential(issueNodeCredential(world.issuer.key, world.request({ statusList: { url: world.server.url('/status/missing'), index: 3 } }))),
  },
  {
    name: 'status list over plain http',
    expect: 'STATUS_UNAVAILABLE',
    message: /only https is allowed/,
    build: async () => {
      // A real plain-http server holding a valid list: refused for its scheme, before any request.
      const plain = await startPlainHttp(await publishStatusList(world.issuer.key, world.statusList, 3600));
      plainServers.push(plain);
      return withCredential(issueNodeCredential(world.issuer.key, world.request({ statusList: { url: `http://127.0.0.1:${plain.port}/status/1`, index: 3 } })));
    },
    after: () => expect(plainServers.at(-1)!.requests()).toBe(0),
  },
  {
    name: 'did.json too large',
    expect: 'DID_UNRESOLVABLE',
    build: () =>
      trustedWebIssuer('issuers/huge', (issuer) => {
        const document = { ...issuer.document!, service: [{ id: '#pad', type: 'Padding', serviceEndpoint: 'x'.repeat(300 * 1024) }] };
        host(world.server, { ...issuer, document });
      }),
  },
  {
    name: 'did.json whose id is another DID',
    expect: 'DID_UNRESOLVABLE',
    build: () =>
      trustedWebIssuer('issuers/mismatch', (issuer) => {
        host(world.server, { ...issuer, document: didWebDocument(world.issuer.did, [{ id: issuer.key.kid, jwk: issuer.key }]) });
      }),
  },
  {
    name: 'did:web served over plain http',
    expect: 'DID_UNRESOLVABLE',
    // The issuer's own, valid document: refused because did:web means TLS, not because of its content.
    message: /could not be reached over HTTPS/,
    build: async () => {
      const plain = await startPlainHttp({});
      plainServers.push(plain);
      const issuer = newIdentity({ method: 'web', domain: `127.0.0.1:${plain.port}` });
      plain.serve(issuer.document);
      const credential = await issueNodeCredential(issuer.key, world.request({ statusList: undefined }));
      return { claim: { ...(await world.goodClaim()), credential }, config: { issuers: [{ did: issuer.did, name: 'plain' }] } };
    },
    after: () => expect(plainServers.at(-1)!.requests()).toBe(0),
  },
  {
    name: 'did:web redirecting to http',
    expect: 'DID_UNRESOLVABLE',
    message: /only https is allowed/,
    build: () =>
      trustedWebIssuer('issuers/redirect', (issuer) => {
        world.server.redirect('/issuers/redirect/did.json', `http://${world.server.domain}/issuers/redirect/plain.json`);
        world.server.serve('/issuers/redirect/plain.json', issuer.document);
      }),
  },
  {
    name: 'did:web server that never answers',
    expect: 'DID_UNRESOLVABLE',
    build: async () => {
      const built = await trustedWebIssuer('issuers/slow', () => world.server.hang('/issuers/slow/did.json'));
      // A short timeout of its own: the world's default is generous so a loaded machine does not time out good fetches.
      return { ...built, config: { ...built.config, fetchTimeoutMs: 300 } };
    },
  },
  {
    name: 'malformed credential',
    expect: 'CREDENTIAL_MALFORMED',
    build: async () => withCredential('bm90.anNvbg.c2ln'),
  },
  {
    name: 'proof answering an old challenge',
    expect: 'PROOF_INVALID',
    build: async () => ({ claim: { ...(await world.goodClaim()), proof: await proveNode(world.node.key, 'an-earlier-challenge', AUDIENCE) } }),
  },
  {
    name: 'proof signed by another key',
    expect: 'PROOF_INVALID',
    build: async () => ({
      claim: {
        ...(await world.goodClaim()),
        proof: await proveNode({ ...world.rogue.key, kid: world.node.key.kid }, world.challenge().nonce, AUDIENCE).then((jwt) => {
          const { payload } = parts(jwt);
          return signJwt({ ...payload, iss: world.node.did }, world.rogue.key, { kid: world.node.key.kid });
        }),
      },
    }),
  },
  {
    name: 'proof for another audience',
    expect: 'PROOF_INVALID',
    build: async () => ({
      claim: { ...(await world.goodClaim()), proof: await proveNode(world.node.key, world.challenge().nonce, 'did:web:someone-else.example') },
    }),
  },
  {
    name: 'proof made before the challenge was issued',
    expect: 'PROOF_INVALID',
    build: async () => ({ claim: { ...(await world.goodClaim()), proof: await proveNode(world.node.key, world.challenge().nonce, AUDIENCE, now() - 3600) } }),
  },
  {
    name: 'missing proof when required',
    expect: 'PROOF_MISSING',
    build: async () => ({ claim: { ...(await world.goodClaim()), proof: undefined } }),
  },
  {
    name: 'missing proof when not required',
    expect: 'VERIFIED',
    build: async () => ({ claim: { ...(await world.goodClaim()), proof: undefined }, config: { requireProofOfPossession: false } }),
  },
];

const plainServers: Awaited<ReturnType<typeof startPlainHttp>>[] = [];
afterAll(async () => {
  await Promise.all(plainServers.map((s) => s.close()));
});

describe('the trust pipeline refuses bad credentials and proofs with a reason', () => {
  it('has at least 25 refusals', () => {
    expect(CASES.filter((c) => c.expect !== 'VERIFIED').length).toBeGreaterThanOrEqual(25);
  });

  it('verifies the good claim', async () => {
    const verdict = await world.verifier().verify(await world.goodClaim(), { challenge: world.challenge() });
    expect(verdict).toMatchObject({
      verified: true,
      reason: 'VERIFIED',
      countryCode: 'FR',
      jurisdiction: 'EU',
      provider: 'ovhcloud',
      issuer: world.issuer.did,
    });
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    const { claim, challenge, config } = await testCase.build();
    const verdict = await world.verifier(config).verify(claim, { challenge: challenge ?? world.challenge() });
    expect({ reason: verdict.reason, message: verdict.message }).toEqual({ reason: testCase.expect, message: expect.any(String) });
    expect(verdict.verified).toBe(testCase.expect === 'VERIFIED');
    expect(verdict.message.length).toBeGreaterThan(15);
    if (testCase.message) expect(verdict.message).toMatch(testCase.message);
    testCase.after?.();
  });
});
