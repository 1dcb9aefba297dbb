import { CoreV1Api, KubeConfig, VersionApi, type V1Node } from '@kubernetes/client-node';
import type { MemberCluster } from '../api/generated/types.ts';
import { MemberClusterKind } from '../api/schema/membercluster.ts';
import { isNotFound } from '../runtime/api-errors.ts';
import { kindClient, type KindClient } from '../runtime/kind-client.ts';
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

/** What controllers do to member Nodes: read one, and replace it with the resourceVersion read (409 on a race). */
export interface MemberNodes {
  readNode(cluster: string, name: string): Promise<V1Node>;
  replaceNode(cluster: string, node: V1Node, fieldManager: string): Promise<V1Node>;
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    }),
  ]);
}

/**
 * Clients for member clusters, built from the kubeconfig Secret each
 * MemberCluster names and rebuilt when the Secret changes. Kubeconfigs never
 * leave this class: not in logs, not in errors, not in status.
 */
/** The member's API server version, or an error when it does not answer within `timeoutMs`. */
export async function serverVersion(client: MemberClient, timeoutMs: number): Promise<string> {
  const version = await withDeadline(client.kubeConfig.makeApiClient(VersionApi).getCode(), timeoutMs, `the API server of ${client.name}`);
  return version.gitVersion;
}

export class MemberClients implements MemberNodes {
  private readonly memberClusters: KindClient<MemberCluster>;
  private readonly core: CoreV1Api;
  private readonly cache = new Map<string, { secretVersion: string; client: MemberClient }>();

  constructor(host: KubeConfig) {
    this.memberClusters = kindClient<MemberCluster>(host, MemberClusterKind);
    this.core = host.makeApiClient(CoreV1Api);
  }

  async client(name: string): Promise<MemberClient> {
    const member = await this.memberClusters.get(name);
    if (!member) throw new MemberAccessError('MemberClusterNotFound', `MemberCluster ${name} does not exist`);
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

  async readNode(cluster: string, name: string): Promise<V1Node> {
    return (await this.client(cluster)).core.readNode({ name });
  }

  async replaceNode(cluster: string, node: V1Node, fieldManager: string): Promise<V1Node> {
    return (await this.client(cluster)).core.replaceNode({ name: node.metadata!.name!, body: node, fieldManager });
  }
}
