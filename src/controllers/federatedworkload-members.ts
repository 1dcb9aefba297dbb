// The FederatedWorkload controller's I/O with members and the host, behind
// interfaces the unit tests fake: member objects (apply, prune, read), the
// host ConfigMaps and Secrets a template references, and Events.
import { CoreV1Api, KubernetesObjectApi, type KubeConfig, type V1ConfigMap, type V1Secret } from '@kubernetes/client-node';
import type { FederatedWorkload } from '../api/generated/types.ts';
import type { MemberClients } from '../cluster/member-clients.ts';
import { MemberPropagation, type MemberObject, type ObjectRef, type OwnedObject } from '../cluster/propagation/apply.ts';
import type { MemberWorkload } from '../cluster/propagation/status.ts';
import { isNotFound } from '../runtime/api-errors.ts';
import { checkFence, type WriteFence } from '../runtime/write-fence.ts';

/** What the controller does in one member; every call throws when the member cannot be reached in time. */
export interface MemberWorkloads {
  apply(cluster: string, objects: readonly MemberObject[]): Promise<void>;
  /** Removes the workload's objects `keep` does not name; returns the workload objects still there (being deleted included). */
  prune(cluster: string, workload: string, keep: readonly ObjectRef[]): Promise<OwnedObject[]>;
  read(cluster: string, ref: ObjectRef): Promise<MemberWorkload | undefined>;
}

/** The host objects a template references, from the FederatedWorkload's namespace; undefined when missing. */
export interface HostDependencies {
  configMap(namespace: string, name: string): Promise<V1ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<V1Secret | undefined>;
}

export interface WorkloadEvents {
  emit(workload: FederatedWorkload, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

/** A member that does not answer within this long counts as unreachable for this reconcile. */
const MEMBER_DEADLINE_MS = 5_000;

function withDeadline<T>(cluster: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`member ${cluster} did not answer within ${MEMBER_DEADLINE_MS} ms`)), MEMBER_DEADLINE_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** MemberWorkloads over the members' API servers, one MemberPropagation per member kubeconfig. */
export class MemberApiWorkloads implements MemberWorkloads {
  private readonly clients: MemberClients;
  private readonly propagations = new WeakMap<KubeConfig, { propagation: MemberPropagation; objects: KubernetesObjectApi }>();

  constructor(clients: MemberClients) {
    this.clients = clients;
  }

  private async member(cluster: string) {
    const { kubeConfig } = await this.clients.client(cluster);
    let member = this.propagations.get(kubeConfig);
    if (!member) {
      member = { propagation: new MemberPropagation(kubeConfig), objects: KubernetesObjectApi.makeApiClient(kubeConfig) };
      this.propagations.set(kubeConfig, member);
    }
    return member;
  }

  async apply(cluster: string, objects: readonly MemberObject[]): Promise<void> {
    await withDeadline(cluster, (async () => (await this.member(cluster)).propagation.apply(objects))());
  }

  prune(cluster: string, workload: string, keep: readonly ObjectRef[]): Promise<OwnedObject[]> {
    return withDeadline(cluster, (async () => (await this.member(cluster)).propagation.prune(workload, keep))());
  }

  read(cluster: string, ref: ObjectRef): Promise<MemberWorkload | undefined> {
    return withDeadline(
      cluster,
      (async () => {
        try {
          return (await (
            await this.member(cluster)
          ).objects.read({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } })) as MemberWorkload;
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      })(),
    );
  }
}

/** Member applies and prunes behind the leader fence (src/runtime/write-fence.ts); reads stay open. */
export function fencedMemberWorkloads(inner: MemberWorkloads, fence: WriteFence): MemberWorkloads {
  return {
    apply: async (cluster, objects) => (checkFence(fence, 'member writes'), inner.apply(cluster, objects)),
    prune: async (cluster, workload, keep) => (checkFence(fence, 'member writes'), inner.prune(cluster, workload, keep)),
    read: (cluster, ref) => inner.read(cluster, ref),
  };
}

/** Events behind the fence too: a woken ex-leader's "Placed" would tell of a decision it no longer makes. */
export function fencedWorkloadEvents(inner: WorkloadEvents, fence: WriteFence): WorkloadEvents {
  return { emit: async (workload, type, reason, message) => (fence() ? undefined : inner.emit(workload, type, reason, message)) };
}

export class HostApiDependencies implements HostDependencies {
  private readonly core: CoreV1Api;

  constructor(host: KubeConfig) {
    this.core = host.makeApiClient(CoreV1Api);
  }

  async configMap(namespace: string, name: string): Promise<V1ConfigMap | undefined> {
    try {
      return await this.core.readNamespacedConfigMap({ namespace, name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async secret(namespace: string, name: string): Promise<V1Secret | undefined> {
    try {
      return await this.core.readNamespacedSecret({ namespace, name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

/** core/v1 Events on the FederatedWorkload, as `kubectl describe fw` shows them; a failed write is never the reconcile's failure. */
export class HostWorkloadEvents implements WorkloadEvents {
  private readonly core: CoreV1Api;

  constructor(host: KubeConfig) {
    this.core = host.makeApiClient(CoreV1Api);
  }

  async emit(workload: FederatedWorkload, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const namespace = workload.metadata.namespace!;
    const now = new Date();
    try {
      await this.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${workload.metadata.name}.`, namespace },
          involvedObject: {
            apiVersion: workload.apiVersion,
            kind: workload.kind,
            name: workload.metadata.name,
            namespace,
            uid: workload.metadata.uid,
            resourceVersion: workload.metadata.resourceVersion,
          },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: 'cloud-empire' },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
          reportingComponent: 'cloud-empire',
          reportingInstance: 'cloud-empire',
        },
      });
    } catch {
      // Events are advice: the status conditions carry the same facts.
    }
  }
}
