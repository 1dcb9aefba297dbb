// The real helm over the repository's charts, and what the chart tests read
// from a rendering: documents by kind and every RBAC rule.
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { binaries, REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { run, type CommandResult } from '../../../src/controlplane/kubectl.ts';

export const OPERATOR_CHART = join(REPO_ROOT, 'charts', 'cloud-empire');
export const MEMBER_CHART = join(REPO_ROOT, 'charts', 'cloud-empire-member');

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [key: string]: unknown;
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** `--set` pairs that make the operator chart installable: one trust anchor. */
export const MINIMAL_VALUES = [
  'trustAnchors.issuers[0].did=did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
  'trustAnchors.issuers[0].name=Test authority',
];

export function helm(args: string[], kubeconfig?: string): Promise<CommandResult> {
  return run(binaries.helm(), [...(kubeconfig ? [`--kubeconfig=${kubeconfig}`] : []), ...args], {
    env: {
      ...process.env,
      HELM_CACHE_HOME: join(REPO_ROOT, 'node_modules', '.cache', 'helm'),
      HELM_CONFIG_HOME: join(REPO_ROOT, 'node_modules', '.cache', 'helm-config'),
    },
  });
}

export const setArgs = (values: string[]) => values.flatMap((v) => ['--set', v]);

/** `helm template` of a chart; throws with helm's stderr when it refuses. */
export async function render(chart: string, values: string[], namespace = 'cloud-empire'): Promise<{ yaml: string; manifests: Manifest[] }> {
  const result = await helm(['template', 'cloud-empire', chart, '--namespace', namespace, ...setArgs(values)]);
  if (result.code !== 0) throw new Error(result.stderr);
  const manifests = parseAllDocuments(result.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
  return { yaml: result.stdout, manifests };
}

export function rbacRules(manifests: Manifest[]): { role: string; rule: PolicyRule }[] {
  return manifests
    .filter((m) => m.kind === 'ClusterRole' || m.kind === 'Role')
    .flatMap((m) => ((m.rules as PolicyRule[] | undefined) ?? []).map((rule) => ({ role: `${m.kind}/${m.metadata.name}`, rule })));
}

/** Every "*" in the rendered RBAC, as role and field. */
export function wildcards(manifests: Manifest[]): string[] {
  const found: string[] = [];
  for (const { role, rule } of rbacRules(manifests)) {
    for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames', 'nonResourceURLs'] as const) {
      for (const value of rule[field] ?? []) if (value.includes('*')) found.push(`${role} ${field}: ${value}`);
    }
  }
  return found;
}
