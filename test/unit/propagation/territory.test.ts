import type { Placement } from '../../../src/api/generated/types.ts';
import { allowedTerritory } from '../../../src/cluster/propagation/territory.ts';

const trust = { jurisdiction: 'EU', countries: ['DE', 'ES', 'FR', 'PL'] };

describe('allowedTerritory', () => {
  it.each<[string, Placement | undefined, string[]]>([
    ['no placement: the whole jurisdiction', undefined, ['DE', 'ES', 'FR', 'PL']],
    ['an include list', { countries: { include: ['FR', 'DE'] } }, ['DE', 'FR']],
    ['an include list reaching outside the jurisdiction', { countries: { include: ['FR', 'GB'] } }, ['FR']],
    ['an exclude list', { jurisdictions: ['EU'], countries: { exclude: ['PL'] } }, ['DE', 'ES', 'FR']],
  ])('allows %s', (_what, placement, countries) => {
    expect(allowedTerritory(placement, trust)).toEqual({ countries, jurisdictions: ['EU'] });
  });

  it.each<[string, Placement, string]>([
    ['only countries outside the jurisdiction', { countries: { include: ['GB', 'US'] } }, 'spec.placement.countries'],
    ['every country excluded', { countries: { exclude: ['DE', 'ES', 'FR', 'PL'] } }, 'spec.placement.countries'],
    ['another jurisdiction', { jurisdictions: ['UK'] }, 'spec.placement.jurisdictions'],
  ])('refuses %s, naming the field', (_what, placement, field) => {
    expect(() => allowedTerritory(placement, trust)).toThrow(expect.objectContaining({ field }));
  });
});
