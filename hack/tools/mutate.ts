// Mutation testing of the decision code with Stryker: `npm run mutate` runs
// every module, `npm run mutate -- trust scheduler` only those named.
// Each module runs on its own: its own mutants, only the unit tests that
// exercise it, its own incremental file (so a rerun retests only what changed
// since the last run of that module) and its own report under reports/.
// The per-module summary is merged into docs/reliability/mutation-scores.json.
// A focused run narrows one module: `npm run mutate -- ledger --files
// src/ledger/embedded/block-log.ts --tests test/unit/ledger/durability.test.ts`
// (Stryker's `file.ts:10-40` line ranges work in --files); its score is kept
// under its own key and its own report, never as the module's.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Stryker } from '@stryker-mutator/core';
import type { MutantResult, PartialStrykerOptions } from '@stryker-mutator/api/core';
import { REPO_ROOT } from '../../src/controlplane/binaries.ts';

interface MutationModule {
  /** Files Stryker mutates. */
  mutate: string[];
  /** Unit tests that kill its mutants; tests that spawn child processes cannot see a mutant and are left out. */
  tests: string[];
}

const MODULES: Record<string, MutationModule> = {
  trust: {
    mutate: ['src/trust/**/*.ts'],
    // trust-marks.test.ts: the labels and taints a verdict puts on member Nodes (src/trust/node-labels.ts), a pure test.
    tests: ['test/unit/trust/**/*.test.ts', 'test/unit/controllers/trust-marks.test.ts'],
  },
  scheduler: {
    mutate: ['src/scheduler/**/*.ts'],
    // explain-cli spawns empirectl: the child runs without the active mutant and only costs time.
    tests: ['test/unit/scheduler/!(explain-cli).test.ts'],
  },
  ledger: {
    mutate: ['src/ledger/embedded/**/*.ts'],
    // crash.test.ts SIGKILLs a spawned writer: the child cannot see the active mutant.
    tests: ['test/unit/ledger/!(crash).test.ts'],
  },
  chaincode: {
    mutate: ['chaincode/src/**/*.ts', '!chaincode/src/**/*.d.ts'],
    // The contracts run in memory here (test/chaincode/chaincode-world.ts): the embedded-ledger suites run the same
    // contracts through the block log on disk, seconds per mutant, and belong to the ledger module.
    tests: ['test/unit/chaincode/**/*.test.ts'],
  },
};

const SCORES_FILE = join(REPO_ROOT, 'docs', 'reliability', 'mutation-scores.json');

export interface ModuleScore {
  score: number;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  runtimeErrors: number;
  ignored: number;
  durationSeconds: number;
  survivors: string[];
}

/** Stryker's definition: detected (killed + timed out) over valid mutants (detected + survived + not covered); ignored and erroring mutants do not count. */
export function scoreOf(results: MutantResult[], durationSeconds: number): ModuleScore {
  const count = (status: MutantResult['status']) => results.filter((r) => r.status === status).length;
  const killed = count('Killed');
  const timeout = count('Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const valid = killed + timeout + survived + noCoverage;
  return {
    score: valid === 0 ? 100 : Math.round((10_000 * (killed + timeout)) / valid) / 100,
    killed,
    timeout,
    survived,
    noCoverage,
    runtimeErrors: count('RuntimeError') + count('CompileError'),
    ignored: count('Ignored'),
    durationSeconds,
    survivors: results
      .filter((r) => r.status === 'Survived' || r.status === 'NoCoverage')
      // Report locations are 1-based already (mutation-testing-report-schema); paths relative to the repository.
      .map(
        (r) =>
          `${isAbsolute(r.fileName) ? relative(REPO_ROOT, r.fileName) : r.fileName}:${r.location.start.line} ${r.mutatorName} ${r.status} ${JSON.stringify(r.replacement ?? '')}`,
      )
      .sort(),
  };
}

/**
 * A run's name as a directory name: a focused run names every file it mutates, and a path segment longer
 * than 255 bytes cannot be opened (ENAMETOOLONG), so a long name is cut and told apart by its hash.
 */
export function runDirectoryName(name: string): string {
  const safe = name.replace(/[^a-z0-9.-]+/gi, '_');
  return safe.length <= 100 ? safe : `${safe.slice(0, 80)}_${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}

function strykerOptions(name: string, module: MutationModule): PartialStrykerOptions {
  const report = join('reports', 'mutation', runDirectoryName(name));
  return {
    mutate: module.mutate,
    testRunner: 'jest',
    testRunnerNodeArgs: ['--experimental-vm-modules'],
    jest: {
      projectType: 'custom',
      configFile: 'hack/tools/mutate.jest.config.js',
      config: { testMatch: module.tests.map((t) => `<rootDir>/${t}`) },
      enableFindRelatedTests: false,
    },
    coverageAnalysis: 'perTest',
    incremental: true,
    incrementalFile: join(report, 'stryker-incremental.json'),
    reporters: ['html', 'json', 'clear-text', 'progress'],
    htmlReporter: { fileName: join(report, 'index.html') },
    jsonReporter: { fileName: join(report, 'mutation.json') },
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
    // The machine is shared: one test process unless told otherwise.
    concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 1),
    // The sandbox lives outside the worktree so that ESLint, Prettier and jest never see its copy.
    tempDirName: join(tmpdir(), `cloud-empire-stryker-${runDirectoryName(name)}`),
    cleanTempDir: true,
    // examples/ stays: the scheduler's golden tests decide the shipped example workloads.
    ignorePatterns: ['/charts', '/bench', '/docs', '/reports', '/coverage', '/dist', '/.cache', '/.walkthrough'],
    // Static mutants (module-level constants) rerun every test for one mutant; Stryker reports them as ignored.
    ignoreStatic: true,
    timeoutMS: 10_000,
    thresholds: { high: 90, low: 85, break: null },
  };
}

function saveScore(name: string, score: ModuleScore): void {
  const all: Record<string, ModuleScore> = existsSync(SCORES_FILE) ? JSON.parse(readFileSync(SCORES_FILE, 'utf8')) : {};
  all[name] = score;
  const sorted = Object.fromEntries(
    Object.keys(all)
      .sort()
      .map((k) => [k, all[k]]),
  );
  mkdirSync(join(REPO_ROOT, 'docs', 'reliability'), { recursive: true });
  writeFileSync(SCORES_FILE, `${JSON.stringify(sorted, null, 2)}\n`);
}

/** Reads `[module...] [--files glob...] [--tests glob...]`; a focused run names exactly one module. */
export function parseArguments(args: string[]): { runs: [string, MutationModule][]; error?: string } {
  const modules: string[] = [];
  const focus: Record<'--files' | '--tests', string[]> = { '--files': [], '--tests': [] };
  let into: string[] = modules;
  for (const arg of args) {
    if (arg === '--files' || arg === '--tests') into = focus[arg];
    else into.push(arg);
  }
  const unknown = modules.filter((m) => !(m in MODULES));
  if (unknown.length > 0) return { runs: [], error: `unknown module ${unknown.join(', ')}; choose from ${Object.keys(MODULES).join(', ')} (or none for all)` };
  const focused = focus['--files'].length > 0 || focus['--tests'].length > 0;
  if (!focused) return { runs: (modules.length > 0 ? modules : Object.keys(MODULES)).map((m) => [m, MODULES[m]]) };
  if (modules.length !== 1) return { runs: [], error: '--files and --tests narrow one module: name exactly one' };
  const [name] = modules;
  const module = {
    mutate: focus['--files'].length > 0 ? focus['--files'] : MODULES[name].mutate,
    tests: focus['--tests'].length > 0 ? focus['--tests'] : MODULES[name].tests,
  };
  return { runs: [[`${name} (${module.mutate.join(', ')})`, module]] };
}

async function main(): Promise<void> {
  const { runs, error } = parseArguments(process.argv.slice(2));
  if (error) {
    console.error(`mutate: ${error}`);
    process.exit(2);
  }
  process.chdir(REPO_ROOT);
  // Every surviving mutant reruns each property that reaches it: thousands of generated cases per mutant would make a
  // module run take days. The example tests do the killing; a property needs a few cases to notice a broken invariant.
  process.env.FC_NUM_RUNS ??= '100';
  const failures: string[] = [];
  for (const [name, module] of runs) {
    const started = Date.now();
    const results = await new Stryker(strykerOptions(name, module)).runMutationTest();
    const score = scoreOf(results, Math.round((Date.now() - started) / 1000));
    saveScore(name, score);
    console.log(
      `mutate: ${name} ${score.score}% (${score.killed} killed, ${score.timeout} timeout, ${score.survived} survived, ${score.noCoverage} no coverage)`,
    );
    if (score.score < 85) failures.push(`${name} ${score.score}%`);
  }
  if (failures.length > 0) {
    console.error(`mutate: below the 85% goal: ${failures.join(', ')}`);
    process.exitCode = 1;
  }
}

// Run when executed (`npm run mutate`), not when a test imports the helpers above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
