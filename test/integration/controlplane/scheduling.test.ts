import { BatchV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { createFakeNode } from '../../../src/controlplane/fake-nodes.ts';
import { createNamespace, eventually, kubeConfig, memberAccess, uniqueName } from '../federation.ts';

const kc = () => kubeConfig(memberAccess('paris'));

function gpuJob(name: string, selector: Record<string, string>, gpus: number) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        // kwok would complete the pod at once and free its GPUs; keep it running.
        metadata: { annotations: { 'pod-complete.stage.kwok.x-k8s.io/delay': '1h' } },
        spec: {
          restartPolicy: 'Never',
          nodeSelector: selector,
          containers: [{ name: 'infer', image: 'registry.example.eu/infer:1', resources: { limits: { 'nvidia.com/gpu': String(gpus) } } }],
        },
      },
    },
  };
}

async function podsOf(namespace: string, job: string): Promise<V1Pod[]> {
  const core = kc().makeApiClient(CoreV1Api);
  return (await core.listNamespacedPod({ namespace, labelSelector: `job-name=${job}` })).items;
}

describe('real kube-scheduler and kube-controller-manager in a member', () => {
  const pool = uniqueName('h100');
  const fits = `${pool}-fits`;

  beforeAll(async () => {
    // Three nodes: only one both carries the pool label and has two free GPUs.
    await createFakeNode(kc(), { name: fits, labels: { 'gpu.cloudempire.eu/pool': pool }, capacity: { cpu: '32', memory: '256Gi', 'nvidia.com/gpu': '2' } });
    await createFakeNode(kc(), {
      name: `${pool}-small`,
      labels: { 'gpu.cloudempire.eu/pool': pool },
      capacity: { cpu: '32', memory: '256Gi', 'nvidia.com/gpu': '1' },
    });
    await createFakeNode(kc(), {
      name: `${pool}-other`,
      labels: { 'gpu.cloudempire.eu/pool': `${pool}-x` },
      capacity: { cpu: '32', memory: '256Gi', 'nvidia.com/gpu': '8' },
    });
  });

  it('binds a Job asking for nvidia.com/gpu: 2 to the one labelled node with two free GPUs', async () => {
    const namespace = uniqueName('sched');
    await createNamespace(kc(), namespace);
    await kc()
      .makeApiClient(BatchV1Api)
      .createNamespacedJob({ namespace, body: gpuJob('infer', { 'gpu.cloudempire.eu/pool': pool }, 2) });
    const pod = await eventually(async () => {
      const [p] = await podsOf(namespace, 'infer');
      if (!p?.spec?.nodeName) throw new Error('pod not bound yet');
      return p;
    }, 30_000);
    expect(pod.spec!.nodeName).toBe(fits);
    // kwok runs it from here on (test/integration/controlplane/kwok.test.ts); binding is what is tested.
  });

  it('leaves a second such Job Pending and unschedulable once those GPUs are taken', async () => {
    const namespace = uniqueName('sched');
    await createNamespace(kc(), namespace);
    await kc()
      .makeApiClient(BatchV1Api)
      .createNamespacedJob({ namespace, body: gpuJob('infer', { 'gpu.cloudempire.eu/pool': pool }, 2) });
    const pod = await eventually(async () => {
      const [p] = await podsOf(namespace, 'infer');
      const condition = p?.status?.conditions?.find((c) => c.type === 'PodScheduled');
      if (condition?.reason !== 'Unschedulable') throw new Error('not yet judged');
      return { pod: p, condition };
    }, 30_000);
    expect(pod.pod.spec?.nodeName).toBeUndefined();
    expect(pod.condition.message).toMatch(/Insufficient nvidia\.com\/gpu|didn't match Pod's node affinity\/selector/);
  });
});
