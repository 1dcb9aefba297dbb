// The operator image built with buildah (hack/image/build.sh: FROM scratch,
// Node 24 from the npm registry, Debian's libraries) and the operator run
// from the image's own file system as its nonroot user, as a container
// runtime would start it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { run } from '../../../src/controlplane/kubectl.ts';

const TAG = 'localhost/cloud-empire/operator:test';
const storage = join(cacheDir(), 'buildah');
const buildah = (args: string[]) => run('buildah', ['--root', join(storage, 'storage'), '--runroot', join(storage, 'run'), '--storage-driver', 'vfs', ...args]);
const canBuild = (() => {
  try {
    execFileSync('buildah', ['--version'], { stdio: 'ignore' });
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
})();
// Without buildah (apt-get install -y buildah) or root the image cannot be built here; the skip says so.
const maybe = canBuild ? describe : describe.skip;

maybe('the operator image (needs buildah and root)', () => {
  let container = '';
  let rootfs = '';
  let config: { User: string; Entrypoint: string[] };

  beforeAll(async () => {
    const built = await run('bash', [join(REPO_ROOT, 'hack', 'image', 'build.sh'), TAG], { timeoutMs: 600_000 });
    if (built.code !== 0) throw new Error(`hack/image/build.sh failed:\n${built.stdout}${built.stderr}`);
    const inspected = await buildah(['inspect', '--type', 'image', TAG]);
    config = (JSON.parse(inspected.stdout) as { OCIv1: { config: typeof config } }).OCIv1.config;
    container = (await buildah(['from', TAG])).stdout.trim();
    rootfs = (await buildah(['mount', container])).stdout.trim();
  }, 660_000);

  afterAll(async () => {
    if (container) {
      await buildah(['umount', container]);
      await buildah(['rm', container]);
    }
  });

  it('runs as the nonroot user with the heap caps of the operator launch flags', () => {
    expect(config.User).toBe('65532:65532');
    expect(config.Entrypoint).toEqual(['/nodejs/bin/node', '--max-old-space-size=128', '--max-semi-space-size=4', '/app/src/operator/main.ts']);
  });

  it("starts the operator from the image's file system: --help prints its flags, a wrong flag exits 2", async () => {
    const [node, ...args] = config.Entrypoint;
    const help = await run('chroot', ['--userspec=65532:65532', rootfs, node, ...args, '--help']);
    expect(help.stderr).toBe('');
    expect(help.stdout).toContain('--fabric-connection <dir>');
    expect(help.code).toBe(0);
    const wrong = await run('chroot', ['--userspec=65532:65532', rootfs, node, ...args, '--ledger']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("unknown option '--ledger'");
  });

  it('holds production dependencies only, and no test code or local control planes', () => {
    const has = (path: string) => existsSync(join(rootfs, path));
    expect(has('app/node_modules/@kubernetes/client-node/package.json')).toBe(true);
    expect(has('app/node_modules/fabric-contract-api/package.json')).toBe(true);
    for (const devOnly of [
      'app/node_modules/jest',
      'app/node_modules/typescript',
      'app/node_modules/node',
      'app/node_modules/@aws-cdk',
      'app/src/controlplane',
      'app/src/demo',
      'app/test',
    ]) {
      expect([devOnly, has(devOnly)]).toEqual([devOnly, false]);
    }
  });
});
