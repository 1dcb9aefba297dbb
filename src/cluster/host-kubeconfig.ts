import { KubeConfig } from '@kubernetes/client-node';
import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The host cluster's kubeconfig is missing, unreadable or names no cluster; the message says which and what to do. */
export class HostKubeconfigError extends Error {}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Why `path` cannot be read as a file, or undefined when it can. */
const unreadable = (path: string) => {
  try {
    accessSync(path, constants.R_OK);
    return statSync(path).isFile() ? undefined : 'not a file';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
};

/**
 * Loads the host cluster's kubeconfig as kubectl finds it: `file` (the
 * --kubeconfig flag), else $KUBECONFIG, else ~/.kube/config, else the pod's
 * service account. client-node's loadFromDefault falls back to
 * http://localhost:8080 when it finds nothing, which turns a missing
 * kubeconfig into a connection error much later; this refuses at once.
 */
export function loadHostKubeConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env, home = homedir()): KubeConfig {
  const host = new KubeConfig();
  const sources: string[] = [];
  const load = (path: string, source: string) => {
    sources.push(`${source} ${path}`);
    const problem = unreadable(path);
    if (problem) throw new HostKubeconfigError(`${source} ${path}: cannot read it (${problem})`);
    try {
      const one = new KubeConfig();
      one.loadFromFile(path);
      // As kubectl merges $KUBECONFIG: the first file that sets current-context wins.
      host.mergeConfig(one, Boolean(host.getCurrentContext()));
    } catch (error) {
      throw new HostKubeconfigError(`${source} ${path} is not a kubeconfig: ${(error as Error).message.split('\n')[0]}`);
    }
  };
  if (file) load(file, '--kubeconfig');
  else if (env.KUBECONFIG) for (const path of env.KUBECONFIG.split(delimiter).filter(Boolean)) load(path, 'KUBECONFIG');
  else if (!unreadable(join(home, '.kube', 'config'))) load(join(home, '.kube', 'config'), 'kubeconfig');
  else if (env.KUBERNETES_SERVICE_HOST && !unreadable(SERVICE_ACCOUNT_TOKEN)) host.loadFromCluster();
  else throw new HostKubeconfigError('no kubeconfig found: pass --kubeconfig FILE, set KUBECONFIG, or run in a pod with a service account');
  if (!host.getCurrentCluster()) {
    const context = host.getCurrentContext();
    throw new HostKubeconfigError(
      `${sources.join(', ')}: ${context ? `current-context ${JSON.stringify(context)} names no cluster` : 'no current-context is set'}; set one that names a cluster`,
    );
  }
  return host;
}
