import { CoreV1Api, KubeConfig, VersionApi, type V1Node } from '@kubernetes/client-node';
import type { MemberCluster } from '../api/generated/types.ts';
import { MemberClusterKind } from '../api/schema/membercluster.ts';
import { isNotFound } from '../runtime/api-errors.ts';
import { kindClient, type KindClient } from '../runtime/kind-client.ts';
import { checkFence, type WriteFence } from '../runtime/write-fence.ts';
import { withBoundedResponses } from './bounded-responses.ts';
import { withConnectionReuse } from './keep-alive.ts';
import { MEMBER_READ_LIMITS } from '../runtime/watch-event.ts';
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

/** What controllers do to member Nodes: read one, and replace it with the resourceVersion read (409 on a race). */
export interface MemberNodes {
  readNode(cluster: string, name: string): Promise<V1Node>;
  replaceNode(cluster: string, node: V1Node, fieldManager: string): Promise<V1Node>;
}

/** Member Node label and taint writes (trust verdicts, pool labels) behind the fence. */
export function fencedMemberNodes(inner: MemberNodes, fence: WriteFence): MemberNodes {
  return {
    readNode: (cluster, name) => inner.readNode(cluster, name),
    replaceNode: async (cluster, node, fieldManager) => (checkFence(fence, 'member Node writes'), inner.replaceNode(cluster, node, fieldManager)),
  };
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

  /** Namespaces member kubeconfig Secrets may live in: the operator's own unless configured otherwise. */
  private readonly secretNamespaces: ReadonlySet<string>;

  constructor(host: KubeConfig, options: { secretNamespaces?: readonly string[] } = {}) {
    this.secretNamespaces = new Set(options.secretNamespaces ?? [DEFAULT_OPERATOR_NAMESPACE]);
    this.memberClusters = kindClient<MemberCluster>(host, MemberClusterKind);
    this.core = host.makeApiClient(CoreV1Api);
  }

  async client(name: string): Promise<MemberClient> {
    const member = await this.memberClusters.get(name);
    if (!member) throw new MemberAccessError('MemberClusterNotFound', `MemberCluster ${name} does not exist`);
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
      if (isNotFound(error))
        throw new MemberAccessError('KubeconfigSecretNotFound', `Secret ${ref.namespace}/${ref.name} of MemberCluster ${name} does not exist`);
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

  async readNode(cluster: string, name: string): Promise<V1Node> {
    return (await this.client(cluster)).core.readNode({ name });
  }

  async replaceNode(cluster: string, node: V1Node, fieldManager: string): Promise<V1Node> {
    return (await this.client(cluster)).core.replaceNode({ name: node.metadata!.name!, body: node, fieldManager });
  }
}
