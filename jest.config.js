// Unit tests need nothing but Node; integration tests run against the real
// control planes that test/integration/global-setup.ts starts once per run.
const transform = {
  '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
};
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform,
  // Sources import siblings as `./x.ts` (Node runs them directly); ts-jest emits `./x.js`.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.(js|ts)$': '$1' },
  testEnvironment: 'node',
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
  ],
  verbose: false,
};
