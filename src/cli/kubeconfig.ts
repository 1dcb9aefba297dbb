import type { KubeConfig } from '@kubernetes/client-node';
import { UsageError } from './errors.ts';

/**
 * The host cluster for `--kubeconfig FILE` (or kubectl's defaults); a missing or broken kubeconfig is bad input.
 * The Kubernetes client is loaded here, when a command needs it: it is half of empirectl's start-up time
 * and memory, which --help, typos and completion should not pay.
 */
export async function hostKubeConfig(file: string | undefined): Promise<KubeConfig> {
  const { HostKubeconfigError, loadHostKubeConfig } = await import('../cluster/host-kubeconfig.ts');
  try {
    return loadHostKubeConfig(file);
  } catch (error) {
    if (error instanceof HostKubeconfigError) throw new UsageError(error.message);
    throw error;
  }
}
