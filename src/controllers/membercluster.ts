import { CustomObjectsApi, VersionApi, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import type { ClusterTaint, GpuCapacity, MemberCluster, MemberClusterStatus, SovereignNode } from '../api/generated/types.ts';
import { GROUP, VERSION } from '../api/schema/common.ts';
import { verifiedResources } from '../capacity/cluster-resources.ts';
import type { MemberWatches } from '../cluster/member-watches.ts';
import { MemberAccessError } from '../cluster/pool.ts';
import { describeError, isConflict } from '../operator/api-errors.ts';
import { setCondition } from '../operator/conditions.ts';
import { clusterCollection, getClusterObject } from '../operator/objects.ts';
import { sameJson } from '../util/canonical-json.ts';
import { startController, type RunningController } from '../operator/controller.ts';
import type { SovereignNodeCache } from '../operator/sovereign-nodes.ts';
import { verifiedNodeNames } from '../trust/verified-nodes.ts';

export const UNREACHABLE_TAINT = 'cloudempire.eu/unreachable';
const api = { group: GROUP, version: VERSION, plural: 'memberclusters' };

export interface MemberClusterReconcilerDeps {
  host: KubeConfig;
  watches: MemberWatches;
  sovereignNodes: () => readonly SovereignNode[];
  log: Logger;
  /** How often a member is probed. */
  probeIntervalMs?: number;
  probeTimeoutMs?: number;
  /** How long a member may be unreachable before it is tainted. */
  unreachableGraceMs?: number;
  now?: () => number;
}

// Device-plugin resources: domain-qualified names outside kubernetes.io.
const isExtendedResource = (name: string) => name.includes('/') && !name.split('/')[0].endsWith('kubernetes.io');

/** GPU (and other device-plugin) capacity summed over verified nodes, per resource name. */
export function deviceCapacity(nodes: readonly V1Node[], verified: ReadonlySet<string>): GpuCapacity[] {
  const totals = new Map<string, GpuCapacity>();
  for (const node of nodes) {
    if (!verified.has(node.metadata!.name!)) continue;
    for (const [resourceName, quantity] of Object.entries(node.status?.capacity ?? {})) {
      if (!isExtendedResource(resourceName)) continue;
      const entry = totals.get(resourceName) ?? { resourceName, capacity: 0, allocatable: 0 };
      entry.capacity += Number(quantity) || 0;
      entry.allocatable += Number(node.status?.allocatable?.[resourceName] ?? 0) || 0;
      totals.set(resourceName, entry);
    }
  }
  return [...totals.values()].sort((a, b) => a.resourceName.localeCompare(b.resourceName));
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

export class MemberClusterReconciler {
  private readonly custom: CustomObjectsApi;
  private readonly deps: MemberClusterReconcilerDeps;

  constructor(deps: MemberClusterReconcilerDeps) {
    this.deps = deps;
    this.custom = deps.host.makeApiClient(CustomObjectsApi);
  }

  async reconcile(name: string): Promise<{ requeueAfterMs?: number }> {
    let member = await getClusterObject<MemberCluster>(this.custom, api.plural, name);
    if (!member) return {};
    const nowMs = this.deps.now?.() ?? Date.now();
    const now = new Date(nowMs);
    const interval = this.deps.probeIntervalMs ?? 10_000;
    const grace = this.deps.unreachableGraceMs ?? 60_000;
    const generation = member.metadata.generation ?? 0;
    const previous = member.status ?? {};
    const status: MemberClusterStatus = { ...previous, observedGeneration: generation, lastProbeTime: now.toISOString() };
    let reachable = false;
    let requeueAfterMs = interval;

    try {
      // The view resolves the member's client (kubeconfig Secret) once for both the probe and the caches.
      const view = await this.deps.watches.view(name);
      const version = await withDeadline(view.client.kubeConfig.makeApiClient(VersionApi).getCode(), this.deps.probeTimeoutMs ?? 5_000, `the API server of ${name}`);
      const nodes = view.nodes.list();
      const verified = verifiedNodeNames(this.deps.sovereignNodes(), name);
      reachable = true;
      Object.assign(status, {
        kubernetesVersion: version.gitVersion,
        nodeCount: nodes.length,
        verifiedNodeCount: nodes.filter((n) => verified.has(n.metadata!.name!)).length,
        gpus: deviceCapacity(nodes, verified),
        verifiedResources: verifiedResources(nodes, view.pods.list(), verified),
      });
      delete status.unreachableSince;
      status.conditions = setCondition(status.conditions, { type: 'Ready', status: 'True', reason: 'Reachable', message: `API server ${version.gitVersion} answers`, observedGeneration: generation }, now);
    } catch (error) {
      if (isConflict(error)) throw error;
      const reason = error instanceof MemberAccessError ? error.reason : 'Unreachable';
      status.unreachableSince ??= now.toISOString();
      status.conditions = setCondition(status.conditions, { type: 'Ready', status: 'False', reason, message: describeError(error), observedGeneration: generation }, now);
      const downFor = nowMs - Date.parse(status.unreachableSince);
      requeueAfterMs = Math.min(interval, Math.max(100, grace - downFor));
    }

    // The taint is spec, as Karmada's cluster taints: placement reads it like any other.
    const tainted = (member.spec.taints ?? []).some((t) => t.key === UNREACHABLE_TAINT);
    const shouldTaint = !reachable && status.unreachableSince !== undefined && nowMs - Date.parse(status.unreachableSince) >= grace;
    if (tainted !== shouldTaint) {
      const taints: ClusterTaint[] = (member.spec.taints ?? []).filter((t) => t.key !== UNREACHABLE_TAINT);
      if (shouldTaint) taints.push({ key: UNREACHABLE_TAINT, effect: 'NoSchedule' });
      member = (await this.custom.replaceClusterCustomObject({ ...api, name, body: { ...member, spec: { ...member.spec, taints } } })) as MemberCluster;
      status.observedGeneration = member.metadata.generation ?? generation;
      this.deps.log.info(shouldTaint ? 'member unreachable past grace: tainted' : 'member reachable again: taint removed', { component: 'membercluster', memberCluster: name });
    }

    // lastProbeTime alone changing is not worth a write on every probe.
    if (!sameJson({ ...status, lastProbeTime: undefined }, { ...previous, lastProbeTime: undefined }) || !previous.lastProbeTime || nowMs - Date.parse(previous.lastProbeTime) > 5 * interval) {
      await this.custom.replaceClusterCustomObjectStatus({ ...api, name, body: { ...member, status } });
    }
    return { requeueAfterMs };
  }
}

/** Probes every MemberCluster on a timer and whenever its nodes or their verdicts change. */
export async function startMemberClusterController(deps: Omit<MemberClusterReconcilerDeps, 'sovereignNodes'> & { sovereignNodes: SovereignNodeCache }): Promise<RunningController<MemberCluster>> {
  // The wake-up paths exist before the controller they wake.
  const ref: { controller?: RunningController<MemberCluster> } = {};
  const wake = (cluster: string) => ref.controller?.queue.add(cluster);
  await deps.sovereignNodes.synced;
  deps.sovereignNodes.onChange(wake);
  deps.watches.onChange(wake);
  const reconciler = new MemberClusterReconciler({ ...deps, sovereignNodes: () => deps.sovereignNodes.list() });
  const running = await startController<MemberCluster>({
    name: 'membercluster',
    kubeConfig: deps.host,
    ...clusterCollection<MemberCluster>(deps.host, api.plural),
    reconcile: (name) => reconciler.reconcile(name),
    log: deps.log,
  });
  ref.controller = running;
  return running;
}
