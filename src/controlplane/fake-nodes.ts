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
      // From the start, so no pod is ever bound to it without them.
      spec: { taints: spec.taints ?? [] },
    },
  });
  await setFakeNodeStatus(kc, spec);
  // Admission (TaintNodesByCondition) and the node lifecycle controller add
  // node.kubernetes.io/not-ready until the node is Ready; a kubelet's first
  // heartbeat clears it. Replacing the taints after the status does the same.
  return updateNode(core, spec.name, (node) => {
    node.spec = { ...node.spec, taints: spec.taints ?? [] };
    if (spec.ready !== false) {
      node.metadata = { ...node.metadata, annotations: { ...node.metadata?.annotations, [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE } };
    }
  });
}

/** Read-modify-write of a Node, again on a conflict (kwok and the node lifecycle controller write nodes too). */
async function updateNode(core: CoreV1Api, name: string, change: (node: V1Node) => void, subresource?: 'status'): Promise<V1Node> {
  for (let attempt = 1; ; attempt++) {
    const node = await core.readNode({ name });
    change(node);
    try {
      return subresource ? await core.replaceNodeStatus({ name, body: node }) : await core.replaceNode({ name, body: node });
    } catch (error) {
      if ((error as { code?: number }).code !== 409 || attempt === 10) throw error;
    }
  }
}

export async function setFakeNodeStatus(kc: KubeConfig, spec: FakeNodeSpec): Promise<V1Node> {
  return updateNode(kc.makeApiClient(CoreV1Api), spec.name, (node) => describeStatus(node, spec), 'status');
}

function describeStatus(node: V1Node, spec: FakeNodeSpec): void {
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
}
