// Property: the real verifier's verdict on a random node credential (good,
// expired, not yet valid, from an untrusted issuer, mis-signed, bound to
// another node, revoked in the issuer's status list, expiring while the clock
// runs, attesting a country in or outside the jurisdiction) is the one its
// kind calls for, and always carries a declared reason code.
import fc from 'fast-check';
import { trustConfigFrom } from '../../../src/trust/anchors.ts';
import { newStatusListFile, publishStatusList } from '../../../src/trust/issue.ts';
import { REASONS, type ReasonCode } from '../../../src/trust/reasons.ts';
import { encodeBitstring, decodeBitstring, setBit } from '../../../src/trust/status-list.ts';
import { TrustVerifier } from '../../../src/trust/verifier.ts';
import {
  CREDENTIAL_KINDS,
  EU_COUNTRIES,
  OTHER_COUNTRIES,
  PROVIDERS,
  propertyParameters,
  type ClusterModel,
  type NodeModel,
} from '../../properties/arbitraries.ts';
import { credentialFor, keys, nodeIdentity, once, STATUS_LIST_URL, statusIndex, T0 } from '../../properties/world.ts';

const config = trustConfigFrom({ issuers: [{ did: keys().issuer.did, name: 'EU trust authority' }], audience: 'urn:test', requireProofOfPossession: false });
const skewMs = config.clockSkewSeconds * 1000;

/** The verdict a credential of this kind must get at `nowMs`, in the order the checks run. */
function expected(node: NodeModel, expiresAfterMs: number, nowMs: number): ReasonCode {
  if (node.credential === 'wrongIssuer') return 'ISSUER_UNTRUSTED';
  if (node.credential === 'badSignature') return 'SIGNATURE_INVALID';
  if (node.credential === 'expired') return 'EXPIRED';
  if (node.credential === 'notYetValid') return 'NOT_YET_VALID';
  if (node.credential === 'expiring' && nowMs > T0 + expiresAfterMs + skewMs) return 'EXPIRED';
  if (node.credential === 'wrongBinding') return 'BINDING_MISMATCH';
  if (!config.countries.includes(node.country)) return 'JURISDICTION_DENIED';
  if (node.credential === 'revoked') return 'REVOKED';
  return 'VERIFIED';
}

const claim = fc.record({
  cluster: fc.nat(2),
  node: fc.nat(3),
  country: fc.constantFrom(...EU_COUNTRIES, ...OTHER_COUNTRIES),
  credential: fc.constantFrom(...CREDENTIAL_KINDS),
  expiresAfterMs: fc.constantFrom(600_000, 3_600_000),
  elapsedMs: fc.integer({ min: 0, max: 2 * 3_600_000 }),
});

describe('node verification verdicts', () => {
  it('match the credential kind and carry a declared reason', async () => {
    await fc.assert(
      fc.asyncProperty(claim, async (c) => {
        const cluster: ClusterModel = { name: `c${c.cluster}`, declaredCountry: c.country, provider: PROVIDERS[c.cluster], nodes: [], pools: [] };
        const node: NodeModel = { name: `n${c.node}`, country: c.country, credential: c.credential, gpus: 0 };
        const credential = await credentialFor(cluster, node, c.expiresAfterMs);
        const bits = decodeBitstring(newStatusListFile(STATUS_LIST_URL).encodedList);
        if (c.credential === 'revoked') setBit(bits, statusIndex(cluster.name, node.name));
        const list = { ...newStatusListFile(STATUS_LIST_URL), encodedList: encodeBitstring(bits) };
        const jwt = await once(`list/${list.encodedList}/${T0}`, () => publishStatusList(keys().issuer.key, list, 30 * 86_400, T0 / 1000));
        const now = T0 + c.elapsedMs;
        const verifier = new TrustVerifier(config, {
          fetcher: async (url) => ({ status: 200, body: Buffer.from(jwt), contentType: 'application/vc+jwt', url: url.href }),
          now: () => now,
        });
        const verdict = await verifier.verify({ did: nodeIdentity(cluster.name, node.name).did, memberCluster: cluster.name, nodeName: node.name, credential });
        expect(REASONS).toContain(verdict.reason);
        expect(verdict.reason).toBe(expected(node, c.expiresAfterMs, now));
        expect(verdict.verified).toBe(verdict.reason === 'VERIFIED');
        if (verdict.verified) expect({ country: verdict.countryCode, jurisdiction: verdict.jurisdiction }).toEqual({ country: c.country, jurisdiction: 'EU' });
        expect(verdict.message.length).toBeGreaterThan(0);
      }),
      propertyParameters(4000),
    );
  }, 240_000);
});
