import { CoreV1Api, CustomObjectsApi, type V1Node } from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GpuPool, MemberCluster, SovereignNode } from '../../../src/api/generated/types.ts';
import { REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { createFakeNode } from '../../../src/controlplane/fake-nodes.ts';
import { LocalFederation } from '../../../src/controlplane/federation.ts';
import { startOperator, type RunningOperator } from '../../../src/operator/operator.ts';
import { issueNodeCredential, newIdentity, type Identity } from '../../../src/trust/issue.ts';
import { eventually, installCrds, prepareOperatorHost, registerMemberCluster } from '../federation.ts';
import { readCatalog } from '../../../src/catalog/source.ts';
import { catalogRoute } from '../../../src/catalog/route.ts';
import { startHttp } from '../../../src/operator/http.ts';
import { loadOrCreateOperatorKey } from '../../../src/operator/identity.ts';
import { run } from '../../../src/controlplane/kubectl.ts';
import { capturingLogger, expectNoLeaks } from '../../helpers/secret-scan.ts';
import { existsSync, chmodSync } from 'node:fs';

// Its own federation: this test stops a member's API server.
let federation: LocalFederation;
let operator: RunningOperator;
let ledgerDir: string;
const api = (plural: string) => ({ group: 'cloudempire.eu', version: 'v1alpha1', plural });
const host = () => federation.host.kubeConfig();
const lyon = () => federation.member('lyon').kubeConfig();
const custom = () => host().makeApiClient(CustomObjectsApi);

const GFD = { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3', 'nvidia.com/gpu.memory': '81559', 'nvidia.com/gpu.count': '4' };

// Real credentials: the operator's own SovereignNode controller judges them.
const trusted = newIdentity({ method: 'key' });
const untrusted = newIdentity({ method: 'key' });

async function credentialFor(nodeName: string, did: string, issuer: Identity): Promise<string> {
  return issueNodeCredential(issuer.key, { subject: did, memberCluster: 'lyon', nodeName, countryCode: 'FR', validForSeconds: 86_400 });
}

async function vouchFor(nodeName: string, verified: boolean): Promise<void> {
  const node = newIdentity({ method: 'key' });
  nodeDids.set(nodeName, node.did);
  await custom().createClusterCustomObject({
    ...api('sovereignnodes'),
    body: {
      apiVersion: 'cloudempire.eu/v1alpha1',
      kind: 'SovereignNode',
      metadata: { name: `lyon-${nodeName}` },
      spec: { memberCluster: 'lyon', nodeName, did: node.did, credential: await credentialFor(nodeName, node.did, verified ? trusted : untrusted) },
    },
  });
}
const nodeDids = new Map<string, string>();
const logs = capturingLogger();

const pool = async () => (await custom().getClusterCustomObject({ ...api('gpupools'), name: 'lyon-h100' })) as GpuPool;
const memberCluster = async () => (await custom().getClusterCustomObject({ ...api('memberclusters'), name: 'lyon' })) as MemberCluster;
const readNode = async (name: string): Promise<V1Node> => lyon().makeApiClient(CoreV1Api).readNode({ name });

beforeAll(async () => {
  federation = await LocalFederation.start({ members: [{ name: 'lyon', workloads: false }] });
  await installCrds(federation.host.access.kubeconfigPath);
  await prepareOperatorHost(host(), trusted.did, []);
  for (const [name, labels] of [
    ['gpu-1', { pool: 'h100', ...GFD }],
    ['gpu-2', { pool: 'h100', ...GFD, 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' }],
    ['gpu-3', { pool: 'h100', ...GFD }],
    ['gpu-4', { pool: 'h100', ...GFD }],
  ] as const) {
    await createFakeNode(lyon(), { name, labels, capacity: { cpu: '64', memory: '512Gi', 'nvidia.com/gpu': '4' } });
  }
  // Half the pool is verified; the other half carries the verified label a member admin could set, but no verdict.
  await vouchFor('gpu-1', true);
  await vouchFor('gpu-2', true);
  await vouchFor('gpu-3', false);
  const gpu4 = await readNode('gpu-4');
  gpu4.metadata!.labels!['trust.cloudempire.eu/verified'] = 'true';
  await lyon().makeApiClient(CoreV1Api).replaceNode({ name: 'gpu-4', body: gpu4 });

  await registerMemberCluster(host(), { name: 'lyon', kubeconfig: federation.member('lyon').kubeconfigFor(), country: 'FR', provider: 'ovhcloud' });
  await custom().createClusterCustomObject({
    ...api('gpupools'),
    body: {
      apiVersion: 'cloudempire.eu/v1alpha1',
      kind: 'GpuPool',
      metadata: { name: 'lyon-h100' },
      spec: {
        memberCluster: 'lyon',
        nodeSelector: { matchLabels: { pool: 'h100' } },
        resourceName: 'nvidia.com/gpu',
        model: 'NVIDIA-H100-80GB-HBM3',
        memoryMiB: 81559,
        provider: 'ovhcloud',
      },
    },
  });
  // No controller-manager in this member: create the ServiceAccount pod admission wants, as it would.
  await lyon()
    .makeApiClient(CoreV1Api)
    .createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'default' } } });
  ledgerDir = mkdtempSync(join(tmpdir(), 'cloud-empire-ledger-'));
  operator = await startOperator({ host: host(), namespace: 'cloud-empire', ledgerDir, log: logs.log, probeIntervalMs: 500, unreachableGraceMs: 2_000 });
}, 120_000);

afterAll(async () => {
  await operator?.stop();
  await federation?.stop();
  if (ledgerDir) rmSync(ledgerDir, { recursive: true, force: true });
});

describe('GpuPool controller', () => {
  it('counts only the verified half of a pool and labels those nodes', async () => {
    await eventually(async () => expect((await pool()).status).toMatchObject({ nodes: 4, verifiedNodes: 2, capacity: 8, allocatable: 8, allocated: 0 }));
    expect((await pool()).status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'PoolAvailable' });
    expect((await readNode('gpu-1')).metadata?.labels?.['gpu.cloudempire.eu/pool']).toBe('lyon-h100');
    expect((await readNode('gpu-4')).metadata?.labels?.['gpu.cloudempire.eu/pool']).toBeUndefined();
  });

  it('reports a GPU Feature Discovery label that contradicts the declared model', async () => {
    await eventually(async () =>
      expect((await pool()).status?.conditions?.find((c) => c.type === 'HardwareMatches')).toMatchObject({
        status: 'False',
        reason: 'FeatureDiscoveryMismatch',
        message: expect.stringContaining('gpu-2: nvidia.com/gpu.product=NVIDIA-A100-SXM4-80GB'),
      }),
    );
  });

  it('deducts GPUs that pods on pool nodes request', async () => {
    await lyon()
      .makeApiClient(CoreV1Api)
      .createNamespacedPod({
        namespace: 'default',
        body: {
          metadata: { name: 'infer' },
          spec: { nodeName: 'gpu-1', containers: [{ name: 'c', image: 'x', resources: { limits: { 'nvidia.com/gpu': '3' } } }] },
        },
      });
    await eventually(async () => expect((await pool()).status).toMatchObject({ allocatable: 8, allocated: 3 }));
  });

  it('gives the GPUs back when the pod finishes', async () => {
    const core = lyon().makeApiClient(CoreV1Api);
    const pod = await core.readNamespacedPod({ name: 'infer', namespace: 'default' });
    pod.status = { ...pod.status, phase: 'Succeeded' };
    await core.replaceNamespacedPodStatus({ name: 'infer', namespace: 'default', body: pod });
    await eventually(async () => expect((await pool()).status).toMatchObject({ allocated: 0 }));
  });

  it('adds a node to the pool when its SovereignNode becomes verified', async () => {
    const sn = (await custom().getClusterCustomObject({ ...api('sovereignnodes'), name: 'lyon-gpu-3' })) as SovereignNode;
    expect(sn.status?.conditions?.find((c) => c.type === 'Verified')).toMatchObject({ status: 'False', reason: 'IssuerUntrusted' });
    sn.spec.credential = await credentialFor('gpu-3', nodeDids.get('gpu-3')!, trusted);
    await custom().replaceClusterCustomObject({ ...api('sovereignnodes'), name: 'lyon-gpu-3', body: sn });
    await eventually(async () => expect((await pool()).status).toMatchObject({ verifiedNodes: 3, capacity: 12 }));
    await eventually(async () => expect((await readNode('gpu-3')).metadata?.labels?.['gpu.cloudempire.eu/pool']).toBe('lyon-h100'));
  });
});

describe('catalog', () => {
  it('offers a pool only once its hardware agrees with GPU Feature Discovery', async () => {
    expect(await readCatalog(host())).toEqual([]);
    const gpu2 = await readNode('gpu-2');
    gpu2.metadata!.labels!['nvidia.com/gpu.product'] = 'NVIDIA-H100-80GB-HBM3';
    await lyon().makeApiClient(CoreV1Api).replaceNode({ name: 'gpu-2', body: gpu2 });
    const [offering] = await eventually(async () => {
      const offerings = await readCatalog(host());
      expect(offerings).toHaveLength(1);
      return offerings;
    });
    expect(offering).toMatchObject({ pool: 'lyon-h100', provider: 'ovhcloud', countries: ['FR'], verifiedNodes: 3, totalGpus: 12, freeGpus: 12 });
  });

  it('serves signed offerings over HTTP that empirectl checks offline, and lists them as a table', async () => {
    const operatorKey = await loadOrCreateOperatorKey(host(), 'cloud-empire');
    expect((await loadOrCreateOperatorKey(host(), 'cloud-empire')).kid).toBe(operatorKey.kid);
    const http = await startHttp({ host: '127.0.0.1', port: 0, ready: () => true, routes: { '/catalog': catalogRoute(host(), operatorKey) } });
    try {
      expect((await fetch(`http://${http.address}/catalog?country=fr`)).status).toBe(400);
      const body = (await (await fetch(`http://${http.address}/catalog?gpu=h100&country=FR`)).json()) as {
        operator: string;
        offerings: { credential: string }[];
      };
      expect(body.offerings).toHaveLength(1);
      const file = join(ledgerDir, 'offering.jwt');
      writeFileSync(file, body.offerings[0].credential);
      const empirectl = (...args: string[]) => run(process.execPath, [join(REPO_ROOT, 'src', 'cli', 'empirectl.ts'), ...args]);
      const good = await empirectl('catalog', 'verify', '--credential', file, '--operator', body.operator);
      expect(good.code).toBe(0);
      expect(JSON.parse(good.stdout).offering).toMatchObject({ type: 'gx:ServiceOffering', 'gx:providedBy': 'ovhcloud' });
      const later = await empirectl(
        'catalog',
        'verify',
        '--credential',
        file,
        '--operator',
        body.operator,
        '--now',
        new Date(Date.now() + 2 * 3600_000).toISOString(),
      );
      expect(later.code).toBe(3);
      expect(JSON.parse(later.stdout).reason).toBe('EXPIRED');
      const table = await empirectl('catalog', '--kubeconfig', federation.host.access.kubeconfigPath, '--gpu', 'H100');
      expect(table.stdout).toMatch(/^lyon\s+lyon-h100\s+ovhcloud\s+FR\s+NVIDIA-H100-80GB-HBM3\s+nvidia\.com\/gpu\s+12\s+12/m);
    } finally {
      await http.close();
    }
  });
});

describe('MemberCluster controller', () => {
  it('reports a reachable member: version, node counts and GPU capacity of verified nodes', async () => {
    await eventually(async () =>
      expect((await memberCluster()).status).toMatchObject({
        kubernetesVersion: 'v1.34.4',
        nodeCount: 4,
        verifiedNodeCount: 3,
        gpus: [{ resourceName: 'nvidia.com/gpu', capacity: 12, allocatable: 12 }],
      }),
    );
    expect((await memberCluster()).status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'Reachable' });
  });

  it('flips Ready at once when the API server stops, taints after the grace period, and recovers', async () => {
    const member = federation.member('lyon');
    // kube-apiserver shuts down gracefully: it stops answering during stopApiServer, not after it.
    await member.stopApiServer();
    const stoppedAt = Date.now();
    const down = await eventually(
      async () => {
        const mc = await memberCluster();
        expect(mc.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'Unreachable' });
        return mc;
      },
      10_000,
      50,
    );
    // The first failed probe comes within a probe interval (500 ms) of the server going away…
    expect(Date.parse(down.status!.unreachableSince!) - stoppedAt).toBeLessThan(1_500);
    // …and Ready turns False with it, not a grace period (2 s) later (lastTransitionTime has whole seconds).
    const readyFalseAt = Date.parse(down.status!.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime);
    expect(readyFalseAt - Date.parse(down.status!.unreachableSince!)).toBeLessThan(1_000);
    await eventually(async () => expect((await memberCluster()).spec.taints).toEqual([{ key: 'cloudempire.eu/unreachable', effect: 'NoSchedule' }]), 10_000);
    const mc = await memberCluster();
    // Tainted no earlier than the grace period after the first failed probe.
    expect(Date.now() - Date.parse(mc.status!.unreachableSince!)).toBeGreaterThanOrEqual(2_000);

    await member.startApiServer();
    await eventually(async () => {
      const mc = await memberCluster();
      expect(mc.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
      expect(mc.spec.taints ?? []).toEqual([]);
    }, 20_000);
  }, 60_000);
});

describe('hostile kubeconfigs and leaks', () => {
  it('refuses a member kubeconfig that would run a command: Ready=False KubeconfigRefused, and the command never runs', async () => {
    const marker = join(ledgerDir, 'exec-ran');
    const script = join(ledgerDir, 'credential.sh');
    writeFileSync(
      script,
      `#!/bin/sh\ntouch ${marker}\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"x"}}'\n`,
    );
    chmodSync(script, 0o755);
    const kubeconfig = federation
      .member('lyon')
      .kubeconfigFor()
      .replace(/token: .*/, `exec:\n        apiVersion: client.authentication.k8s.io/v1\n        command: ${script}\n        interactiveMode: Never`);
    await host()
      .makeApiClient(CoreV1Api)
      .createNamespacedSecret({ namespace: 'cloud-empire', body: { metadata: { name: 'evil-kubeconfig' }, stringData: { kubeconfig } } });
    await custom().createClusterCustomObject({
      ...api('memberclusters'),
      body: {
        apiVersion: 'cloudempire.eu/v1alpha1',
        kind: 'MemberCluster',
        metadata: { name: 'evil' },
        spec: { kubeconfigSecretRef: { name: 'evil-kubeconfig', namespace: 'cloud-empire' }, country: 'FR', provider: 'ovhcloud' },
      },
    });
    await eventually(async () => {
      const mc = (await custom().getClusterCustomObject({ ...api('memberclusters'), name: 'evil' })) as MemberCluster;
      expect(mc.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
        status: 'False',
        reason: 'KubeconfigRefused',
        message: expect.stringContaining('users[0].user.exec'),
      });
    });
    expect(existsSync(marker)).toBe(false);
  });

  it('leaks no kubeconfig token, private key or credential JWT into its logs, status or Events', async () => {
    const operatorKey = await loadOrCreateOperatorKey(host(), 'cloud-empire');
    const known = [
      ...Object.values(federation.member('lyon').access.tokens),
      ...Object.values(federation.host.access.tokens),
      trusted.key.d,
      untrusted.key.d,
      operatorKey.d,
    ];
    expect(logs.text().length).toBeGreaterThan(0);
    await expectNoLeaks(host(), logs.text(), known);
  });
});
