import type { V1Container, V1Node, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import type { Subscribe } from '../runtime/informer.ts';
import { slimWatch } from '../runtime/slim-watch.ts';
import type { WatchedCollection } from '../runtime/watch.ts';
import { serverVersion, type MemberClient, type MemberClients } from './member-clients.ts';
import { LABEL_MANAGED_BY, LABEL_WORKLOAD } from './propagation/labels.ts';

// What the capacity controllers read of a member's Nodes and Pods; the rest
// (images, managed fields, conditions, volumes…) is not kept. At 15,000 nodes
// the full objects were most of the operator's memory.
export function slimNode(node: V1Node): V1Node {
  return {
    metadata: { name: node.metadata?.name, labels: node.metadata?.labels },
    status: { capacity: node.status?.capacity, allocatable: node.status?.allocatable },
  };
}

const slimContainer = (c: V1Container): V1Container => ({ name: c.name, resources: { requests: c.resources?.requests, limits: c.resources?.limits } });

export function slimPod(pod: V1Pod): V1Pod {
  // The ownership labels say which FederatedWorkload a pod belongs to: the GPU meter reads the workload, the
  // GpuPool count both (the federation's own pods are counted apart from foreign ones).
  const workload = pod.metadata?.labels?.[LABEL_WORKLOAD];
  const managedBy = pod.metadata?.labels?.[LABEL_MANAGED_BY];
  return {
    // uid, startTime and the workload label are the GPU meter's (src/cluster/gpu-meter.ts): one interval per pod uid from its start.
    metadata: {
      name: pod.metadata?.name,
      namespace: pod.metadata?.namespace,
      ...(workload ? { uid: pod.metadata?.uid, labels: { [LABEL_WORKLOAD]: workload, ...(managedBy && { [LABEL_MANAGED_BY]: managedBy }) } } : {}),
    },
    spec: {
      nodeName: pod.spec?.nodeName,
      containers: (pod.spec?.containers ?? []).map(slimContainer),
      ...(pod.spec?.initContainers ? { initContainers: pod.spec.initContainers.map(slimContainer) } : {}),
    },
    status: { phase: pod.status?.phase, ...(workload && pod.status?.startTime ? { startTime: pod.status.startTime } : {}) },
  };
}
interface MemberView {
  client: MemberClient;
  nodes: WatchedCollection<V1Node>;
  pods: WatchedCollection<V1Pod>;
}

/** A member's cached Nodes and Pods (slim projections), as one reconcile reads them. */
export interface MemberSnapshot {
  nodes: readonly V1Node[];
  pods: readonly V1Pod[];
}

/** One health probe of a member: its API server's version, and its cached Nodes. */
export interface MemberProbe {
  version: string;
  nodes: readonly V1Node[];
  /** Unfinished pods, whose requests come off the free CPU and memory placement may use. */
  pods?: readonly V1Pod[];
}

/** Probes a member; throws MemberAccessError (or the API error) when it cannot be reached or does not answer in time. */
export interface MemberProber {
  probe(cluster: string, timeoutMs: number): Promise<MemberProbe>;
}

/** What the capacity controllers read of members: their caches, and which member changed. */
export interface MemberCaches {
  /** Throws MemberAccessError (or the API error) when the member cannot be reached. */
  snapshot(cluster: string): Promise<MemberSnapshot>;
  /** Tells the name of every member whose Nodes or Pods change. */
  onChange: Subscribe<string>;
}

/**
 * Node and Pod watches per member cluster, started when a controller first
 * needs a cluster and restarted when its kubeconfig changes. `onChange` says
 * which cluster changed, so controllers can wake what depends on it.
 */
export class MemberWatches implements MemberCaches, MemberProber {
  private readonly views = new Map<string, { client: MemberClient; view: Promise<MemberView> }>();
  private readonly members: MemberClients;
  private readonly log: Logger;
  private readonly listeners = new Set<(cluster: string) => void>();

  constructor(members: MemberClients, log: Logger) {
    this.members = members;
    this.log = log;
  }

  readonly onChange: Subscribe<string> = (listener) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  async snapshot(cluster: string): Promise<MemberSnapshot> {
    const view = await this.view(cluster);
    return { nodes: view.nodes.list(), pods: view.pods.list() };
  }

  private notify(cluster: string): void {
    for (const listener of this.listeners) listener(cluster);
  }

  /** The kubeconfig Secret is resolved once for the caches and the version call. */
  async probe(cluster: string, timeoutMs: number): Promise<MemberProbe> {
    const view = await this.view(cluster);
    return { version: await serverVersion(view.client, timeoutMs), nodes: view.nodes.list(), pods: view.pods.list() };
  }

  /** The cluster's synced Node and Pod caches; throws MemberAccessError when it cannot be reached. */
  private async view(cluster: string): Promise<MemberView> {
    const client = await this.members.client(cluster);
    const existing = this.views.get(cluster);
    if (existing && existing.client === client) return existing.view;
    if (existing) void existing.view.then((v) => Promise.all([v.nodes.stop(), v.pods.stop()])).catch(() => undefined);
    const view = (async () => {
      const nodes = slimWatch<V1Node>({
        name: `member-nodes(${cluster})`,
        kubeConfig: client.kubeConfig,
        path: '/api/v1/nodes',
        transform: slimNode,
        onChange: () => this.notify(cluster),
        log: this.log,
      });
      const pods = slimWatch<V1Pod>({
        name: `member-pods(${cluster})`,
        kubeConfig: client.kubeConfig,
        path: '/api/v1/pods',
        // Finished pods hold no devices; when a pod finishes the watch reports it DELETED.
        fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed',
        transform: slimPod,
        onChange: () => this.notify(cluster),
        log: this.log,
      });
      try {
        await Promise.all([nodes.synced, pods.synced]);
      } catch (error) {
        await Promise.all([nodes.stop(), pods.stop()]);
        this.views.delete(cluster);
        throw error;
      }
      return { client, nodes, pods };
    })();
    this.views.set(cluster, { client, view });
    return view;
  }

  async stop(): Promise<void> {
    const views = [...this.views.values()];
    this.views.clear();
    await Promise.allSettled(
      views.map(async (v) => {
        const view = await v.view;
        await Promise.all([view.nodes.stop(), view.pods.stop()]);
      }),
    );
  }
}
