import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, type KubernetesListObject, type V1ConfigMap } from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SovereignNode } from '../../../src/api/generated/types.ts';
import { REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { LocalFederation } from '../../../src/controlplane/federation.ts';
import { kubectl } from '../../../src/controlplane/kubectl.ts';
import { freePort, ManagedProcess } from '../../../src/controlplane/process.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { slimWatch } from '../../../src/runtime/slim-watch.ts';
import { watchCollection } from '../../../src/runtime/watch.ts';
import { newIdentity } from '../../../src/trust/issue.ts';
import { eventually } from '../federation.ts';
import { vouchForNode } from '../operator-fixture.ts';

// Its own host: this file restarts the API server and runs two operator processes against it.
let federation: LocalFederation;
let dir: string;
const issuer = newIdentity({ method: 'key' });
const custom = () => federation.host.kubeConfig().makeApiClient(CustomObjectsApi);

beforeAll(async () => {
  federation = await LocalFederation.start({ members: [] });
  dir = mkdtempSync(join(tmpdir(), 'cloud-empire-manager-'));
  const kubeconfig = federation.host.access.kubeconfigPath;
  expect(await kubectl(kubeconfig, ['apply', '--server-side', '-f', join(REPO_ROOT, 'crds')])).toMatchObject({ code: 0 });
  expect(
    await kubectl(kubeconfig, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '-l', 'app.kubernetes.io/part-of=cloud-empire']),
  ).toMatchObject({ code: 0 });
  const core = federation.host.kubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'cloud-empire' } } });
  await core.createNamespacedConfigMap({
    namespace: 'cloud-empire',
    body: {
      metadata: { name: 'cloud-empire-trust-anchors' },
      data: { 'trust-anchors.yaml': `issuers: [{did: "${issuer.did}", name: test}]\naudience: urn:test\nrequireProofOfPossession: false\n` },
    },
  });
}, 120_000);

afterAll(async () => {
  await federation?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('watches', () => {
  it('recover from a broken watch without losing an event made before they reconnect', async () => {
    const seen = new Set<string>();
    const core = federation.host.kubeConfig().makeApiClient(CoreV1Api);
    const watch = watchCollection<V1ConfigMap>({
      name: 'test-configmaps',
      kubeConfig: federation.host.kubeConfig(),
      path: '/api/v1/namespaces/default/configmaps',
      list: async () => (await core.listNamespacedConfigMap({ namespace: 'default' })) as KubernetesListObject<V1ConfigMap>,
      onChange: (cm) => seen.add(cm.metadata!.name!),
      log: createLogger({ level: 'error' }),
    });
    const slimSeen = new Set<string>();
    const slim = slimWatch<string>({
      name: 'test-configmaps-slim',
      kubeConfig: federation.host.kubeConfig(),
      path: '/api/v1/namespaces/default/configmaps',
      transform: (raw: { metadata: { name: string } }) => raw.metadata.name,
      onChange: (name) => slimSeen.add(name),
      log: createLogger({ level: 'error' }),
    });
    try {
      await Promise.all([watch.synced, slim.synced]);
      await federation.host.stopApiServer();
      await federation.host.startApiServer();
      // Created while the watch is still broken: only the relist can deliver it.
      await federation.host
        .kubeConfig()
        .makeApiClient(CoreV1Api)
        .createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'made-during-outage' } } });
      await eventually(async () => expect(seen).toContain('made-during-outage'), 20_000);
      await eventually(async () => expect(slimSeen).toContain('made-during-outage'), 20_000);
      expect(slim.list()).toContain('made-during-outage');
      expect(watch.restarts()).toBeGreaterThanOrEqual(1);
      expect(slim.restarts()).toBeGreaterThanOrEqual(1);
    } finally {
      await watch.stop();
      await slim.stop();
    }
  }, 60_000);
});

interface Replica {
  id: string;
  process: ManagedProcess;
  port: number;
}

async function startReplica(id: string): Promise<Replica> {
  const port = await freePort();
  const process = new ManagedProcess(
    `operator-${id}`,
    globalThis.process.execPath,
    [
      join(REPO_ROOT, 'src', 'operator', 'main.ts'),
      `--kubeconfig=${federation.host.access.kubeconfigPath}`,
      '--namespace=cloud-empire',
      // One ledger volume for all replicas, as the chart mounts it: only the leader opens it, and the
      // head checkpoint on the host refuses a replica that would start a ledger of its own.
      `--ledger-dir=${join(dir, 'ledger')}`,
      `--http-addr=127.0.0.1:${port}`,
      '--lease-duration=3s',
      `--identity=${id}`,
    ],
    join(dir, `operator-${id}.log`),
    { ...globalThis.process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info' },
  );
  await eventually(async () => expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200), 30_000);
  return { id, process, port };
}

async function metric(replica: Replica, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${replica.port}/metrics`)).text();
  const match = pattern.exec(text);
  return match ? Number(match[1]) : 0;
}
const isLeader = async (r: Replica) => (await metric(r, /^cloud_empire_leader (\d+)/m)) === 1;
const reconciles = (r: Replica) => metric(r, /^cloud_empire_reconcile_total\{controller="sovereignnode",result="success"\} (\d+)/m);

// A node in no member cluster: the verdict is all these tests look at.
const createNode = (name: string) => vouchForNode(federation.host.kubeConfig(), issuer, { cluster: 'nowhere', nodeName: name, country: 'FR', name });

async function verdict(name: string): Promise<string | undefined> {
  const node = (await custom().getClusterCustomObject({ group: 'cloudempire.eu', version: 'v1alpha1', plural: 'sovereignnodes', name })) as SovereignNode;
  return node.status?.conditions?.find((c) => c.type === 'Verified')?.reason;
}

describe('two operator replicas', () => {
  const replicas: Replica[] = [];
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.process.kill()));
  });

  it('elect one leader; only the leader reconciles; the standby takes over within the lease when the leader is killed', async () => {
    replicas.push(await startReplica('a'), await startReplica('b'));
    const [leader, standby] = await eventually(async () => {
      const flags = await Promise.all(replicas.map(isLeader));
      expect(flags.filter(Boolean)).toHaveLength(1);
      return flags[0] ? [replicas[0], replicas[1]] : [replicas[1], replicas[0]];
    }, 15_000);

    await createNode('first');
    await eventually(async () => expect(await verdict('first')).toBe('Verified'));
    expect(await reconciles(leader)).toBeGreaterThan(0);
    expect(await reconciles(standby)).toBe(0);

    await leader.process.kill();
    const killedAt = Date.now();
    await eventually(async () => expect(await isLeader(standby)).toBe(true), 15_000, 100);
    // Lease 3 s, renewed every 600 ms: a takeover within the lease duration plus a few retries
    // (a loaded 2-core machine delays each replica's timers); a second lapsed lease would be ≥ 6 s.
    expect(Date.now() - killedAt).toBeLessThan(3_000 + 2_900);
    await createNode('second');
    await eventually(async () => expect(await verdict('second')).toBe('Verified'));
  }, 90_000);

  it('shuts down on SIGTERM, releasing the lease: a standby takes over at once, not after the lease lapses', async () => {
    const leader = replicas.find((r) => r.process.alive)!;
    expect(await isLeader(leader)).toBe(true);
    const standby = await startReplica('c');
    replicas.push(standby);
    expect(await isLeader(standby)).toBe(false);
    const stopping = Date.now();
    await leader.process.stop();
    expect(await leader.process.exited).toBe(0);
    await eventually(async () => expect(await isLeader(standby)).toBe(true), 10_000, 50);
    // Lease 3 s, retry every 600 ms: a released lease is taken at the standby's next round, well before it would lapse.
    expect(Date.now() - stopping).toBeLessThan(2_000);
    const lease = await federation.host
      .kubeConfig()
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: 'cloud-empire-operator', namespace: 'cloud-empire' });
    expect(lease.spec?.holderIdentity).toBe('c');
    await createNode('third');
    await eventually(async () => expect(await verdict('third')).toBe('Verified'));
  });
});
