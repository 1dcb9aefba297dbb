// The operator's command line, tried on the real process: help, bad flags, a
// missing kubeconfig, and a fatal error that a library must not swallow.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOperatorFlags } from '../../../src/operator/flags.ts';
import { closedPort, runProgram, writeKubeconfig } from '../../helpers/cli.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'operator-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The operator with no kubeconfig to find unless the flags name one. */
const operator = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runProgram(['src', 'operator', 'main.ts'], [`--ledger-dir=${join(dir, 'ledger')}`, ...args], dir, { LOG_FORMAT: 'text', ...env });

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('the operator process', () => {
  it('prints its usage for --help and exits 0', async () => {
    const result = await operator(['--help']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('Usage: cloud-empire-operator [options]');
    for (const flag of [
      '--kubeconfig',
      '--namespace',
      '--ledger-dir',
      '--fabric-connection',
      '--http-addr',
      '--leader-elect',
      '--lease-duration',
      '--identity',
    ]) {
      expect(result.stdout).toContain(flag);
    }
  });

  it.each([
    [['--kubconfig=x'], /^cloud-empire-operator: unknown option '--kubconfig=x' \(Did you mean --kubeconfig\?\) \(see --help\)\n$/],
    [['--lease-duration=15'], /^cloud-empire-operator: --lease-duration 15: write a positive duration such as 15s or 500ms \(see --help\)\n$/],
    [['--leader-elect=maybe'], /argument 'maybe' is invalid\. Allowed choices are true, false/],
    [['--http-addr=8080'], /--http-addr 8080: write host:port/],
    [['--kubeconfig', join(tmpdir(), 'no-such-kubeconfig')], /--kubeconfig \S+no-such-kubeconfig: cannot read it \(ENOENT\)/],
    [[], /no kubeconfig found: pass --kubeconfig FILE, set KUBECONFIG, or run in a pod with a service account/],
  ])('refuses %j with one line and exit 2', async (args, message) => {
    const result = await operator(args as string[]);
    expect(result.code).toBe(2);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(message as RegExp);
  });

  it('dies with one line and exit 1 when the host API server cannot be reached, although fabric-shim is loaded', async () => {
    const kubeconfig = join(dir, 'unreachable.yaml');
    const port = await closedPort();
    writeKubeconfig(kubeconfig, port);
    const text = await operator([`--kubeconfig=${kubeconfig}`]);
    expect(text.code).toBe(1);
    expect(lines(text.stderr)).toEqual([expect.stringMatching(new RegExp(`^cloud-empire-operator: fatal: .*ECONNREFUSED 127\\.0\\.0\\.1:${port}$`))]);
    expect(text.stderr).not.toContain('not-a-real-token');

    const json = await operator([`--kubeconfig=${kubeconfig}`], { LOG_FORMAT: 'json' });
    expect(json.code).toBe(1);
    expect(lines(json.stderr)).toHaveLength(1);
    expect(JSON.parse(json.stderr)).toMatchObject({ level: 'error', component: 'operator', message: expect.stringMatching(/^fatal: .*ECONNREFUSED/) });

    const debug = await operator([`--kubeconfig=${kubeconfig}`], { CLOUD_EMPIRE_DEBUG: '1' });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});

describe('parseOperatorFlags', () => {
  it('has the documented defaults, taking namespace, ledger and identity from the pod', () => {
    const line = parseOperatorFlags([], { POD_NAMESPACE: 'ce', POD_NAME: 'op-0', LEDGER_DIR: '/ledger' });
    expect(line).toEqual({
      run: {
        kubeconfig: undefined,
        namespace: 'ce',
        ledgerDir: '/ledger',
        fabricConnection: undefined,
        httpHost: '127.0.0.1',
        httpPort: 8080,
        leaderElect: true,
        leaseMs: 15_000,
        identity: `op-0-${process.pid}`,
        memberSecretNamespaces: [],
      },
    });
  });

  it('reads extra member Secret namespaces from the flag or the environment', () => {
    expect(parseOperatorFlags(['--member-secret-namespaces', 'a, b,,c'], {})).toMatchObject({ run: { memberSecretNamespaces: ['a', 'b', 'c'] } });
    expect(parseOperatorFlags([], { MEMBER_SECRET_NAMESPACES: 'fleet' })).toMatchObject({ run: { memberSecretNamespaces: ['fleet'] } });
  });

  it('reads both --flag value and --flag=value', () => {
    const line = parseOperatorFlags(
      ['--kubeconfig', 'k.yaml', '--leader-elect=false', '--lease-duration=500ms', '--http-addr', '[::1]:9090', '--identity=a'],
      {},
    );
    expect(line).toMatchObject({ run: { kubeconfig: 'k.yaml', leaderElect: false, leaseMs: 500, httpHost: '::1', httpPort: 9090, identity: 'a' } });
  });

  it.each([['--http-addr=127.0.0.1:70000'], ['--lease-duration=0s'], ['stray']])('refuses %s', (arg) => {
    expect(parseOperatorFlags([arg], {})).toEqual({ error: expect.any(String) });
  });
});
