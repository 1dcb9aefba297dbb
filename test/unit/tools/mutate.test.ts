import { join } from 'node:path';
import { parseArguments, runDirectoryName, scoreOf } from '../../../hack/tools/mutate.ts';
import { REPO_ROOT } from '../../../src/controlplane/binaries.ts';

describe('npm run mutate', () => {
  it('names a focused run’s directory within the file-name limit, distinctly per run', () => {
    expect(runDirectoryName('trust')).toBe('trust');
    expect(runDirectoryName('ledger (src/ledger/embedded/block-log.ts)')).toBe('ledger_src_ledger_embedded_block-log.ts_');
    const files = (skip: string) =>
      `trust (${['anchors', 'did-drivers', 'issue', 'issued-jwt', 'jwt', 'keys', 'node-labels', 'numeric-date', 'resolver', 'status-list', 'verifier']
        .filter((f) => f !== skip)
        .map((f) => `src/trust/${f}.ts`)
        .join(', ')})`;
    const long = runDirectoryName(files('jwt'));
    expect(long.length).toBeLessThanOrEqual(100);
    expect(long.startsWith('trust_src_trust_anchors.ts_')).toBe(true);
    expect(runDirectoryName(files('keys'))).not.toBe(long);
    expect(runDirectoryName(files('jwt'))).toBe(long);
  });

  it('narrows exactly one module, and names the modules it knows', () => {
    expect(parseArguments(['trust', '--files', 'src/trust/jwt.ts']).runs).toEqual([
      ['trust (src/trust/jwt.ts)', { mutate: ['src/trust/jwt.ts'], tests: expect.arrayContaining(['test/unit/trust/**/*.test.ts']) }],
    ]);
    expect(parseArguments(['trust', 'ledger', '--tests', 'x']).error).toBe('--files and --tests narrow one module: name exactly one');
    expect(parseArguments(['trusty']).error).toMatch(/^unknown module trusty; choose from trust, scheduler, ledger, chaincode/);
    expect(parseArguments([]).runs.map(([name]) => name)).toEqual(['trust', 'scheduler', 'ledger', 'chaincode']);
  });

  it('scores detected over valid mutants, as Stryker does', () => {
    const result = (status: string, line = 1) =>
      ({ status, fileName: 'f.ts', mutatorName: 'M', replacement: 'r', location: { start: { line, column: 0 } } }) as never;
    const score = scoreOf(
      [result('Killed'), result('Killed'), result('Timeout'), result('Survived', 4), result('NoCoverage', 2), result('Ignored'), result('CompileError')],
      9,
    );
    expect(score).toEqual({
      score: 60,
      killed: 2,
      timeout: 1,
      survived: 1,
      noCoverage: 1,
      runtimeErrors: 1,
      ignored: 1,
      durationSeconds: 9,
      // The line as Stryker reports it: 1-based.
      survivors: ['f.ts:2 M NoCoverage "r"', 'f.ts:4 M Survived "r"'],
    });
    expect(scoreOf([], 0).score).toBe(100);
    expect(scoreOf([{ ...(result('Survived', 7) as object), fileName: join(REPO_ROOT, 'src/trust/jwt.ts') } as never], 1).survivors).toEqual([
      'src/trust/jwt.ts:7 M Survived "r"',
    ]);
  });
});
