import { join } from 'node:path';
import { REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { run } from '../../../src/controlplane/kubectl.ts';

describe('npm run demo', () => {
  it('brings up host + three members, applies every example and stops cleanly', async () => {
    const result = await run(process.execPath, [join(REPO_ROOT, 'src', 'demo', 'main.ts'), '--once'], { timeoutMs: 180_000 });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/control planes ready in [\d.]+ s: host \+ paris, madrid, warsaw/);
    expect(result.stdout.match(/^membercluster\.cloudempire\.eu\//gm)).toHaveLength(3);
    expect(result.stdout.match(/^sovereignnode\.cloudempire\.eu\//gm)).toHaveLength(8);
    expect(result.stdout.match(/^gpupool\.cloudempire\.eu\//gm)).toHaveLength(3);
    expect(result.stdout.match(/federatedworkload\.cloudempire\.eu\//g)).toHaveLength(3);
    expect(result.stdout).toMatch(/mad-a100-1\s+map\[.*nvidia\.com\/mig-1g\.10gb:7/);
    expect(result.stdout).toMatch(/waw-mi300-1\s+map\[amd\.com\/gpu:8/);
    expect(result.stdout).toContain('stopped; nothing left running');
  }, 200_000);
});
