import { anchorMayAttest } from '@cloud-empire/chaincode/trust-registry';

describe('anchorMayAttest', () => {
  it('lets an anchor vouch only for the countries it was registered with', () => {
    expect(anchorMayAttest({ countries: ['ES', 'FR'] }, 'FR')).toBe(true);
    expect(anchorMayAttest({ countries: ['ES', 'FR'] }, 'PL')).toBe(false);
    expect(anchorMayAttest({ countries: ['ES', 'FR'] }, undefined)).toBe(false);
  });

  it('lets an anchor stored without countries (an older record) vouch for none, instead of all', () => {
    expect(anchorMayAttest({ countries: [] }, 'FR')).toBe(false);
    expect(anchorMayAttest({} as { countries: string[] }, 'FR')).toBe(false);
  });
});
