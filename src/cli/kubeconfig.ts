import type { KubeConfig } from '@kubernetes/client-node';
import { HostKubeconfigError, loadHostKubeConfig } from '../cluster/host-kubeconfig.ts';
import { UsageError } from './errors.ts';

/** The host cluster for `--kubeconfig FILE` (or kubectl's defaults); a missing or broken kubeconfig is bad input. */
export function hostKubeConfig(file: string | undefined): KubeConfig {
  try {
    return loadHostKubeConfig(file);
  } catch (error) {
    if (error instanceof HostKubeconfigError) throw new UsageError(error.message);
    throw error;
  }
}
