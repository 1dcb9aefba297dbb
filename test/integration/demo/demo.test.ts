import { join } from 'node:path';
import { REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { run } from '../../../src/controlplane/kubectl.ts';

describe('npm run demo', () => {
  it('brings up host + three members, verifies every node with the operator and stops cleanly', async () => {
    const result = await run(process.execPath, [join(REPO_ROOT, 'src', 'demo', 'main.ts'), '--once'], { timeoutMs: 180_000 });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/control planes ready in [\d.]+ s: host \+ paris, madrid, warsaw/);
    expect(result.stdout).toMatch(/^membercluster\.cloudempire\.eu\/paris\s+FR\s+ovhcloud\s+True\s+v1\.34\.4\s+4\s+2\s/m);
    expect(result.stdout).toMatch(/^membercluster\.cloudempire\.eu\/madrid\s+ES\s+atos\s+True\s+v1\.34\.4\s+2\s+2\s/m);
    expect(result.stdout).toMatch(/^gpupool\.cloudempire\.eu\/paris-h100\s+paris\s+nvidia\.com\/gpu\s+NVIDIA-H100-80GB-HBM3\s+2\s+16\s+0\s+True/m);
    expect(result.stdout).toMatch(/^gpupool\.cloudempire\.eu\/madrid-a100-mig\s+madrid\s+nvidia\.com\/mig-1g\.10gb\s+\S+\s+1\s+7\s+0\s+True/m);
    expect(result.stdout.match(/^sovereignnode\.cloudempire\.eu\/\S+\s+\S+\s+\S+\s+True\s+Verified\s/gm)).toHaveLength(6);
    expect(result.stdout).toMatch(/^sovereignnode\.cloudempire\.eu\/paris-cpu-1\s+paris\s+par-cpu-1\s+False\s+Expired\s+FR/m);
    expect(result.stdout).toMatch(/^sovereignnode\.cloudempire\.eu\/paris-edge-london\s+paris\s+par-edge-lon\s+False\s+JurisdictionDenied\s+GB/m);
    expect(result.stdout).toMatch(/^par-cpu-1\s+false\s+<none>\s+trust\.cloudempire\.eu\/unverified,trust\.cloudempire\.eu\/revoked/m);
    expect(result.stdout).toMatch(/^par-h100-1\s+true\s+FR\s+<none>/m);
    expect(result.stdout.match(/federatedworkload\.cloudempire\.eu\//g)).toHaveLength(3);
    expect(result.stdout).toMatch(/mad-a100-1\s+true\s+ES\s+<none>\s+map\[.*nvidia\.com\/mig-1g\.10gb:7/);
    expect(result.stdout).toMatch(/waw-mi300-1\s+true\s+PL\s+<none>\s+map\[amd\.com\/gpu:8/);
    expect(result.stdout).toMatch(/^paris\s+paris-h100\s+ovhcloud\s+FR\s+NVIDIA-H100-80GB-HBM3\s+nvidia\.com\/gpu\s+16\s+16\s+2\.85 EUR/m);
    expect(result.stdout).toMatch(/^warsaw\s+warsaw-mi300x\s+cloudferro\s+PL\s+AMD-Instinct-MI300X\s+amd\.com\/gpu\s+8\s+8\s+2\.10 EUR/m);
    expect(result.stdout).toMatch(/^ledger \(embedded, hash-chained\): \d+ blocks, \d+ transactions, intact$/m);
    expect(result.stdout).toContain('stopped; nothing left running');
  }, 200_000);
});
