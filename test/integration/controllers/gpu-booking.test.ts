// GPU bookings on a real federation: host + paris (FR) with kube-scheduler,
// kube-controller-manager and kwok GPU nodes, the whole operator and an
// embedded ledger. Two workloads that each want every GPU of one pool,
// applied together: one is placed, the other waits Scheduled=False naming
// the pool and who booked it, and is placed once the first is deleted. Two
// overlapping GpuPools count their shared node once.
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FederatedWorkload, GpuPool } from '../../../src/api/generated/types.ts';
import { createFakeNode } from '../../../src/controlplane/fake-nodes.ts';
import { LocalFederation } from '../../../src/controlplane/federation.ts';
import { EmbeddedLedger } from '../../../src/ledger/embedded/embedded-ledger.ts';
import { anchorsOf, SovereigntyLedger } from '../../../src/ledger/ledger.ts';
import { EMBEDDED_TRUST_ADMIN_IDENTITY } from '../../../src/ledger/open.ts';
import type { RunningOperator } from '../../../src/operator/operator.ts';
import { trustConfigFrom } from '../../../src/trust/anchors.ts';
import { newIdentity } from '../../../src/trust/issue.ts';
import { ledgerOptions, operatorKey } from '../../ledger/ledger-keys.ts';
import { eventually, installCrds, prepareOperatorHost, registerMemberCluster } from '../federation.ts';
import { deploymentWorkload, startOperatorOn, vouchForNode } from '../operator-fixture.ts';

const trusted = newIdentity({ method: 'key' });
const group = { group: 'cloudempire.eu', version: 'v1alpha1' };
const H100 = 'NVIDIA-H100-80GB-HBM3';

let federation: LocalFederation;
let operator: RunningOperator | undefined;
let dir: string;
const host = () => federation.host.kubeConfig();
const custom = () => host().makeApiClient(CustomObjectsApi);
const paris = () => federation.member('paris').kubeConfig();

const fw = async (name: string) =>
  (await custom().getNamespacedCustomObject({ ...group, plural: 'federatedworkloads', namespace: 'team', name })) as FederatedWorkload;
const gpuPool = async (name: string) => (await custom().getClusterCustomObject({ ...group, plural: 'gpupools', name })) as GpuPool;
const condition = (o: { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } }, type: string) =>
  o.status?.conditions?.find((c) => c.type === type);
const recorded = (w: FederatedWorkload) => Boolean(w.status?.decision?.ledgerTxId);

const vouch = (nodeName: string) => vouchForNode(host(), trusted, { cluster: 'paris', nodeName, country: 'FR' });

async function createPool(name: string, nodeSelector: GpuPool['spec']['nodeSelector']): Promise<void> {
  await custom().createClusterCustomObject({
    ...group,
    plural: 'gpupools',
    body: {
      apiVersion: 'cloudempire.eu/v1alpha1',
      kind: 'GpuPool',
      metadata: { name },
      spec: { memberCluster: 'paris', nodeSelector, resourceName: 'nvidia.com/gpu', model: H100, provider: 'paris-cloud' },
    },
  });
}

/** A Deployment of one pod that wants all 8 GPUs of a node of pool paris-h100. */
const wantsAllGpus = (name: string): FederatedWorkload =>
  deploymentWorkload(
    name,
    'team',
    { container: 'llm', image: 'registry.example.eu/team/llm:1.0', requests: { cpu: '1', memory: '1Gi' } },
    { gpu: { count: 8, resourceName: 'nvidia.com/gpu', pools: ['paris-h100'] } },
  );

async function runningPods(workload: string): Promise<{ node?: string; phase?: string }[]> {
  const pods = await paris()
    .makeApiClient(CoreV1Api)
    .listNamespacedPod({ namespace: 'team', labelSelector: `cloudempire.eu/workload=team.${workload}` });
  return pods.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => ({ node: p.spec?.nodeName, phase: p.status?.phase }));
}

const signer = operatorKey();
const openLedger = () => EmbeddedLedger.open(join(dir, 'ledger'), { ...ledgerOptions(join(dir, 'head.json'), signer) });

async function startTheOperator(): Promise<void> {
  operator = await startOperatorOn(host(), await openLedger(), dir);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cloud-empire-gpu-'));
  federation = await LocalFederation.start({ members: [{ name: 'paris' }] });
  await installCrds(federation.host.access.kubeconfigPath);
  await prepareOperatorHost(host(), trusted.did);
  const admin = await openLedger();
  await new SovereigntyLedger(admin.connect(EMBEDDED_TRUST_ADMIN_IDENTITY)).syncTrustAnchors(
    anchorsOf(trustConfigFrom({ issuers: [{ did: trusted.did, name: 'test' }], audience: 'urn:test' })),
  );
  await admin.close();

  await registerMemberCluster(host(), { name: 'paris', kubeconfig: federation.member('paris').kubeconfigFor(), country: 'FR' });
  // gpu-1 is selected by both pools below; gpu-2 by the second only.
  for (const [name, rack] of [
    ['paris-gpu-1', 'h100'],
    ['paris-gpu-2', 'spare'],
  ]) {
    await createFakeNode(paris(), { name, labels: { rack }, capacity: { cpu: '32', memory: '256Gi', 'nvidia.com/gpu': '8' } });
    await vouch(name);
  }
  await startTheOperator();
}, 240_000);

afterAll(async () => {
  await operator?.stop();
  await federation?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('GPU bookings on a real federation', () => {
  it('counts a node two overlapping pools select in the pool that labelled it first, and the other pool says so', async () => {
    await createPool('paris-h100', { matchLabels: { rack: 'h100' } });
    await eventually(async () => expect((await gpuPool('paris-h100')).status).toMatchObject({ verifiedNodes: 1, allocatable: 8 }), 60_000, 250);
    // Every rack: takes in paris-h100's node.
    await createPool('paris-any', { matchExpressions: [{ key: 'rack', operator: 'Exists' }] });
    await eventually(
      async () => {
        const any = await gpuPool('paris-any');
        expect(any.status).toMatchObject({ nodes: 2, verifiedNodes: 1, allocatable: 8, claimedNodes: [{ name: 'paris-gpu-1', pool: 'paris-h100' }] });
        expect(condition(any, 'NodesExclusive')).toMatchObject({ status: 'False', reason: 'NodesClaimedByOtherPool' });
        expect(condition(any, 'NodesExclusive')!.message).toContain('paris-gpu-1 to pool paris-h100');
      },
      60_000,
      250,
    );
    // 16 GPUs on the member, 16 counted across the pools: none twice.
    const pools = await Promise.all(['paris-h100', 'paris-any'].map(gpuPool));
    expect(pools.reduce((sum, p) => sum + (p.status?.allocatable ?? 0), 0)).toBe(16);
    expect(pools.map((p) => p.status?.nodeCapacity?.map((n) => n.name))).toEqual([['paris-gpu-1'], ['paris-gpu-2']]);
    expect(condition(pools[0], 'NodesExclusive')).toMatchObject({ status: 'True', reason: 'NoOverlap' });
    const labels = await Promise.all(['paris-gpu-1', 'paris-gpu-2'].map((name) => paris().makeApiClient(CoreV1Api).readNode({ name })));
    expect(labels.map((n) => n.metadata?.labels?.['gpu.cloudempire.eu/pool'])).toEqual(['paris-h100', 'paris-any']);
  }, 90_000);

  it('places one of two workloads that each want the whole pool, holds the other with the reason, and places it once the first is gone', async () => {
    // Applied together: both are decided before any pod is bound.
    await Promise.all(
      ['llm-a', 'llm-b'].map((name) =>
        custom().createNamespacedCustomObject({ ...group, plural: 'federatedworkloads', namespace: 'team', body: wantsAllGpus(name) }),
      ),
    );
    const both = async () => Promise.all(['llm-a', 'llm-b'].map(fw));
    const [winner, waiting] = await eventually(
      async () => {
        const workloads = await both();
        // Never both booked on the 8 GPUs, at any point we look.
        expect(workloads.filter(recorded).length).toBeLessThanOrEqual(1);
        const placed = workloads.find((w) => condition(w, 'Scheduled')?.status === 'True');
        const held = workloads.find((w) => condition(w, 'Scheduled')?.status === 'False');
        expect(placed && held).toBeTruthy();
        return [placed!, held!] as const;
      },
      60_000,
      200,
    );
    const winnerName = winner.metadata.name!;
    const waitingName = waiting.metadata.name!;
    const held = condition(waiting, 'Scheduled')!;
    expect(held.reason).toBe('NoFeasibleCluster');
    expect(held.message).toContain(`pool paris-h100 has 0 of 8 nvidia.com/gpu free on verified nodes; 8 booked by team/${winnerName}, a pod needs 8`);
    await eventually(async () => expect(await runningPods(winnerName)).toEqual([{ node: 'paris-gpu-1', phase: 'Running' }]), 60_000, 250);
    // Bound, the winner's pod is counted as the federation's own, and the other still waits (not freed by counting it once less).
    await eventually(async () => expect((await gpuPool('paris-h100')).status).toMatchObject({ allocated: 8, federationAllocated: 8 }), 30_000, 250);
    expect(condition(await fw(waitingName), 'Scheduled')).toMatchObject({ status: 'False' });
    expect(recorded(await fw(waitingName))).toBe(false);
    expect(await runningPods(waitingName)).toEqual([]);

    // A restarted operator knows the booking from the winner's status alone: the other still waits.
    await operator!.stop();
    await startTheOperator();
    // A new generation, so the Scheduled condition shows it was decided again by the new process.
    const changed = await fw(waitingName);
    (changed.spec.template.spec as { replicas: number }).replicas = 1;
    changed.spec.template.metadata = { annotations: { 'example.eu/revision': '2' } };
    const generation = (
      (await custom().replaceNamespacedCustomObject({
        ...group,
        plural: 'federatedworkloads',
        namespace: 'team',
        name: waitingName,
        body: changed,
      })) as FederatedWorkload
    ).metadata.generation;
    await eventually(
      async () => {
        const scheduled = condition(await fw(waitingName), 'Scheduled') as { observedGeneration?: number; status: string; message: string };
        expect(scheduled).toMatchObject({ observedGeneration: generation, status: 'False' });
        expect(scheduled.message).toContain(`8 booked by team/${winnerName}`);
      },
      30_000,
      250,
    );
    expect(recorded(await fw(waitingName))).toBe(false);

    await custom().deleteNamespacedCustomObject({ ...group, plural: 'federatedworkloads', namespace: 'team', name: winnerName });
    await eventually(
      async () => {
        expect(condition(await fw(waitingName), 'Scheduled')).toMatchObject({ status: 'True', reason: 'Placed' });
        expect(await runningPods(waitingName)).toEqual([{ node: 'paris-gpu-1', phase: 'Running' }]);
      },
      60_000,
      250,
    );
  }, 120_000);
});
