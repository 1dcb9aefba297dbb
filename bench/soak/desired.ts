// What the churn wants the federation to look like, and the comparison of
// that with what the member clusters actually hold.
import type { V1Deployment } from '@kubernetes/client-node';
import type { FederatedWorkload } from '../../src/api/generated/types.ts';
import { MEMBERS, WORKLOAD_NAMESPACE } from './world.ts';

/** Placement rules the churn moves workloads between, and the members each allows. */
export const RULES = {
  anywhere: { placement: { jurisdictions: ['EU'] }, allowed: Object.keys(MEMBERS) },
  france: { placement: { countries: { include: ['FR'] } }, allowed: ['paris'] },
  iberiaPoland: { placement: { countries: { include: ['ES', 'PL'] } }, allowed: ['madrid', 'warsaw'] },
  notFrance: { placement: { countries: { exclude: ['FR'] } }, allowed: ['madrid', 'warsaw'] },
  warsawOnly: { placement: { clusterAffinity: { clusterNames: ['warsaw'] } }, allowed: ['warsaw'] },
} as const;
export type Rule = keyof typeof RULES;

export interface DesiredWorkload {
  replicas: number;
  image: string;
  rule: Rule;
}

export function federatedWorkload(name: string, desired: DesiredWorkload): FederatedWorkload {
  const labels = { app: name };
  return {
    apiVersion: 'cloudempire.eu/v1alpha1',
    kind: 'FederatedWorkload',
    metadata: { name, namespace: WORKLOAD_NAMESPACE },
    spec: {
      template: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { labels },
        spec: {
          replicas: desired.replicas,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'app', image: desired.image, resources: { requests: { cpu: '50m', memory: '32Mi' } } }] },
          },
        },
      },
      placement: structuredClone(RULES[desired.rule].placement) as unknown as FederatedWorkload['spec']['placement'],
    },
  } as FederatedWorkload;
}

/** The operator's owner label on what it writes into members. */
export const workloadLabel = (name: string) => `${WORKLOAD_NAMESPACE}.${name}`;

/**
 * Everything that differs between the desired workloads and what is on the
 * host (status) and in the members (Deployments the operator labels as its
 * own), one sentence each; `pending` are the workloads whose status does not
 * yet show their latest generation scheduled.
 */
export function differences(
  desired: Map<string, DesiredWorkload>,
  onHost: FederatedWorkload[],
  inMembers: Record<string, V1Deployment[]>,
): { byWorkload: Map<string, string[]>; orphans: string[] } {
  const byWorkload = new Map<string, string[]>();
  const orphans: string[] = [];
  const say = (name: string, what: string) => byWorkload.set(name, [...(byWorkload.get(name) ?? []), what]);
  const hosted = new Map(onHost.map((w) => [w.metadata.name!, w]));
  const wanted = new Map([...desired.keys()].map((name) => [workloadLabel(name), name]));
  const placed = new Map<string, { member: string; deployment: V1Deployment }[]>();
  for (const [member, deployments] of Object.entries(inMembers)) {
    for (const deployment of deployments) {
      const label = deployment.metadata?.labels?.['cloudempire.eu/workload'] ?? '';
      const name = wanted.get(label);
      if (!name) {
        orphans.push(`${member}: ${deployment.metadata?.namespace}/${deployment.metadata?.name} (${label || 'no workload label'}) belongs to no workload`);
        continue;
      }
      placed.set(name, [...(placed.get(name) ?? []), { member, deployment }]);
    }
  }
  for (const [name, want] of desired) {
    const fw = hosted.get(name);
    if (!fw) {
      say(name, 'missing on the host');
      continue;
    }
    const scheduled = fw.status?.conditions?.find((c) => c.type === 'Scheduled');
    if (fw.status?.observedGeneration !== fw.metadata.generation || scheduled?.observedGeneration !== fw.metadata.generation)
      say(name, `status at generation ${fw.status?.observedGeneration}, spec at ${fw.metadata.generation}`);
    if (scheduled?.status !== 'True') say(name, `Scheduled=${scheduled?.status} ${scheduled?.reason ?? ''}`);
    const copies = placed.get(name) ?? [];
    const total = copies.reduce((a, c) => a + (c.deployment.spec?.replicas ?? 1), 0);
    if (total !== want.replicas) say(name, `${total} replicas in the members, want ${want.replicas}`);
    const allowed: readonly string[] = RULES[want.rule].allowed;
    for (const { member, deployment } of copies) {
      if (!allowed.includes(member)) say(name, `placed in ${member}, outside rule ${want.rule}`);
      const images = (deployment.spec?.template?.spec?.containers ?? []).map((c) => c.image);
      if (images.join() !== want.image) say(name, `${member} runs ${images.join()}, want ${want.image}`);
    }
    const decided = new Map((fw.status?.decision?.placements ?? []).map((p) => [p.cluster, p.replicas]));
    for (const { member, deployment } of copies) {
      if (decided.get(member) !== (deployment.spec?.replicas ?? 1))
        say(name, `${member} has ${deployment.spec?.replicas} replicas, the decision says ${decided.get(member)}`);
    }
  }
  for (const fw of onHost) {
    if (!desired.has(fw.metadata.name!) && !fw.metadata.deletionTimestamp) say(fw.metadata.name!, 'still on the host after its deletion');
  }
  for (const name of hosted.keys()) if (!desired.has(name)) say(name, 'deleted, still on the host');
  return { byWorkload, orphans };
}
