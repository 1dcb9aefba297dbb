// Unit tests need nothing but Node; integration tests run against the real
// control planes that test/integration/global-setup.ts starts once per run.
const transform = {
  // Keep './x.ts' specifiers: jest maps them, and Node 24 loads them natively
  // where jest does not (global setup's imports).
  '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false, tsconfig: { rewriteRelativeImportExtensions: false } }],
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
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/integration/chaos/'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
    // Faults on real control planes: each file starts (and kills parts of) its own federation, so no shared one.
    // `npm test` runs them with small counts; `npm run chaos` with the (50 operator kills, 5 leader rounds).
    { ...common, displayName: 'chaos', testMatch: ['<rootDir>/test/integration/chaos/**/*.test.ts'] },
  ],
  verbose: false,
  testTimeout: 60_000,
};
