import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { MemberCluster } from '../api/generated/types.ts';
import { GROUP, VERSION } from '../api/schema/common.ts';
import { isNotFound } from '../operator/api-errors.ts';
import { withBoundedResponses } from './bounded-responses.ts';
import { withConnectionReuse } from './keep-alive.ts';
import { MEMBER_READ_LIMITS } from './watch-event.ts';
import { checkMemberKubeconfig, KubeconfigRefusedError } from './kubeconfig-policy.ts';

/** Why a member cluster cannot be reached; the reason goes into conditions. */
export class MemberAccessError extends Error {
  readonly reason: 'MemberClusterNotFound' | 'KubeconfigSecretNotFound' | 'KubeconfigInvalid' | 'KubeconfigRefused';
  constructor(reason: MemberAccessError['reason'], message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Where member kubeconfig Secrets are read from when nothing else is configured: the operator's default namespace. */
export const DEFAULT_OPERATOR_NAMESPACE = 'cloud-empire';

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

  /** Namespaces member kubeconfig Secrets may live in: the operator's own unless configured otherwise. */
  private readonly secretNamespaces: ReadonlySet<string>;

  constructor(host: KubeConfig, options: { secretNamespaces?: readonly string[] } = {}) {
    this.secretNamespaces = new Set(options.secretNamespaces ?? [DEFAULT_OPERATOR_NAMESPACE]);
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
    if (!this.secretNamespaces.has(ref.namespace)) {
      throw new MemberAccessError(
        'KubeconfigRefused',
        `spec.kubeconfigSecretRef.namespace: the operator reads member kubeconfigs only from ${[...this.secretNamespaces].join(', ')}, not ${ref.namespace}; move the Secret there or configure the namespace`,
      );
    }
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
    const text = Buffer.from(data, 'base64').toString('utf8');
    try {
      checkMemberKubeconfig(text);
    } catch (error) {
      if (!(error instanceof KubeconfigRefusedError)) throw error;
      throw new MemberAccessError('KubeconfigRefused', `Secret ${ref.namespace}/${ref.name} key ${key}: ${error.message}`);
    }
    const kubeConfig = new KubeConfig();
    try {
      kubeConfig.loadFromString(text);
      if (!kubeConfig.getCurrentCluster()) throw new Error('no current cluster');
    } catch (error) {
      // The parser's message may quote the document; say only what is wrong.
      throw new MemberAccessError('KubeconfigInvalid', `Secret ${ref.namespace}/${ref.name} key ${key} is not a usable kubeconfig (${(error as Error).name})`);
    }
    withConnectionReuse(withBoundedResponses(kubeConfig, MEMBER_READ_LIMITS.maxBodyBytes));
    const client: MemberClient = {
      name,
      kubeConfig,
      core: kubeConfig.makeApiClient(CoreV1Api),
    };
    this.cache.set(name, { secretVersion: version, client });
    return client;
  }
}
