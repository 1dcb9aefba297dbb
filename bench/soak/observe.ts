// Looks at the federation as a user would (host status, member objects, node
// labels) and marks the churn's changes converged once they show.
import { AppsV1Api, CoreV1Api, type V1Deployment } from '@kubernetes/client-node';
import type { FederatedWorkload, SovereignNode } from '../../src/api/generated/types.ts';
import { FederatedWorkloadKind } from '../../src/api/schema/federatedworkload.ts';
import { SovereignNodeKind } from '../../src/api/schema/sovereignnode.ts';
import { kindClient } from '../../src/runtime/kind-client.ts';
import { LABEL_VERIFIED } from '../../src/trust/node-labels.ts';
import type { Churn } from './churn.ts';
import { differences, workloadLabel } from './desired.ts';
import { WORKLOAD_NAMESPACE, type SoakWorld } from './world.ts';

export interface Observation {
  /** Operator-placed Deployments per member; undefined when a member could not be read (it is down). */
  memberObjects?: Record<string, number>;
  /** Every difference from the desired state, one sentence each. */
  mismatches: string[];
}

async function memberDeployments(world: SoakWorld): Promise<Record<string, V1Deployment[]> | undefined> {
  try {
    const entries = await Promise.all(
      [...world.federation.members.values()].map(async (member) => {
        const list = await member
          .kubeConfig()
          .makeApiClient(AppsV1Api)
          .listDeploymentForAllNamespaces({ labelSelector: 'cloudempire.eu/managed-by=cloud-empire', timeoutSeconds: 5 });
        return [member.name, list.items] as const;
      }),
    );
    return Object.fromEntries(entries);
  } catch {
    return undefined;
  }
}

async function nodeLabels(world: SoakWorld): Promise<Map<string, string | undefined> | undefined> {
  try {
    const labels = new Map<string, string | undefined>();
    for (const member of world.federation.members.values()) {
      for (const node of (await member.kubeConfig().makeApiClient(CoreV1Api).listNode({ timeoutSeconds: 5 })).items)
        labels.set(node.metadata!.name!, node.metadata?.labels?.[LABEL_VERIFIED]);
    }
    return labels;
  } catch {
    return undefined;
  }
}

/** What differs for one node: its verdict on the host and its label in the member. */
function nodeDifference(node: { name: string; revoked: boolean }, sovereignNode: SovereignNode | undefined, label: string | undefined): string | undefined {
  const verified = sovereignNode?.status?.conditions?.find((c) => c.type === 'Verified');
  const current = verified?.observedGeneration === sovereignNode?.metadata.generation;
  if (node.revoked) {
    if (verified?.status !== 'False' || verified.reason !== 'Revoked')
      return `sn/${node.name}: Verified=${verified?.status} ${verified?.reason}, want False Revoked`;
    if (label === 'true') return `sn/${node.name}: still labelled verified in its member`;
  } else {
    if (verified?.status !== 'True' || !current)
      return `sn/${node.name}: Verified=${verified?.status} ${verified?.reason} at generation ${verified?.observedGeneration}, want True`;
    if (label !== 'true') return `sn/${node.name}: member label ${LABEL_VERIFIED}=${label}, want true`;
  }
  return undefined;
}

/** One look; marks converged every pending change that shows, when every member could be read. */
export async function observe(world: SoakWorld, churn: Churn, now: () => number): Promise<Observation> {
  const host = world.host;
  const [workloads, sovereignNodes, deployments, labels] = await Promise.all([
    kindClient<FederatedWorkload>(host, FederatedWorkloadKind).list(WORKLOAD_NAMESPACE),
    kindClient<SovereignNode>(host, SovereignNodeKind).list(),
    memberDeployments(world),
    nodeLabels(world),
  ]);
  const at = now();
  if (!deployments || !labels) return { mismatches: ['a member could not be read'] };
  const { byWorkload, orphans } = differences(churn.desired, workloads.items, deployments);
  const byNode = new Map(sovereignNodes.items.map((n) => [n.metadata.name!, n]));
  const nodeIssues = new Map(world.nodes.map((n) => [n.name, nodeDifference(n, byNode.get(n.name), labels.get(n.name))]));
  for (const key of churn.changes.pendingKeys()) {
    const [kind, name] = key.split('/');
    if (kind === 'fw' && !churn.desired.has(name)) {
      const copies = Object.values(deployments).flatMap((d) => d.filter((x) => x.metadata?.labels?.['cloudempire.eu/workload'] === workloadLabel(name)));
      if (copies.length && copies.every((c) => c.metadata?.deletionTimestamp)) churn.changes.memberDeleting(key, at);
    }
    const clean = kind === 'fw' ? !byWorkload.has(name) && !orphans.some((o) => o.includes(`(${workloadLabel(name)})`)) : !nodeIssues.get(name);
    if (clean) churn.changes.converged(key, at);
  }
  return {
    memberObjects: Object.fromEntries(Object.entries(deployments).map(([m, d]) => [m, d.length])),
    mismatches: [
      ...[...byWorkload].flatMap(([name, issues]) => issues.map((i) => `fw/${name}: ${i}`)),
      ...orphans,
      ...[...nodeIssues.values()].filter((x): x is string => !!x),
    ],
  };
}
