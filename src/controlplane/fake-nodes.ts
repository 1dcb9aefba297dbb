import { CoreV1Api, type KubeConfig, type V1Node, type V1Taint } from '@kubernetes/client-node';
import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE } from './kwok.ts';

export interface FakeNodeSpec {
  name: string;
  labels?: Record<string, string>;
  /** Resource quantities, e.g. `{cpu: '64', memory: '512Gi', 'nvidia.com/gpu': '8'}`; pods default to 110. */
  capacity: Record<string, string>;
  /** Defaults to capacity. */
  allocatable?: Record<string, string>;
  taints?: V1Taint[];
  ready?: boolean;
}

/**
 * A Node object with no kubelet behind it: the real kube-scheduler binds pods
 * to it by its labels, taints and allocatable resources. Where the cluster
 * runs kwok, a ready node is handed to it once fully described (so kwok never
 * sees it without its capacity): it heartbeats and runs the bound pods. A node
 * with `ready: false` is a dead kubelet: nothing heartbeats it, its pods stay
 * Pending.
 */
export async function createFakeNode(kc: KubeConfig, spec: FakeNodeSpec): Promise<V1Node> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNode({
    body: {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: spec.name, labels: { 'kubernetes.io/hostname': spec.name, 'kubernetes.io/os': 'linux', ...spec.labels } },
    },
  });
  // Admission (TaintNodesByCondition) adds node.kubernetes.io/not-ready to new
  // nodes; a kubelet would clear it on its first Ready heartbeat.
  const node = await core.readNode({ name: spec.name });
  node.spec = { ...node.spec, taints: spec.taints ?? [] };
  await core.replaceNode({ name: spec.name, body: node });
  const described = await setFakeNodeStatus(kc, spec);
  if (spec.ready === false) return described;
  described.metadata = { ...described.metadata, annotations: { ...described.metadata?.annotations, [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE } };
  return core.replaceNode({ name: spec.name, body: described });
}

export async function setFakeNodeStatus(kc: KubeConfig, spec: FakeNodeSpec): Promise<V1Node> {
  const core = kc.makeApiClient(CoreV1Api);
  const node = await core.readNode({ name: spec.name });
  const now = new Date();
  const capacity = { pods: '110', ...spec.capacity };
  node.status = {
    capacity,
    allocatable: { pods: '110', ...(spec.allocatable ?? spec.capacity) },
    conditions: [
      {
        type: 'Ready',
        status: spec.ready === false ? 'False' : 'True',
        reason: spec.ready === false ? 'KubeletNotReady' : 'KubeletReady',
        message: 'fake node: no kubelet',
        lastHeartbeatTime: now,
        lastTransitionTime: now,
      },
    ],
    addresses: [{ type: 'Hostname', address: spec.name }],
    nodeInfo: {
      architecture: 'amd64',
      operatingSystem: 'linux',
      kubeletVersion: 'v0.0.0-fake',
      kubeProxyVersion: '',
      containerRuntimeVersion: 'none://',
      kernelVersion: '',
      osImage: 'fake',
      bootID: '',
      machineID: '',
      systemUUID: '',
    },
  };
  return core.replaceNodeStatus({ name: spec.name, body: node });
}
