import { AppsV1Api, BatchV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { createFakeNode } from '../../../src/controlplane/fake-nodes.ts';
import { createNamespace, eventually, kubeConfig, memberAccess, uniqueName } from '../federation.ts';

// kwok plays the kubelets: the real kube-scheduler binds, kube-controller-manager
// creates the pods, and kwok runs them on the fake nodes.
const kc = () => kubeConfig(memberAccess('madrid'));
const run = uniqueName('kwok');
const selector = { 'test.cloudempire.eu/run': run };
const verified = [`${run}-a`, `${run}-b`];
const unverified = `${run}-unverified`;
const gpuNode = (name: string, extra: Record<string, string> = {}) => ({
  name,
  labels: { ...selector, 'trust.cloudempire.eu/verified': 'true', ...extra },
  capacity: { cpu: '16', memory: '64Gi', 'nvidia.com/gpu': '4' },
});

async function pods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
  return (await kc().makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector })).items;
}

describe('kwok on a local member', () => {
  beforeAll(async () => {
    for (const name of verified) await createFakeNode(kc(), gpuNode(name));
    await createFakeNode(kc(), {
      ...gpuNode(unverified),
      labels: { ...selector },
      taints: [{ key: 'trust.cloudempire.eu/unverified', effect: 'NoSchedule' }],
    });
  });

  it('runs a Deployment to readyReplicas on the untainted nodes only', async () => {
    const namespace = uniqueName('kwok-deploy');
    await createNamespace(kc(), namespace);
    await kc()
      .makeApiClient(AppsV1Api)
      .createNamespacedDeployment({
        namespace,
        body: {
          metadata: { name: 'agent' },
          spec: {
            replicas: 6,
            selector: { matchLabels: { app: 'agent' } },
            template: {
              metadata: { labels: { app: 'agent' } },
              spec: { nodeSelector: selector, containers: [{ name: 'agent', image: 'registry.example.eu/agent:1', resources: { requests: { cpu: '1' } } }] },
            },
          },
        },
      });
    const ready = await eventually(
      async () => {
        const d = await kc().makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'agent', namespace });
        if (d.status?.readyReplicas !== 6) throw new Error(`readyReplicas ${d.status?.readyReplicas}`);
        return d;
      },
      60_000,
      250,
    );
    expect(ready.status?.availableReplicas).toBe(6);
    const running = await pods(namespace, 'app=agent');
    expect(running).toHaveLength(6);
    for (const pod of running) {
      expect(pod.status?.phase).toBe('Running');
      expect(verified).toContain(pod.spec?.nodeName);
      expect(pod.status?.podIP).toMatch(/^10\.1(2[89]|3[01])\./);
    }
  });

  it('completes a GPU Job, its pods Succeeded on the verified nodes, none on the tainted one', async () => {
    const namespace = uniqueName('kwok-job');
    await createNamespace(kc(), namespace);
    await kc()
      .makeApiClient(BatchV1Api)
      .createNamespacedJob({
        namespace,
        body: {
          metadata: { name: 'infer' },
          spec: {
            parallelism: 4,
            completions: 8,
            backoffLimit: 0,
            template: {
              spec: {
                restartPolicy: 'Never',
                nodeSelector: selector,
                containers: [{ name: 'infer', image: 'registry.example.eu/infer:1', resources: { limits: { 'nvidia.com/gpu': '2' } } }],
              },
            },
          },
        },
      });
    const job = await eventually(
      async () => {
        const j = await kc().makeApiClient(BatchV1Api).readNamespacedJob({ name: 'infer', namespace });
        if (!j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')) throw new Error(`not complete: ${JSON.stringify(j.status)}`);
        return j;
      },
      60_000,
      250,
    );
    expect(job.status?.succeeded).toBe(8);
    const done = await pods(namespace, 'job-name=infer');
    expect(done.length).toBeGreaterThanOrEqual(8);
    for (const pod of done) {
      expect(pod.status?.phase).toBe('Succeeded');
      expect(pod.spec?.nodeName).not.toBe(unverified);
      expect(verified).toContain(pod.spec?.nodeName);
    }
  });

  it('evicts the pods of a node tainted NoExecute (a revoked credential)', async () => {
    const revoked = `${run}-revoked`;
    await createFakeNode(kc(), { ...gpuNode(revoked), labels: { 'test.cloudempire.eu/revoked': run } });
    const namespace = uniqueName('kwok-evict');
    await createNamespace(kc(), namespace);
    const core = kc().makeApiClient(CoreV1Api);
    await core.createNamespacedPod({
      namespace,
      body: { metadata: { name: 'p' }, spec: { nodeName: revoked, containers: [{ name: 'c', image: 'registry.example.eu/c:1' }] } },
    });
    await eventually(
      async () => {
        if ((await core.readNamespacedPod({ name: 'p', namespace })).status?.phase !== 'Running') throw new Error('not running yet');
      },
      30_000,
      250,
    );
    const node = await core.readNode({ name: revoked });
    node.spec = { ...node.spec, taints: [...(node.spec?.taints ?? []), { key: 'trust.cloudempire.eu/revoked', effect: 'NoExecute' }] };
    await core.replaceNode({ name: revoked, body: node });
    await eventually(
      async () => {
        const left = (await core.listNamespacedPod({ namespace })).items;
        if (left.length > 0) throw new Error(`still there: ${left.map((p) => p.status?.phase).join(', ')}`);
      },
      60_000,
      250,
    );
  });

  it('heartbeats the nodes and keeps their device-plugin capacity', async () => {
    const core = kc().makeApiClient(CoreV1Api);
    const readyCondition = async (name: string) => (await core.readNode({ name })).status!.conditions!.find((c) => c.type === 'Ready')!;
    const before = new Date((await readyCondition(verified[0])).lastHeartbeatTime!).getTime();
    await eventually(
      async () => {
        const now = await readyCondition(verified[0]);
        if (new Date(now.lastHeartbeatTime!).getTime() <= before) throw new Error('no heartbeat yet');
        expect(now.status).toBe('True');
      },
      40_000,
      1000,
    );
    const node = await core.readNode({ name: verified[0] });
    expect(node.status?.capacity?.['nvidia.com/gpu']).toBe('4');
    expect(node.status?.allocatable?.['nvidia.com/gpu']).toBe('4');
    expect(node.status?.capacity?.cpu).toBe('16');
  });

  it('leaves a node described as not ready alone: no heartbeat, its pods stay Pending', async () => {
    const dead = `${run}-dead`;
    await createFakeNode(kc(), { ...gpuNode(dead), labels: { 'test.cloudempire.eu/dead': run }, ready: false });
    const namespace = uniqueName('kwok-dead');
    await createNamespace(kc(), namespace);
    await kc()
      .makeApiClient(CoreV1Api)
      .createNamespacedPod({
        namespace,
        body: { metadata: { name: 'p' }, spec: { nodeName: dead, containers: [{ name: 'c', image: 'registry.example.eu/c:1' }] } },
      });
    // The other nodes' pods went Running within a second or two; give kwok ample time to (wrongly) act.
    await new Promise((r) => setTimeout(r, 3000));
    const pod = await kc().makeApiClient(CoreV1Api).readNamespacedPod({ name: 'p', namespace });
    expect(pod.status?.phase).toBe('Pending');
    const node = await kc().makeApiClient(CoreV1Api).readNode({ name: dead });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
  });
});
