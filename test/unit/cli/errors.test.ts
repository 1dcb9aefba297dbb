// Unexpected failures: one line on stderr and exit 1, the stack only when asked for.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort, runProgram, writeKubeconfig } from '../../helpers/cli.ts';

let home: string;
let kubeconfig: string;
let port: number;
beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'empirectl-errors-'));
  port = await closedPort();
  kubeconfig = writeKubeconfig(join(home, 'kubeconfig.yaml'), port);
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

const empirectl = (args: string[], env: NodeJS.ProcessEnv = {}) => runProgram(['src', 'cli', 'empirectl.ts'], args, home, env);

describe('empirectl catalog without a reachable cluster', () => {
  it('says so in one line naming the server and exits 1', async () => {
    const result = await empirectl(['catalog', '--kubeconfig', kubeconfig]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(new RegExp(`^empirectl catalog: cannot read the catalog from https://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*\\n$`));
  });

  it('prints the stack with --debug or CLOUD_EMPIRE_DEBUG=1', async () => {
    for (const [args, env] of [
      [['catalog', '--kubeconfig', kubeconfig, '--debug'], {}],
      [['catalog', '--kubeconfig', kubeconfig], { CLOUD_EMPIRE_DEBUG: '1' }],
    ] as const) {
      const result = await empirectl([...args], env);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/\n\s+at .*catalog\.ts/);
    }
  });

  it('refuses at once, exit 2, when no kubeconfig is found', async () => {
    const result = await empirectl(['catalog']);
    expect(result).toMatchObject({
      code: 2,
      stderr: 'empirectl catalog: no kubeconfig found: pass --kubeconfig FILE, set KUBECONFIG, or run in a pod with a service account\n',
    });
    const missing = await empirectl(['catalog'], { KUBECONFIG: join(home, 'nope.yaml') });
    expect(missing).toMatchObject({ code: 2, stderr: `empirectl catalog: KUBECONFIG ${join(home, 'nope.yaml')}: cannot read it (ENOENT)\n` });
  });
});
