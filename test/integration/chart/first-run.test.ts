// A newcomer's first run: a fresh clone with no node_modules, the system's
// npm and Node (20 is enough), and the README's first command. The setup
// guard must install the dependencies (Node 24 among them) before the demo,
// which then prints its table and stops (--once). The control-plane binaries
// come from the shared cache that `npm test` built; building them from
// nothing is hack/*/build.sh's job.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { run } from '../../../src/controlplane/kubectl.ts';

// npm puts node_modules/.bin (Node 24) first on the PATH of `npm test`: drop it, as a fresh shell has none.
const freshPath = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((dir) => !dir.includes('node_modules'))
  .join(delimiter);
const env = { ...process.env, PATH: freshPath, NODE_OPTIONS: '', npm_config_loglevel: '' };
let clone: string;

beforeAll(async () => {
  clone = join(mkdtempSync(join(tmpdir(), 'cloud-empire-fresh-')), 'cloud-empire');
  const cloned = await run('git', ['clone', '--quiet', REPO_ROOT, clone]);
  if (cloned.code !== 0) throw new Error(`git clone ${REPO_ROOT}: ${cloned.stderr}`);
});
afterAll(() => rmSync(join(clone, '..'), { recursive: true, force: true }));

describe('a fresh clone', () => {
  it('runs `npm run demo -- --once` with nothing installed, and prints the federation', async () => {
    const demo = await run('sh', ['-c', `cd '${clone}' && npm run demo -- --once`], { env, timeoutMs: 900_000 });
    expect({ code: demo.code, stderr: demo.stderr.slice(-2000) }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(demo.stdout).toContain('setup: installing dependencies with npm ci');
    expect(demo.stdout).toMatch(/setup: dependencies installed in \d+s \(v24\./);
    expect(demo.stdout).toMatch(/paris-edge-london\s+paris\s+par-edge-lon\s+.*JurisdictionDenied/);
    expect(demo.stdout).toMatch(/paris\s+paris-h100\s+ovhcloud\s+FR\s+NVIDIA-H100-80GB-HBM3/);
    expect(demo.stdout).toMatch(/ledger \(embedded, hash-chained, signed\): \d+ blocks, \d+ transactions, intact/);
    // Its closing hints work on the Node 20 it started from, and say that --once removes what they point at.
    expect(demo.stdout).toContain('check it yourself: npx empirectl ledger verify');
    expect(demo.stdout).toContain('--once: the folders below are removed when the demo stops');
    expect(demo.stderr).not.toMatch(/ERR_UNKNOWN_FILE_EXTENSION|EBADENGINE/);
  }, 900_000);

  it('then runs `npx empirectl --help` without engine warnings', async () => {
    const help = await run('sh', ['-c', `cd '${clone}' && npx empirectl --help`], { env });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: empirectl');
    expect(help.stderr).toBe('');
  }, 60_000);
});
