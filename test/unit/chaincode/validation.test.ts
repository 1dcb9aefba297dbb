import { assertDatasetOwner, authorize, caller, isOperator, ownerCollection, ROLE_ATTRIBUTE, TRUST_AUTHORITY_MSP } from '@cloud-empire/chaincode/access';
import { canonicalJson, sameJson } from '@cloud-empire/chaincode/canonical-json';
import { ContractError, parseContractError } from '@cloud-empire/chaincode/errors';
import * as v from '@cloud-empire/chaincode/validation';
import type { Context } from 'fabric-contract-api';

/** The refusal `run` throws: its code and message. */
function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    return { code: (error as ContractError).code, message: (error as Error).message };
  }
  throw new Error('expected a refusal');
}

describe('contract argument checks', () => {
  it('takes an object and refuses anything else, naming the field', () => {
    expect(v.object({ a: 1 }, 'anchor')).toEqual({ a: 1 });
    for (const bad of [null, undefined, 'x', 3, [], false])
      expect(refusal(() => v.object(bad, 'anchor'))).toEqual({ code: 'InvalidArgument', message: 'InvalidArgument: anchor must be an object' });
  });

  it('takes a non-empty string up to 512 characters that matches its pattern, and says which hint to follow', () => {
    expect(v.string('FR', 'c', v.COUNTRY, v.COUNTRY_HINT)).toBe('FR');
    expect(v.string('x'.repeat(512), 'name')).toHaveLength(512);
    expect(refusal(() => v.string('x'.repeat(513), 'name')).message).toBe('InvalidArgument: name is longer than 512 characters');
    expect(refusal(() => v.string('', 'name')).message).toBe('InvalidArgument: name must be a non-empty string');
    expect(refusal(() => v.string(7, 'name')).message).toBe('InvalidArgument: name must be a non-empty string');
    expect(refusal(() => v.string('fr', 'c', v.COUNTRY, v.COUNTRY_HINT)).message).toBe(`InvalidArgument: c "fr" is invalid: ${v.COUNTRY_HINT}`);
    expect(refusal(() => v.string('fr', 'c', v.COUNTRY)).message).toBe(`InvalidArgument: c "fr" is invalid: expected ${v.COUNTRY}`);
  });

  it('reads a missing optional string as absent, and checks a present one', () => {
    expect(v.optionalString(undefined, 'p')).toBeUndefined();
    expect(v.optionalString(null, 'p')).toBeUndefined();
    expect(v.optionalString('gpu', 'p', v.NAME)).toBe('gpu');
    expect(refusal(() => v.optionalString('', 'p')).message).toContain('p must be a non-empty string');
  });

  it('takes a list of strings as a sorted set, at most 1000, naming the bad entry', () => {
    expect(v.strings(undefined, 'l')).toEqual([]);
    expect(v.strings(['FR', 'DE', 'FR'], 'l', v.COUNTRY)).toEqual(['DE', 'FR']);
    expect(
      v.strings(
        Array.from({ length: 1000 }, (_, i) => `n${i}`),
        'l',
      ),
    ).toHaveLength(1000);
    expect(
      refusal(() =>
        v.strings(
          Array.from({ length: 1001 }, (_, i) => `n${i}`),
          'l',
        ),
      ).message,
    ).toBe('InvalidArgument: l has more than 1000 entries');
    expect(refusal(() => v.strings('FR', 'l')).message).toBe('InvalidArgument: l must be a list of strings');
    expect(refusal(() => v.strings(['FR', 'fr'], 'l', v.COUNTRY, v.COUNTRY_HINT)).message).toContain('l[1] "fr" is invalid');
  });

  it('takes a boolean, with a fallback when absent', () => {
    expect(v.boolean(undefined, 'b', true)).toBe(true);
    expect(v.boolean(undefined, 'b', false)).toBe(false);
    expect(v.boolean(false, 'b', true)).toBe(false);
    expect(refusal(() => v.boolean('true', 'b', true)).message).toBe('InvalidArgument: b must be true or false');
  });

  it('takes an integer within its bounds, inclusive, with a fallback when absent', () => {
    expect(v.integer(undefined, 'n', 60, 120, 90)).toBe(90);
    expect(v.integer(60, 'n', 60, 120, 90)).toBe(60);
    expect(v.integer(120, 'n', 60, 120, 90)).toBe(120);
    for (const bad of [59, 121, 60.5, '60', null])
      expect(refusal(() => v.integer(bad, 'n', 60, 120, 90)).message).toBe('InvalidArgument: n must be an integer from 60 to 120');
  });

  it('takes a list up to its maximum, giving each item its own path', () => {
    const paths: string[] = [];
    expect(v.list(['a', 'b'], 'l', (item, path) => (paths.push(path), item))).toEqual(['a', 'b']);
    expect(paths).toEqual(['l[0]', 'l[1]']);
    expect(v.list([1, 2], 'l', (x) => x, 2)).toEqual([1, 2]);
    expect(refusal(() => v.list([1, 2, 3], 'l', (x) => x, 2)).message).toBe('InvalidArgument: l has more than 2 entries');
    expect(v.list(Array.from({ length: 1000 }), 'l', (x) => x)).toHaveLength(1000);
    expect(refusal(() => v.list(Array.from({ length: 1001 }), 'l', (x) => x)).message).toBe('InvalidArgument: l has more than 1000 entries');
    expect(refusal(() => v.list({}, 'l', (x) => x)).message).toBe('InvalidArgument: l must be a list');
  });

  it('knows countries, jurisdictions, DIDs, names, timestamps and digests by their whole shape', () => {
    const cases: [RegExp, string[], string[]][] = [
      [v.COUNTRY, ['FR'], ['F', 'FRA', 'fr', 'xFR', 'FRx']],
      [v.JURISDICTION, ['EU', 'EEA-2', 'A123456789012345'], ['E', 'eu', 'EU_', '1EU', 'A1234567890123456', 'xEU']],
      [v.DID, ['did:web:example.eu', 'did:key:z6Mk%3A.-_'], ['did:web:', 'did::x', 'DID:web:x', 'did:web:a b', 'xdid:web:a', 'did:Web:a']],
      [v.NAME, ['a', 'gpu-pool.1_a', 'a'.repeat(253)], ['-a', 'a-', 'a b', '', 'a'.repeat(254), '.a', 'a.']],
      [
        v.TIMESTAMP,
        ['2026-01-31T12:00:00Z', '2026-01-31T12:00:00.123Z'],
        ['2026-01-31T12:00:00', '2026-01-31 12:00:00Z', 'x2026-01-31T12:00:00Z', '2026-01-31T12:00:00Zx', '2026-01-31T12:00:00.Z'],
      ],
      [v.DIGEST, ['a'.repeat(64)], ['a'.repeat(63), 'A'.repeat(64), 'g'.repeat(64), `${'a'.repeat(64)}0`]],
    ];
    for (const [pattern, good, bad] of cases) {
      for (const s of good) expect([pattern, s, pattern.test(s)]).toEqual([pattern, s, true]);
      for (const s of bad) expect([pattern, s, pattern.test(s)]).toEqual([pattern, s, false]);
    }
  });
});

describe('contract errors', () => {
  it('lead with their code, which a client recovers from any text carrying them', () => {
    const error = new ContractError('NotFound', 'no grant g');
    expect([error.code, error.message, error.name]).toEqual(['NotFound', 'NotFound: no grant g', 'ContractError']);
    expect(parseContractError('endorsement failed: chaincode response 500, StaleHead: ledger l went\nback')).toEqual({
      code: 'StaleHead',
      message: 'StaleHead: ledger l went\nback',
    });
    expect(parseContractError('NotAnAccessDenied: x')).toBeUndefined();
    expect(parseContractError('a timeout')).toBeUndefined();
  });
});

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined members, so equal content compares equal', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: undefined, x: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[2,{"x":null,"z":1}]},"b":1}');
    expect(canonicalJson({ B: 1, a: 2, A: 3, b: 4 })).toBe('{"A":3,"B":1,"a":2,"b":4}');
    expect(canonicalJson({ e: 5, d: 4, c: 3, b: 2, a: 1, f: 6 })).toBe('{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}');
    expect(canonicalJson({ a: 1, c: 3, b: 2 })).toBe('{"a":1,"b":2,"c":3}');
    expect(canonicalJson([3, 'a', true])).toBe('[3,"a",true]');
    expect(canonicalJson('x')).toBe('"x"');
    expect(canonicalJson(null)).toBe('null');
    expect(sameJson({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 2 })).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
  });
});

function contextOf(mspId: string, role?: string): Context {
  return {
    clientIdentity: {
      getMSPID: () => mspId,
      getID: () => `x509::/CN=${role ?? 'someone'}`,
      getAttributeValue: (name: string) => (name === ROLE_ATTRIBUTE ? (role ?? null) : 'other'),
    },
  } as unknown as Context;
}

describe('access rules', () => {
  const admin = contextOf(TRUST_AUTHORITY_MSP, 'admin');
  const operator = contextOf(TRUST_AUTHORITY_MSP, 'operator');
  const roleless = contextOf(TRUST_AUTHORITY_MSP);
  const tenant = contextOf('TenantMSP');
  const tenantClaimingOperator = contextOf('TenantMSP', 'operator');

  it('lets each trust-authority role do only its own job', () => {
    expect(() => authorize(admin, 'TrustRegistry', 'PutTrustAnchor')).not.toThrow();
    expect(() => authorize(admin, 'TrustRegistry', 'RemoveTrustAnchor')).not.toThrow();
    expect(refusal(() => authorize(operator, 'TrustRegistry', 'PutTrustAnchor'))).toEqual({
      code: 'AccessDenied',
      message: `AccessDenied: TrustRegistry:PutTrustAnchor needs a ${TRUST_AUTHORITY_MSP} identity with ${ROLE_ATTRIBUTE}=admin; the caller is ${TRUST_AUTHORITY_MSP} with role operator`,
    });
    expect(refusal(() => authorize(operator, 'TrustRegistry', 'RemoveTrustAnchor')).code).toBe('AccessDenied');
    for (const fn of ['RecordPlacement', 'RecordRemoval']) {
      expect(() => authorize(operator, 'Placement', fn)).not.toThrow();
      expect(refusal(() => authorize(admin, 'Placement', fn)).code).toBe('AccessDenied');
    }
    expect(() => authorize(operator, 'TrustRegistry', 'RecordAttestation')).not.toThrow();
    expect(() => authorize(operator, 'LedgerHead', 'PutHead')).not.toThrow();
    expect(refusal(() => authorize(admin, 'LedgerHead', 'PutHead')).code).toBe('AccessDenied');
  });

  it('refuses a role claimed outside the trust authority, and a trust-authority identity without a role', () => {
    expect(refusal(() => authorize(tenantClaimingOperator, 'TrustRegistry', 'RecordAttestation')).message).toContain(
      'the caller is TenantMSP with role operator',
    );
    expect(refusal(() => authorize(roleless, 'TrustRegistry', 'RecordAttestation')).message).toContain(`the caller is ${TRUST_AUTHORITY_MSP} without a role`);
    expect(isOperator(operator)).toBe(true);
    expect(isOperator(admin)).toBe(false);
    expect(isOperator(tenantClaimingOperator)).toBe(false);
  });

  it('keeps the trust authority off data owners’ transactions, and lets every member read', () => {
    for (const fn of ['PublishPolicy', 'ReadDatasetDetails']) {
      expect(() => authorize(tenant, 'DatasetPolicy', fn)).not.toThrow();
      expect(refusal(() => authorize(admin, 'DatasetPolicy', fn))).toEqual({
        code: 'AccessDenied',
        message: `AccessDenied: DatasetPolicy:${fn} is for data owners; ${TRUST_AUTHORITY_MSP} cannot own or change datasets`,
      });
    }
    expect(refusal(() => authorize(operator, 'DataAccess', 'RevokeGrant')).code).toBe('AccessDenied');
    const reads: [string, string][] = [
      ['TrustRegistry', 'ListTrustAnchors'],
      ['TrustRegistry', 'GetAttestation'],
      ['DatasetPolicy', 'GetPolicy'],
      ['Placement', 'AuthorizePlacement'],
      ['Placement', 'GetDecision'],
      ['DataAccess', 'GetGrant'],
      ['DataAccess', 'ListGrants'],
      ['DataAccess', 'CheckAccess'],
      ['DataAccess', 'RecordAccess'],
      ['LedgerHead', 'GetHead'],
    ];
    for (const [contract, fn] of reads) for (const ctx of [tenant, operator, roleless]) expect(() => authorize(ctx, contract, fn)).not.toThrow();
  });

  it('refuses a transaction it does not know, even for the operator', () => {
    expect(refusal(() => authorize(operator, 'Placement', 'DeleteEverything'))).toEqual({
      code: 'UnknownTransaction',
      message: 'UnknownTransaction: Placement:DeleteEverything is not a transaction of this chaincode',
    });
    expect(refusal(() => authorize(operator, 'TrustRegistry', 'RecordPlacement')).code).toBe('UnknownTransaction');
  });

  it('lets only a dataset’s owner act on it, and names the owner, the dataset and the caller', () => {
    expect(() => assertDatasetOwner(tenant, 'scans', 'TenantMSP', 'revoke its grants')).not.toThrow();
    expect(refusal(() => assertDatasetOwner(contextOf('ProviderMSP'), 'scans', 'TenantMSP', 'revoke its grants'))).toEqual({
      code: 'AccessDenied',
      message: 'AccessDenied: only TenantMSP, the owner of dataset scans, may revoke its grants; the caller is ProviderMSP',
    });
    expect(ownerCollection('TenantMSP')).toBe('_implicit_org_TenantMSP');
    expect(caller(admin)).toBe(`${TRUST_AUTHORITY_MSP}/x509::/CN=admin`);
  });
});
