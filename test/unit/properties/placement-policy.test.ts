// Property: the chaincode's placement judgement (the pure core that both the
// embedded ledger and Fabric run) approves a target exactly when every node
// carries a current, verified attestation of the claimed DID, country and
// provider and every dataset's policy allows the purpose, country,
// jurisdiction and provider; each broken rule is named by a declared code.
import { evaluateTargets } from '@cloud-empire/chaincode/placement-policy';
import { PLACEMENT_REASON_CODES, type DatasetPolicy, type PlacementRequest, type StoredAttestation } from '@cloud-empire/chaincode/records';
import fc from 'fast-check';
import { EU_COUNTRIES, OTHER_COUNTRIES, PROVIDERS, propertyParameters } from '../../properties/arbitraries.ts';

const NOW = '2026-12-01T09:00:00.000Z';
const countries = [...EU_COUNTRIES, ...OTHER_COUNTRIES];

const attestation = fc.option(
  fc.record({
    didMatches: fc.boolean(),
    verified: fc.boolean(),
    expired: fc.boolean(),
    country: fc.constantFrom(...countries),
    provider: fc.option(fc.constantFrom(...PROVIDERS), { nil: undefined }),
    jurisdiction: fc.option(fc.constantFrom('EU', 'NONEU'), { nil: undefined }),
  }),
  { nil: undefined, freq: 6 },
);
const policy = fc.option(
  fc.record({
    allowedCountries: fc.uniqueArray(fc.constantFrom(...countries), { maxLength: 3 }),
    allowedProviders: fc.uniqueArray(fc.constantFrom(...PROVIDERS), { maxLength: 2 }),
    allowedJurisdictions: fc.uniqueArray(fc.constantFrom('EU', 'NONEU'), { maxLength: 1 }),
    allowedPurposes: fc.uniqueArray(fc.constantFrom('inference', 'training'), { maxLength: 2 }),
  }),
  { nil: undefined, freq: 6 },
);
const scenario = fc.record({
  purpose: fc.option(fc.constantFrom('inference', 'training'), { nil: undefined, freq: 8 }),
  policies: fc.array(policy, { maxLength: 2 }),
  targets: fc.array(
    fc.record({ country: fc.constantFrom(...countries), provider: fc.constantFrom(...PROVIDERS), nodes: fc.array(attestation, { maxLength: 3 }) }),
    { minLength: 1, maxLength: 3 },
  ),
});

describe('placement judgement', () => {
  it('approves exactly the targets no rule refuses, naming every broken rule with a declared code', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const attestations = new Map<string, StoredAttestation>();
        const policies = new Map<string, DatasetPolicy>();
        s.policies.forEach((p, i) => {
          if (p)
            policies.set(`d${i}`, {
              datasetId: `d${i}`,
              ...p,
              verifiedNodesOnly: true,
              grantTtlSeconds: 60,
              ownerMsp: 'TenantMSP',
              version: 1,
              updatedAt: NOW,
              updatedBy: 'x',
            });
        });
        const request: PlacementRequest = {
          decisionId: 'd',
          workload: { namespace: 'team', name: 'app' },
          ...(s.purpose && { purpose: s.purpose }),
          datasets: s.policies.map((_, i) => `d${i}`),
          targets: s.targets.map((t, ti) => ({
            cluster: `c${ti}`,
            provider: t.provider,
            countryCode: t.country,
            nodes: t.nodes.map((a, ni) => {
              const node = { memberCluster: `c${ti}`, nodeName: `n${ni}`, did: `did:key:z${ti}${ni}` };
              if (a)
                attestations.set(`c${ti}/n${ni}`, {
                  sovereignNode: `c${ti}-n${ni}`,
                  memberCluster: `c${ti}`,
                  nodeName: `n${ni}`,
                  did: a.didMatches ? node.did : 'did:key:zSomeoneElse',
                  verified: a.verified,
                  reason: a.verified ? 'VERIFIED' : 'REVOKED',
                  countryCode: a.country,
                  ...(a.jurisdiction && { jurisdiction: a.jurisdiction }),
                  ...(a.provider && { provider: a.provider }),
                  expiresAt: a.expired ? '2026-12-01T08:00:00.000Z' : '2027-01-01T00:00:00.000Z',
                  credentialDigest: '0'.repeat(64),
                  observedAt: NOW,
                  recordedAt: NOW,
                  recordedBy: 'operator',
                  txId: 'tx',
                } as StoredAttestation);
              return node;
            }),
          })),
        };
        const verdicts = evaluateTargets(request, { attestation: (c, n) => attestations.get(`${c}/${n}`), policy: (d) => policies.get(d) }, NOW);
        verdicts.forEach((verdict, ti) => {
          const t = request.targets[ti];
          const codes = new Set(verdict.reasons.map((r) => r.code));
          for (const code of codes) expect(PLACEMENT_REASON_CODES).toContain(code);
          // The oracle: every rule, judged independently.
          const broken = new Set<string>();
          if (!t.nodes.length) broken.add('NoNodes');
          const jurisdictions = new Set<string>();
          for (const node of t.nodes) {
            const a = attestations.get(`${node.memberCluster}/${node.nodeName}`);
            if (a?.jurisdiction) jurisdictions.add(a.jurisdiction);
            if (!a) broken.add('NodeNotAttested');
            else if (a.did !== node.did) broken.add('AttestationDidMismatch');
            else if (!a.verified) broken.add('NodeNotVerified');
            else if (a.expiresAt! <= NOW) broken.add('AttestationExpired');
            else if (a.countryCode !== t.countryCode) broken.add('CountryMismatch');
            else if (a.provider && a.provider !== t.provider) broken.add('ProviderMismatch');
          }
          for (const id of request.datasets) {
            const p = policies.get(id);
            if (!p) {
              broken.add('DatasetUnknown');
              continue;
            }
            if (!request.purpose || !p.allowedPurposes.includes(request.purpose)) broken.add('PurposeNotAllowed');
            if (p.allowedCountries.length && !p.allowedCountries.includes(t.countryCode)) broken.add('CountryNotAllowed');
            if (p.allowedJurisdictions.length && (!jurisdictions.size || [...jurisdictions].some((j) => !p.allowedJurisdictions.includes(j))))
              broken.add('JurisdictionNotAllowed');
            if (p.allowedProviders.length && !p.allowedProviders.includes(t.provider)) broken.add('ProviderNotAllowed');
          }
          expect([...codes].sort()).toEqual([...broken].sort());
          expect(verdict.approved).toBe(broken.size === 0);
        });
      }),
      propertyParameters(6000),
    );
  });
});
