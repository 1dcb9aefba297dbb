// The jest config Stryker runs mutants with: only the unit project of
// jest.config.js, flattened. Given jest.config.js itself, Stryker's jest runner
// would run every project, and the integration project's global setup starts
// real control planes for every mutant.
import config from '../../jest.config.js';

const unit = config.projects.find((project) => project.displayName === 'unit');
if (!unit) throw new Error('jest.config.js has no project with displayName "unit"');

export default {
  ...unit,
  displayName: undefined,
  rootDir: '../..',
  // node_modules/@cloud-empire/chaincode links to the worktree's chaincode, not the sandbox's mutated copy.
  moduleNameMapper: {
    '^@cloud-empire/chaincode$': '<rootDir>/chaincode/src/index.ts',
    '^@cloud-empire/chaincode/(.*)$': '<rootDir>/chaincode/src/$1.ts',
    ...unit.moduleNameMapper,
  },
  testTimeout: 60_000,
};
