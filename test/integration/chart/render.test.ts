import { helm, MEMBER_CHART, MINIMAL_VALUES, OPERATOR_CHART, render, rbacRules, setArgs, wildcards, type Manifest } from './render.ts';

const byKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);

describe('charts/cloud-empire', () => {
  it('passes helm lint', async () => {
    const linted = await helm(['lint', '--strict', OPERATOR_CHART, ...setArgs(MINIMAL_VALUES)]);
    expect(linted.stderr + linted.stdout).toContain('0 chart(s) failed');
    expect(linted.code).toBe(0);
  });

  it('renders its CRDs with a keep policy, 2 leader-elected replicas under restricted Pod Security, probes and resources', async () => {
    const { manifests } = await render(OPERATOR_CHART, MINIMAL_VALUES);
    const crds = byKind(manifests, 'CustomResourceDefinition');
    expect(crds.map((c) => c.metadata.name).sort()).toEqual([
      'federatedworkloads.cloudempire.eu',
      'gpupools.cloudempire.eu',
      'memberclusters.cloudempire.eu',
      'sovereignnodes.cloudempire.eu',
    ]);
    for (const crd of crds) expect(crd.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');

    const [deployment] = byKind(manifests, 'Deployment') as unknown as { spec: { replicas: number; template: { spec: PodSpec } } }[];
    expect(deployment.spec.replicas).toBe(2);
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(container.args).toEqual(expect.arrayContaining(['--leader-elect=true', '--ledger-dir=/var/lib/cloud-empire/ledger', '--http-addr=0.0.0.0:8080']));
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();
    expect(byKind(manifests, 'PersistentVolumeClaim')).toHaveLength(1);
    expect(byKind(manifests, 'PodDisruptionBudget')).toHaveLength(1);
    expect(byKind(manifests, 'NetworkPolicy')).toHaveLength(1);
    expect(byKind(manifests, 'ServiceMonitor')).toHaveLength(0);
    const [anchors] = byKind(manifests, 'ConfigMap') as unknown as { metadata: { name: string }; data: Record<string, string> }[];
    expect(anchors.metadata.name).toBe('cloud-empire-trust-anchors');
    expect(anchors.data['trust-anchors.yaml']).toContain('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK');
  });

  it('mounts the Fabric connection from a Secret in fabric mode, the claim still holding the audit journal', async () => {
    const { manifests } = await render(OPERATOR_CHART, [...MINIMAL_VALUES, 'ledger.mode=fabric', 'ledger.fabric.connectionSecret=tenant-connection']);
    const [deployment] = byKind(manifests, 'Deployment') as unknown as { spec: { template: { spec: PodSpec } } }[];
    const pod = deployment.spec.template.spec;
    expect(pod.containers[0].args).toEqual(
      expect.arrayContaining(['--fabric-connection=/etc/cloud-empire/fabric', '--ledger-dir=/var/lib/cloud-empire/ledger']),
    );
    expect(pod.volumes).toContainEqual(expect.objectContaining({ secret: expect.objectContaining({ secretName: 'tenant-connection' }) }));
    expect(byKind(manifests, 'PersistentVolumeClaim')).toHaveLength(1);
  });

  it('grants Secrets only in its own namespace and in the namespaces the values list', async () => {
    const { manifests } = await render(OPERATOR_CHART, [...MINIMAL_VALUES, 'tenantNamespaces={team-a,team-b}', 'serviceMonitor.enabled=true']);
    const secretRoles = manifests.filter(
      (m) => (m.kind === 'Role' || m.kind === 'ClusterRole') && rbacRules([m]).some(({ rule }) => rule.resources?.includes('secrets')),
    );
    expect(secretRoles.map((r) => `${r.kind} ${r.metadata.namespace}`).sort()).toEqual(['Role cloud-empire', 'Role team-a', 'Role team-b']);
    expect(byKind(manifests, 'ServiceMonitor')).toHaveLength(1);
  });

  it('lets member kubeconfig Secrets live in the namespaces memberSecretNamespaces lists, with the flag that allows it', async () => {
    const { manifests } = await render(OPERATOR_CHART, [...MINIMAL_VALUES, 'memberSecretNamespaces={providers,partners}']);
    const [deployment] = byKind(manifests, 'Deployment') as unknown as { spec: { template: { spec: PodSpec } } }[];
    expect(deployment.spec.template.spec.containers[0].args).toContain('--member-secret-namespaces=providers,partners');
    const roles = byKind(manifests, 'Role').filter((r) => r.metadata.name.endsWith('-member-secrets'));
    expect(roles.map((r) => r.metadata.namespace).sort()).toEqual(['partners', 'providers']);
  });

  it.each([
    [['replicaCount=two'], '/replicaCount'],
    [['ledger.mode=sqlite'], '/ledger/mode'],
    [['trustAnchors.issuers[0].did=https://trust.example', 'trustAnchors.issuers[0].name=x'], '/trustAnchors/issuers/0/did'],
    [['leaderElection.leaseDuration=15 seconds'], '/leaderElection/leaseDuration'],
    [['tenantNamespaces={Team_A}'], '/tenantNamespaces/0'],
    [['replicas=2'], "additional properties 'replicas'"],
  ])('refuses %j naming %s', async (values, path) => {
    await expect(render(OPERATOR_CHART, [...(values.some((v) => v.startsWith('trustAnchors')) ? [] : MINIMAL_VALUES), ...values])).rejects.toThrow(path);
  });

  it('refuses an install without trust anchors or a Fabric mode without its Secret, naming the value to set', async () => {
    await expect(render(OPERATOR_CHART, [])).rejects.toThrow('trustAnchors.issuers');
    await expect(render(OPERATOR_CHART, [...MINIMAL_VALUES, 'ledger.mode=fabric'])).rejects.toThrow('ledger.fabric.connectionSecret');
  });
});

describe('RBAC wildcards', () => {
  it('finds none in either chart, with every optional part rendered', async () => {
    const operator = await render(OPERATOR_CHART, [...MINIMAL_VALUES, 'tenantNamespaces={team-a}', 'memberSecretNamespaces={providers}']);
    const member = await render(MEMBER_CHART, [], 'cloud-empire-system');
    expect(rbacRules(operator.manifests).length).toBeGreaterThan(5);
    expect(rbacRules(member.manifests).length).toBeGreaterThan(3);
    expect(wildcards(operator.manifests)).toEqual([]);
    expect(wildcards(member.manifests)).toEqual([]);
  });

  it('are found when a rule has one (the check itself can fail)', () => {
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'x' },
      rules: [
        { apiGroups: [''], resources: ['pods/*'], verbs: ['get'] },
        { apiGroups: ['*'], resources: ['nodes'], verbs: ['*'] },
      ],
    };
    expect(wildcards([role])).toEqual(['ClusterRole/x resources: pods/*', 'ClusterRole/x apiGroups: *', 'ClusterRole/x verbs: *']);
  });
});

describe('charts/cloud-empire-member', () => {
  it('passes helm lint and grants Node marks, pod reads and the workload kinds, nothing more', async () => {
    const linted = await helm(['lint', '--strict', MEMBER_CHART]);
    expect(linted.code).toBe(0);
    const { manifests } = await render(MEMBER_CHART, [], 'cloud-empire-system');
    const resources = rbacRules(manifests).flatMap(({ rule }) =>
      (rule.resources ?? []).map((r) => `${rule.apiGroups?.[0] || 'core'}/${r}:${rule.verbs.join(',')}`),
    );
    expect(resources.sort()).toEqual([
      'apps/deployments:get,list,watch,create,patch,update,delete',
      'apps/statefulsets:get,list,watch,create,patch,update,delete',
      'batch/jobs:get,list,watch,create,patch,update,delete',
      'core/configmaps:get,list,watch,create,patch,update,delete',
      'core/namespaces:get,list,watch,create,patch',
      'core/nodes:get,list,watch,patch,update',
      'core/pods:list,watch',
      'core/secrets:get,list,watch,create,patch,update,delete',
    ]);
  });
});

interface PodSpec {
  securityContext: Record<string, unknown>;
  volumes: Record<string, unknown>[];
  containers: {
    args: string[];
    securityContext: Record<string, unknown>;
    livenessProbe: { httpGet: { path: string } };
    readinessProbe: { httpGet: { path: string } };
    resources: { requests?: Record<string, string>; limits: Record<string, string> };
  }[];
}
