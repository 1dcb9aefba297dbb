// Spread constraints on their own: groups of candidates by cluster, country,
// provider or region, the best maxGroups kept, fewer than minGroups refused.
import type { Candidate } from '../../../src/scheduler/framework.ts';
import { groupOf, selectBySpread } from '../../../src/scheduler/select.ts';

const candidate = (name: string, country: string, extra: { region?: string; provider?: string; poolProvider?: string } = {}) =>
  ({
    cluster: { name, provider: extra.provider ?? `${name}-cloud`, ...(extra.region && { region: extra.region }) },
    country,
    ...(extra.poolProvider && { pool: { provider: extra.poolProvider } }),
  }) as unknown as Candidate;
const names = (selection: ReturnType<typeof selectBySpread>) => ('candidates' in selection ? selection.candidates.map((c) => c.cluster.name) : selection);

describe('spread constraints', () => {
  it('group by cluster, country, the pool’s provider before the cluster’s, and region (or its absence)', () => {
    const a = candidate('a', 'FR', { region: 'eu-west', provider: 'ovhcloud' });
    expect([groupOf(a, 'cluster'), groupOf(a, 'country'), groupOf(a, 'provider'), groupOf(a, 'region')]).toEqual(['a', 'FR', 'ovhcloud', 'eu-west']);
    expect(groupOf(candidate('b', 'DE', { poolProvider: 'ionos' }), 'provider')).toBe('ionos');
    expect(groupOf(candidate('b', 'DE'), 'region')).toBe('(no region: b)');
  });

  it('count each group once, and refuse fewer than minGroups naming those that pass', () => {
    const sameCountry = [candidate('a', 'FR'), candidate('b', 'FR')];
    expect(selectBySpread(sameCountry, [{ by: 'country', minGroups: 2 }])).toEqual({
      code: 'SpreadUnsatisfiable',
      message: 'spread by country needs at least 2 countries; only 1 pass the filters (FR)',
    });
    expect(selectBySpread([], [{ by: 'region', minGroups: 1 }])).toEqual({
      code: 'SpreadUnsatisfiable',
      message: 'spread by region needs at least 1 regions; only 0 pass the filters',
    });
  });

  it('keep the best maxGroups groups and report them', () => {
    const selection = selectBySpread(
      [candidate('a', 'FR'), candidate('b', 'DE'), candidate('c', 'FR'), candidate('d', 'PL')],
      [{ by: 'country', maxGroups: 2 }],
    );
    expect(names(selection)).toEqual(['a', 'b', 'c']);
    expect('groups' in selection && selection.groups.get('country')).toEqual(['FR', 'DE']);
    expect(names(selectBySpread([candidate('a', 'FR'), candidate('b', 'DE')], [{ by: 'country' }]))).toEqual(['a', 'b']);
  });

  it('apply the cluster constraint last, after the others picked their groups', () => {
    const candidates = [candidate('a', 'FR'), candidate('b', 'DE')];
    const selection = selectBySpread(candidates, [
      { by: 'cluster', maxGroups: 1 },
      { by: 'country', minGroups: 2 },
    ]);
    expect(names(selection)).toEqual(['a']);
  });
});
