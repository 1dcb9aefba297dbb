import { validateResource } from '../../../src/api/validate.ts';
import { loadBases } from '../../fixtures/bases.ts';
import { INVALID_CASES, type Bases } from '../../fixtures/invalid-cases.ts';

let bases: Bases;
beforeAll(async () => {
  bases = await loadBases();
});

describe('validators reject bad input with the field and a fix', () => {
  it('has at least twenty cases', () => {
    expect(INVALID_CASES.length).toBeGreaterThanOrEqual(20);
  });

  it.each(INVALID_CASES.map((c) => [c.name, c] as const))('%s', (_name, testCase) => {
    const object = structuredClone(bases[testCase.base]) as Parameters<typeof testCase.mutate>[0];
    testCase.mutate(object);
    const result = validateResource(object);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const atPath = result.issues.filter((i) => i.path === testCase.path);
    expect({ path: testCase.path, found: atPath.length ? atPath : result.issues }).toEqual({
      path: testCase.path,
      found: expect.arrayContaining([expect.objectContaining({ message: expect.stringMatching(testCase.message) })]),
    });
  });
});
