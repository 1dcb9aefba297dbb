// The chart installed for real on a local host, the member chart in a member,
// and the operator run with nothing but the tokens of the two charts'
// ServiceAccounts: a permission either chart lacks fails this test.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { GpuPool, MemberCluster, SovereignNode } from '../../../src/api/generated/types.ts';
import { REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { createFakeNode } from '../../../src/controlplane/fake-nodes.ts';
import { LocalFederation } from '../../../src/controlplane/federation.ts';
import { kubeconfigYaml } from '../../../src/controlplane/kubeconfig.ts';
import { kubectl, run } from '../../../src/controlplane/kubectl.ts';
import type { LocalCluster } from '../../../src/controlplane/local-cluster.ts';
import { freePort, ManagedProcess } from '../../../src/controlplane/process.ts';
import { DEMO_INVENTORY, DEMO_SOVEREIGN_NODES } from '../../../src/demo/inventory.ts';
import type { KeyFile } from '../../../src/trust/issue.ts';
import { answerChallenge } from '../../../src/trust/node-agent.ts';
import { eventually } from '../federation.ts';
import { helm, MEMBER_CHART, OPERATOR_CHART } from './render.ts';

const NAMESPACE = 'cloud-empire';
const MEMBER_NAMESPACE = 'cloud-empire-system';
const api = { group: 'cloudempire.eu', version: 'v1alpha1' };
const PARIS_NODES = Object.keys(DEMO_SOVEREIGN_NODES).filter((name) => name.startsWith('paris-'));

let federation: LocalFederation;
let paris: LocalCluster;
let dir: string;
let operator: ManagedProcess | undefined;
const operatorLog = () => readFileSync(join(dir, 'operator.log'), 'utf8');

/** A kubeconfig holding a fresh token (TokenRequest) of a ServiceAccount: what a pod of it would get. */
async function serviceAccountKubeconfig(cluster: LocalCluster, namespace: string, name: string): Promise<string> {
  const request = await cluster
    .kubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespacedServiceAccountToken({ name, namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  return kubeconfigYaml({
    cluster: cluster.name,
    server: cluster.access.server,
    caPem: cluster.access.caPem,
    user: `system:serviceaccount:${namespace}:${name}`,
    token: request.status!.token!,
  });
}

function documentsOf(file: string, names?: string[]): Record<string, unknown>[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as { metadata?: { name?: string } } | null)
    .filter((d): d is { metadata: { name: string } } => !!d && (!names || names.includes(d.metadata?.name ?? '')));
}

const custom = (kc: KubeConfig) => kc.makeApiClient(CustomObjectsApi);
const condition = (object: { status?: { conditions?: { type: string; status: string; reason?: string }[] } }, type: string) =>
  object.status?.conditions?.find((c) => c.type === type);

beforeAll(async () => {
  // Its own host: the chart owns the CRDs and cluster roles, which the shared host's tests apply themselves.
  federation = await LocalFederation.start({ members: [{ name: 'paris' }] });
  paris = federation.members.get('paris')!;
  dir = mkdtempSync(join(tmpdir(), 'cloud-empire-chart-'));
  const issued = await run('bash', [join(REPO_ROOT, 'hack', 'examples', 'credentials.sh'), join(dir, 'examples'), join(dir, 'keys')], {
    env: { ...process.env, NODE: process.execPath },
    timeoutMs: 240_000,
  });
  if (issued.code !== 0) throw new Error(`hack/examples/credentials.sh exited ${issued.code}: ${issued.stderr}`);
}, 300_000);

afterAll(async () => {
  await operator?.kill();
  await federation?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the chart on a real API server', () => {
  const hostKubeconfig = () => federation.host.access.kubeconfigPath;
  let valuesFile: string;

  it('is accepted by kubectl apply --server-side --dry-run=server', async () => {
    // The example federation's trust anchors, as an operator of it would put them in values.
    const [anchors] = documentsOf(join(dir, 'examples', 'federation', 'trust-anchors.yaml')) as { data: Record<string, string> }[];
    const trust = parse(anchors.data['trust-anchors.yaml']) as Record<string, unknown>;
    valuesFile = join(dir, 'values.yaml');
    writeFileSync(valuesFile, stringify({ trustAnchors: trust, leaderElection: { leaseDuration: '3s' } }));

    expect(await kubectl(hostKubeconfig(), ['create', 'namespace', NAMESPACE])).toMatchObject({ code: 0 });
    const rendered = await helm(['template', 'cloud-empire', OPERATOR_CHART, '--namespace', NAMESPACE, '-f', valuesFile]);
    expect(rendered).toMatchObject({ code: 0 });
    const dryRun = await kubectl(hostKubeconfig(), ['apply', '--server-side', '--dry-run=server', '--field-manager=chart-test', '-f', '-'], rendered.stdout);
    expect(dryRun.stderr).toBe('');
    expect(dryRun.stdout).toContain('deployment.apps/cloud-empire serverside-applied (server dry run)');
    expect(dryRun.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/sovereignnodes.cloudempire.eu serverside-applied (server dry run)');
  }, 60_000);

  it('installs with helm on the host and in a member', async () => {
    const installed = await helm(['install', 'cloud-empire', OPERATOR_CHART, '--namespace', NAMESPACE, '-f', valuesFile], hostKubeconfig());
    expect(installed.stderr).toBe('');
    expect(installed.code).toBe(0);
    const member = await helm(
      ['install', 'cloud-empire-member', MEMBER_CHART, '--namespace', MEMBER_NAMESPACE, '--create-namespace'],
      paris.access.kubeconfigPath,
    );
    expect(member.code).toBe(0);
    expect(
      await kubectl(hostKubeconfig(), ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '-l', 'app.kubernetes.io/part-of=cloud-empire']),
    ).toMatchObject({ code: 0 });
  }, 120_000);

  it("lets the operator, with only the ServiceAccounts' tokens, verify the example nodes and ready the member and its pool", async () => {
    const host = federation.host.kubeConfig();
    // The provider hands over a kubeconfig of the member chart's ServiceAccount; the federation operator stores it.
    await host.makeApiClient(CoreV1Api).createNamespacedSecret({
      namespace: NAMESPACE,
      body: {
        metadata: { name: 'paris-kubeconfig' },
        stringData: { kubeconfig: await serviceAccountKubeconfig(paris, MEMBER_NAMESPACE, 'cloud-empire-operator') },
      },
    });
    for (const node of DEMO_INVENTORY.paris) await createFakeNode(paris.kubeConfig(), node);
    const examples = [
      ...documentsOf(join(REPO_ROOT, 'examples', 'federation', 'member-clusters.yaml'), ['paris']),
      ...documentsOf(join(dir, 'examples', 'nodes', 'paris.yaml')),
      ...documentsOf(join(REPO_ROOT, 'examples', 'gpupools', 'pools.yaml'), ['paris-h100']),
    ];
    const applied = await kubectl(
      hostKubeconfig(),
      ['apply', '--server-side', '--field-manager=chart-test', '-f', '-'],
      examples.map((d) => stringify(d)).join('---\n'),
    );
    expect(applied).toMatchObject({ code: 0 });

    const operatorKubeconfig = join(dir, 'operator.kubeconfig');
    writeFileSync(operatorKubeconfig, await serviceAccountKubeconfig(federation.host, NAMESPACE, 'cloud-empire'), { mode: 0o600 });
    const port = await freePort();
    operator = new ManagedProcess(
      'operator',
      process.execPath,
      [
        join(REPO_ROOT, 'src', 'operator', 'main.ts'),
        `--kubeconfig=${operatorKubeconfig}`,
        `--namespace=${NAMESPACE}`,
        `--ledger-dir=${join(dir, 'ledger')}`,
        `--http-addr=127.0.0.1:${port}`,
        '--leader-elect=true',
        '--lease-duration=3s',
        '--identity=chart-test',
      ],
      join(dir, 'operator.log'),
      { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info' },
    );
    await eventually(async () => expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200), 30_000);

    // Each node agent answers the challenge the operator publishes (agents write their own SovereignNode).
    await Promise.all(
      PARIS_NODES.map((name) => answerChallenge(host, name, JSON.parse(readFileSync(join(dir, 'keys', 'nodes', name, 'key.jwk'), 'utf8')) as KeyFile)),
    );

    await eventually(
      async () => {
        for (const name of PARIS_NODES) {
          const node = (await custom(host).getClusterCustomObject({ ...api, plural: 'sovereignnodes', name })) as SovereignNode;
          expect([name, condition(node, 'Verified')?.reason]).toEqual([name, DEMO_SOVEREIGN_NODES[name]]);
          expect([name, condition(node, 'NodeBound')?.status]).toEqual([name, 'True']);
        }
        const cluster = (await custom(host).getClusterCustomObject({ ...api, plural: 'memberclusters', name: 'paris' })) as MemberCluster;
        expect(condition(cluster, 'Ready')?.status).toBe('True');
        const pool = (await custom(host).getClusterCustomObject({ ...api, plural: 'gpupools', name: 'paris-h100' })) as GpuPool;
        expect(condition(pool, 'Ready')?.status).toBe('True');
      },
      90_000,
      500,
    );

    // The marks landed in the member through its ClusterRole.
    const marked = await paris.kubeConfig().makeApiClient(CoreV1Api).readNode({ name: 'par-h100-1' });
    expect(marked.metadata?.labels?.['trust.cloudempire.eu/verified']).toBe('true');
    expect(operatorLog()).not.toMatch(/forbidden/i);
  }, 180_000);

  it('gives the operator no Secret outside its namespace', async () => {
    const kc = federation.host.kubeConfig();
    kc.loadFromFile(join(dir, 'operator.kubeconfig'));
    await expect(kc.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: 'default' })).rejects.toMatchObject({ code: 403 });
    await expect(kc.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: NAMESPACE })).resolves.toBeDefined();
  });
});
