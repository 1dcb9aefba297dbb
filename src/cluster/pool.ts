import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { MemberCluster } from '../api/generated/types.ts';
import { GROUP, VERSION } from '../api/schema/common.ts';
import { isNotFound } from '../operator/api-errors.ts';
import { withConnectionReuse } from './keep-alive.ts';

/** Why a member cluster cannot be reached; the reason goes into conditions. */
export class MemberAccessError extends Error {
  readonly reason: 'MemberClusterNotFound' | 'KubeconfigSecretNotFound' | 'KubeconfigInvalid';
  constructor(reason: MemberAccessError['reason'], message: string) {
    super(message);
    this.reason = reason;
  }
}

export interface MemberClient {
  name: string;
  kubeConfig: KubeConfig;
  core: CoreV1Api;
}


/**
 * Clients for member clusters, built from the kubeconfig Secret each
 * MemberCluster names and rebuilt when the Secret changes. Kubeconfigs never
 * leave this class: not in logs, not in errors, not in status.
 */
export class MemberClusterPool {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly cache = new Map<string, { secretVersion: string; client: MemberClient }>();

  constructor(host: KubeConfig) {
    this.custom = host.makeApiClient(CustomObjectsApi);
    this.core = host.makeApiClient(CoreV1Api);
  }

  async client(name: string): Promise<MemberClient> {
    let member: MemberCluster;
    try {
      member = (await this.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: 'memberclusters', name })) as MemberCluster;
    } catch (error) {
      if (isNotFound(error)) throw new MemberAccessError('MemberClusterNotFound', `MemberCluster ${name} does not exist`);
      throw error;
    }
    const ref = member.spec.kubeconfigSecretRef;
    const key = ref.key ?? 'kubeconfig';
    let secret;
    try {
      secret = await this.core.readNamespacedSecret({ name: ref.name, namespace: ref.namespace });
    } catch (error) {
      if (isNotFound(error)) throw new MemberAccessError('KubeconfigSecretNotFound', `Secret ${ref.namespace}/${ref.name} of MemberCluster ${name} does not exist`);
      throw error;
    }
    const version = `${secret.metadata?.resourceVersion}/${key}`;
    const cached = this.cache.get(name);
    if (cached && cached.secretVersion === version) return cached.client;
    const data = secret.data?.[key];
    if (!data) throw new MemberAccessError('KubeconfigInvalid', `Secret ${ref.namespace}/${ref.name} has no key ${key}`);
    const kubeConfig = new KubeConfig();
    try {
      kubeConfig.loadFromString(Buffer.from(data, 'base64').toString('utf8'));
      if (!kubeConfig.getCurrentCluster()) throw new Error('no current cluster');
    } catch (error) {
      // The parser's message may quote the document; say only what is wrong.
      throw new MemberAccessError('KubeconfigInvalid', `Secret ${ref.namespace}/${ref.name} key ${key} is not a usable kubeconfig (${(error as Error).name})`);
    }
    withConnectionReuse(kubeConfig);
    const client: MemberClient = {
      name,
      kubeConfig,
      core: kubeConfig.makeApiClient(CoreV1Api),
    };
    this.cache.set(name, { secretVersion: version, client });
    return client;
  }
}
