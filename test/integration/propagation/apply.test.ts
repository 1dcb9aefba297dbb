import { AppsV1Api, BatchV1Api, CoreV1Api, type V1Deployment } from '@kubernetes/client-node';
import type { FederatedWorkload, WorkloadTemplate } from '../../../src/api/generated/types.ts';
import { ImmutableJobError, MemberPropagation, OwnershipConflictError, refKey, type MemberObject } from '../../../src/cluster/propagation/apply.ts';
import { referencedDependencies, renderConfigMap } from '../../../src/cluster/propagation/dependencies.ts';
import { workloadKey } from '../../../src/cluster/propagation/labels.ts';
import { renderMemberWorkload, type MemberPlacement } from '../../../src/cluster/propagation/render.ts';
import { aggregateStatus } from '../../../src/cluster/propagation/status.ts';
import { createFakeNode } from '../../../src/controlplane/fake-nodes.ts';
import { eventually, kubeConfig, memberAccess, uniqueName } from '../federation.ts';

const kc = () => kubeConfig(memberAccess('paris'));
const run = uniqueName('prop');
const runLabel = { 'test.cloudempire.eu/run': run };
const trusted = { ...runLabel, 'trust.cloudempire.eu/verified': 'true', 'trust.cloudempire.eu/country': 'FR', 'trust.cloudempire.eu/jurisdiction': 'EU' };
const cpu = { cpu: '16', memory: '64Gi' };

function fw(namespace: string, name: string, template: WorkloadTemplate, extra: Partial<FederatedWorkload['spec']> = {}): FederatedWorkload {
  return { apiVersion: 'cloudempire.eu/v1alpha1', kind: 'FederatedWorkload', metadata: { namespace, name, generation: 1 }, spec: { template, ...extra } };
}

function agentTemplate(): WorkloadTemplate {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'agent' } },
      template: {
        metadata: { labels: { app: 'agent' } },
        spec: {
          nodeSelector: runLabel,
          containers: [
            {
              name: 'agent',
              image: 'registry.example.eu/agent:1',
              envFrom: [{ configMapRef: { name: 'agent-settings' } }],
              resources: { requests: { cpu: '500m' } },
            },
          ],
        },
      },
    } as WorkloadTemplate['spec'],
  };
}

function render(workload: FederatedWorkload, placement: MemberPlacement): MemberObject[] {
  const object = renderMemberWorkload({ workload, placement, countries: ['FR'], jurisdictions: ['EU'] });
  const { configMaps } = referencedDependencies(object.spec.template.spec);
  const deps = configMaps.map((name) => renderConfigMap({ metadata: { name }, data: { LOG_LEVEL: 'info', SITE: placement.cluster } }, workload));
  return [object, ...deps];
}

describe('propagation into a real member', () => {
  const member = () => new MemberPropagation(kc());
  const apps = () => kc().makeApiClient(AppsV1Api);
  const core = () => kc().makeApiClient(CoreV1Api);

  beforeAll(async () => {
    await createFakeNode(kc(), { name: `${run}-fr-1`, labels: trusted, capacity: cpu });
    await createFakeNode(kc(), { name: `${run}-fr-2`, labels: trusted, capacity: cpu });
    // Same country label, but not verified: the rendered affinity must keep pods off it.
    await createFakeNode(kc(), {
      name: `${run}-unverified`,
      labels: { ...runLabel, 'trust.cloudempire.eu/verified': 'false', 'trust.cloudempire.eu/country': 'FR' },
      capacity: cpu,
    });
  });

  it('creates the namespace, applies idempotently, updates on change and runs only on verified nodes until Ready', async () => {
    const namespace = uniqueName('prop-ns');
    const workload = fw(namespace, 'agent', agentTemplate());
    const objects = render(workload, { cluster: 'paris', replicas: 3 });
    await member().apply(objects);
    const ns = await core().readNamespace({ name: namespace });
    expect(ns.metadata?.labels?.['cloudempire.eu/managed-by']).toBe('cloud-empire');

    const first = await apps().readNamespacedDeployment({ name: 'agent', namespace });
    const firstConfig = await core().readNamespacedConfigMap({ name: 'agent-settings', namespace });
    // A second propagation (a fresh adapter, as after an operator restart) changes nothing.
    await new MemberPropagation(kc()).apply(render(workload, { cluster: 'paris', replicas: 3 }));
    const again = await apps().readNamespacedDeployment({ name: 'agent', namespace });
    expect(again.metadata?.generation).toBe(first.metadata?.generation);
    expect((await core().readNamespacedConfigMap({ name: 'agent-settings', namespace })).metadata?.resourceVersion).toBe(firstConfig.metadata?.resourceVersion);
    const owned = await member().listOwned(workloadKey(workload));
    expect(owned.map(refKey).sort()).toEqual([`apps/v1/Deployment/${namespace}/agent`, `v1/ConfigMap/${namespace}/agent-settings`]);

    const changed = fw(namespace, 'agent', agentTemplate(), {
      overrides: [{ clusterName: 'paris', images: [{ container: 'agent', image: 'registry.example.eu/agent:2' }] }],
    });
    await member().apply(render(changed, { cluster: 'paris', replicas: 4 }), { owned });
    const updated = await apps().readNamespacedDeployment({ name: 'agent', namespace });
    expect(updated.metadata!.generation).toBe(first.metadata!.generation! + 1);
    expect(updated.spec?.replicas).toBe(4);
    expect(updated.spec?.template.spec?.containers[0].image).toBe('registry.example.eu/agent:2');

    const status = await eventually(
      async () => {
        const d: V1Deployment = await apps().readNamespacedDeployment({ name: 'agent', namespace });
        const s = aggregateStatus(1, 'Deployment', [{ cluster: 'paris', desired: 4, object: d }]);
        if (s.conditions.find((c) => c.type === 'Ready')?.status !== 'True') throw new Error(JSON.stringify(s.conditions));
        return s;
      },
      60_000,
      250,
    );
    expect(status.readyReplicas).toBe(4);
    const pods = (await core().listNamespacedPod({ namespace, labelSelector: 'app=agent' })).items.filter((p) => !p.metadata?.deletionTimestamp);
    expect(pods.length).toBeGreaterThanOrEqual(4);
    for (const pod of pods) expect([`${run}-fr-1`, `${run}-fr-2`]).toContain(pod.spec?.nodeName);
    expect(pods.every((p) => p.metadata?.labels?.['cloudempire.eu/workload'] === `${namespace}.agent`)).toBe(true);
  });

  it('prunes what is no longer placed, a running Job with its pods, and leaves nothing behind', async () => {
    const namespace = uniqueName('prop-job');
    const template: WorkloadTemplate = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      spec: {
        completions: 2,
        template: {
          // Keep the pods running, so deletion has pods to take with it.
          metadata: { annotations: { 'pod-complete.stage.kwok.x-k8s.io/delay': '1h' } },
          spec: { restartPolicy: 'Never', nodeSelector: runLabel, containers: [{ name: 'batch', image: 'registry.example.eu/batch:1' }] },
        },
      },
    };
    const workload = fw(namespace, 'batch', template);
    const key = workloadKey(workload);
    await member().apply(render(workload, { cluster: 'paris', replicas: 2, completions: 2 }));
    await eventually(
      async () => {
        const pods = (await core().listNamespacedPod({ namespace, labelSelector: 'job-name=batch' })).items;
        if (pods.filter((p) => p.status?.phase === 'Running').length !== 2) throw new Error('pods not running yet');
      },
      60_000,
      250,
    );

    // A running Job's template cannot change in place: a typed error, the Job untouched.
    const changed = fw(namespace, 'batch', template, {
      overrides: [{ clusterName: 'paris', images: [{ container: 'batch', image: 'registry.example.eu/batch:2' }] }],
    });
    await expect(member().apply(render(changed, { cluster: 'paris', replicas: 2, completions: 2 }))).rejects.toBeInstanceOf(ImmutableJobError);
    const running = await kc().makeApiClient(BatchV1Api).readNamespacedJob({ name: 'batch', namespace });
    expect(running.spec?.template.spec?.containers[0].image).toBe('registry.example.eu/batch:1');

    // Still placed: keeping it deletes nothing.
    const kept = await member().prune(key, [{ apiVersion: 'batch/v1', kind: 'Job', namespace, name: 'batch' }]);
    expect(kept).toEqual([]);
    expect((await kc().makeApiClient(BatchV1Api).readNamespacedJob({ name: 'batch', namespace })).metadata?.deletionTimestamp).toBeUndefined();

    const left = await member().prune(key);
    expect(left.map((o) => o.kind).sort()).toEqual(['Job']);
    await eventually(
      async () => {
        const remaining = await member().prune(key);
        if (remaining.length > 0) throw new Error(`still there: ${remaining.map(refKey).join(', ')}`);
      },
      60_000,
      250,
    );
    expect((await core().listNamespacedPod({ namespace })).items).toEqual([]);
    expect(await member().listOwned(key)).toEqual([]);
  });

  it('shares a dependency between two workloads and removes it only when the last one using it goes', async () => {
    const namespace = uniqueName('prop-shared');
    const one = fw(namespace, 'one', { ...agentTemplate(), metadata: { name: 'one' } });
    const two = fw(namespace, 'two', { ...agentTemplate(), metadata: { name: 'two' } });
    await member().apply(render(one, { cluster: 'paris', replicas: 1 }));
    const created = await core().readNamespacedConfigMap({ name: 'agent-settings', namespace });
    await member().apply(render(two, { cluster: 'paris', replicas: 1 }));
    await member().apply(render(one, { cluster: 'paris', replicas: 1 }));
    const shared = await core().readNamespacedConfigMap({ name: 'agent-settings', namespace });
    // Nobody rewrote it: the first workload's label stays, the object is unchanged.
    expect(shared.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    expect(shared.metadata?.labels?.['cloudempire.eu/workload']).toBe(`${namespace}.one`);

    await eventually(
      async () => {
        if ((await member().prune(workloadKey(one))).length > 0) throw new Error('one still there');
      },
      60_000,
      250,
    );
    await expect(apps().readNamespacedDeployment({ name: 'one', namespace })).rejects.toMatchObject({ code: 404 });
    // Still referenced by the second workload's Deployment.
    expect((await core().readNamespacedConfigMap({ name: 'agent-settings', namespace })).data).toEqual({ LOG_LEVEL: 'info', SITE: 'paris' });

    await eventually(
      async () => {
        if ((await member().prune(workloadKey(two))).length > 0) throw new Error('two still there');
      },
      60_000,
      250,
    );
    await expect(core().readNamespacedConfigMap({ name: 'agent-settings', namespace })).rejects.toMatchObject({ code: 404 });
    expect(await member().listOwned()).not.toContainEqual(expect.objectContaining({ namespace }));
  });

  it('makes the namespace again when it was deleted since it was first seen', async () => {
    const namespace = uniqueName('gone');
    const workload = fw(namespace, 'agent', agentTemplate());
    const propagation = member();
    await propagation.apply(render(workload, { cluster: 'paris', replicas: 1 }));
    await core().deleteNamespace({ name: namespace });
    await eventually(async () => expect(core().readNamespace({ name: namespace })).rejects.toMatchObject({ code: 404 }), 60_000, 250);
    // The same MemberPropagation (the operator's, which saw the namespace once) applies again.
    await propagation.apply(render(workload, { cluster: 'paris', replicas: 1 }));
    expect((await apps().readNamespacedDeployment({ namespace, name: 'agent' })).spec?.replicas).toBe(1);
    await core().deleteNamespace({ name: namespace });
  }, 90_000);

  it("refuses and never touches an object of the same name it did not create, nor another workload's", async () => {
    const namespace = uniqueName('prop-foreign');
    await core().createNamespace({ body: { metadata: { name: namespace } } });
    await core().createNamespacedConfigMap({ namespace, body: { metadata: { name: 'agent-settings' }, data: { OWNER: 'someone else' } } });
    const workload = fw(namespace, 'agent', agentTemplate());
    const error = await member()
      .apply(render(workload, { cluster: 'paris', replicas: 1 }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OwnershipConflictError);
    expect((error as Error).message).toMatch(/ConfigMap .*agent-settings .*not created by cloud-empire/);
    // Refused before anything was written: neither the Deployment nor a change to the ConfigMap.
    await expect(apps().readNamespacedDeployment({ name: 'agent', namespace })).rejects.toMatchObject({ code: 404 });
    const foreign = await core().readNamespacedConfigMap({ name: 'agent-settings', namespace });
    expect(foreign.data).toEqual({ OWNER: 'someone else' });
    expect(foreign.metadata?.labels).toBeUndefined();
    // The namespace existed: it is not relabelled.
    expect((await core().readNamespace({ name: namespace })).metadata?.labels?.['cloudempire.eu/managed-by']).toBeUndefined();

    // Pruning everything of the workload leaves the foreign object alone.
    expect(await member().prune(workloadKey(workload))).toEqual([]);
    expect((await core().readNamespacedConfigMap({ name: 'agent-settings', namespace })).data).toEqual({ OWNER: 'someone else' });

    // Another FederatedWorkload rendering the same Deployment name is refused too, naming the owner.
    await core().deleteNamespacedConfigMap({ name: 'agent-settings', namespace });
    await member().apply(render(workload, { cluster: 'paris', replicas: 1 }));
    const rival = fw(namespace, 'rival', { ...agentTemplate(), metadata: { name: 'agent' } });
    await expect(member().apply(render(rival, { cluster: 'paris', replicas: 1 }))).rejects.toThrow(
      new RegExp(`belongs to FederatedWorkload ${namespace}\\.agent`),
    );
  });
});
