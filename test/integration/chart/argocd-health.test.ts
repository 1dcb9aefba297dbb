// The Lua health scripts of examples/argocd/argocd-cm.yaml run by Argo CD's
// own evaluator over status objects the real controllers wrote: the whole
// operator reconciles the four kinds on a real host and member here, into
// each state Argo CD must tell apart, and the objects are read back from the
// API server as Argo CD would read them.
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cacheDir, REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { createFakeNode } from '../../../src/controlplane/fake-nodes.ts';
import { LocalFederation } from '../../../src/controlplane/federation.ts';
import { run } from '../../../src/controlplane/kubectl.ts';
import { EmbeddedLedger } from '../../../src/ledger/embedded/embedded-ledger.ts';
import { anchorsOf, SovereigntyLedger } from '../../../src/ledger/ledger.ts';
import { EMBEDDED_TRUST_ADMIN_IDENTITY } from '../../../src/ledger/open.ts';
import type { RunningOperator } from '../../../src/operator/operator.ts';
import { trustConfigFrom } from '../../../src/trust/anchors.ts';
import { newIdentity, type Identity } from '../../../src/trust/issue.ts';
import { closedPort, writeKubeconfig } from '../../helpers/cli.ts';
import { ledgerOptions, operatorKey } from '../../ledger/ledger-keys.ts';
import { eventually, installCrds } from '../federation.ts';
import { startOperatorOn, vouchForNode } from '../operator-fixture.ts';

const argocdVersion = /github\.com\/argoproj\/argo-cd\/v3 (v\S+)/.exec(readFileSync(join(REPO_ROOT, 'hack', 'argocd', 'go.mod'), 'utf8'))![1];
const ARGOCD = join(cacheDir(), 'bin', `argocd-${argocdVersion}`, 'argocd');
const ARGOCD_CM = join(REPO_ROOT, 'examples', 'argocd', 'argocd-cm.yaml');
const group = { group: 'cloudempire.eu', version: 'v1alpha1' };
const GFD = { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3', 'nvidia.com/gpu.memory': '81559', 'nvidia.com/gpu.count': '2' };
const trusted = newIdentity({ method: 'key' });
const untrusted = newIdentity({ method: 'key' });

interface Condition {
  type: string;
  status: string;
  reason?: string;
}
interface Resource {
  kind?: string;
  metadata: { name?: string; generation?: number; managedFields?: unknown };
  spec?: Record<string, unknown>;
  status?: { observedGeneration?: number; conditions?: Condition[] };
}

let federation: LocalFederation;
let operator: RunningOperator | undefined;
let dir: string;
const host = () => federation.host.kubeConfig();
const custom = () => host().makeApiClient(CustomObjectsApi);
const paris = () => federation.member('paris').kubeConfig();

async function read(plural: string, name: string, namespace?: string): Promise<Resource> {
  const object = (
    namespace
      ? await custom().getNamespacedCustomObject({ ...group, plural, namespace, name })
      : await custom().getClusterCustomObject({ ...group, plural, name })
  ) as Resource;
  delete object.metadata.managedFields; // as Argo CD strips them
  return object;
}

function create(plural: string, kind: string, name: string, spec: Record<string, unknown>, namespace?: string) {
  const body = { apiVersion: 'cloudempire.eu/v1alpha1', kind, metadata: { name, ...(namespace ? { namespace } : {}) }, spec };
  return namespace
    ? custom().createNamespacedCustomObject({ ...group, plural, namespace, body })
    : custom().createClusterCustomObject({ ...group, plural, body });
}

const sovereignNode = (name: string, nodeName: string, issuer: Identity) => vouchForNode(host(), issuer, { cluster: 'paris', nodeName, country: 'FR', name });

const deployment = (cpu: string, extra: Record<string, unknown> = {}, pod: Record<string, unknown> = {}) => ({
  template: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'app' } },
      template: {
        metadata: { labels: { app: 'app' } },
        spec: { ...pod, containers: [{ name: 'app', image: 'registry.example.eu/team/app:1.0', resources: { requests: { cpu, memory: '64Mi' } } }] },
      },
    },
  },
  ...extra,
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cloud-empire-argocd-'));
  federation = await LocalFederation.start({ members: [{ name: 'paris' }] });
  await installCrds(federation.host.access.kubeconfigPath);
  const core = host().makeApiClient(CoreV1Api);
  for (const namespace of ['cloud-empire', 'team']) await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedConfigMap({
    namespace: 'cloud-empire',
    body: {
      metadata: { name: 'cloud-empire-trust-anchors' },
      data: { 'trust-anchors.yaml': `issuers: [{did: "${trusted.did}", name: Paris authority}]\naudience: urn:test\nrequireProofOfPossession: false\n` },
    },
  });
  const signer = operatorKey();
  const store = await EmbeddedLedger.open(join(dir, 'ledger'), { ...ledgerOptions(join(dir, 'head.json'), signer) });
  await new SovereigntyLedger(store.connect(EMBEDDED_TRUST_ADMIN_IDENTITY)).syncTrustAnchors(
    anchorsOf(trustConfigFrom({ issuers: [{ did: trusted.did, name: 'Paris authority' }], audience: 'urn:test' })),
  );

  // Members: paris answers; lost's kubeconfig names a port nothing listens on.
  const lostKubeconfig = readFileSync(writeKubeconfig(join(dir, 'lost.kubeconfig'), await closedPort()), 'utf8');
  for (const [name, text] of [
    ['paris', federation.member('paris').kubeconfigFor()],
    ['lost', lostKubeconfig],
  ] as const) {
    await core.createNamespacedSecret({ namespace: 'cloud-empire', body: { metadata: { name: `${name}-kubeconfig` }, stringData: { kubeconfig: text } } });
    await create('memberclusters', 'MemberCluster', name, {
      kubeconfigSecretRef: { name: `${name}-kubeconfig`, namespace: 'cloud-empire' },
      country: 'FR',
      provider: 'ovhcloud',
    });
  }
  await createFakeNode(paris(), { name: 'par-h100-1', labels: { pool: 'h100', ...GFD }, capacity: { cpu: '16', memory: '64Gi', 'nvidia.com/gpu': '2' } });
  await createFakeNode(paris(), { name: 'par-a100-1', labels: { pool: 'a100' }, capacity: { cpu: '16', memory: '64Gi', 'nvidia.com/gpu': '2' } });
  await sovereignNode('paris-h100-1', 'par-h100-1', trusted);
  await sovereignNode('paris-a100-1', 'par-a100-1', untrusted); // an issuer nobody trusts
  await sovereignNode('paris-ghost', 'par-ghost', trusted); // verified, but no such Node in the member
  const pool = { memberCluster: 'paris', resourceName: 'nvidia.com/gpu', provider: 'ovhcloud' };
  await create('gpupools', 'GpuPool', 'paris-h100', {
    ...pool,
    nodeSelector: { matchLabels: { pool: 'h100' } },
    model: GFD['nvidia.com/gpu.product'],
    memoryMiB: 81559,
  });
  await create('gpupools', 'GpuPool', 'paris-a100', { ...pool, nodeSelector: { matchLabels: { pool: 'a100' } }, model: 'NVIDIA-A100-SXM4-80GB' });

  operator = await startOperatorOn(host(), store, dir);
  await create('federatedworkloads', 'FederatedWorkload', 'ready', deployment('100m'), 'team');
  await create('federatedworkloads', 'FederatedWorkload', 'too-big', deployment('500'), 'team');
  await create('federatedworkloads', 'FederatedWorkload', 'paused', deployment('100m', { suspend: true }), 'team');
  // Placed, but its pods wait for a node label no member Node has: never ready.
  await create('federatedworkloads', 'FederatedWorkload', 'starting', deployment('100m', {}, { nodeSelector: { disktype: 'ssd' } }), 'team');
  // The member's admission refuses its pods (no such PriorityClass there).
  await create('federatedworkloads', 'FederatedWorkload', 'refused', deployment('100m', {}, { priorityClassName: 'not-in-paris' }), 'team');
}, 240_000);

afterAll(async () => {
  await operator?.stop();
  await federation?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const condition = (object: Resource, type: string) => object.status?.conditions?.find((c) => c.type === type);
const is = (object: Resource, type: string, status: string, reason?: string) =>
  condition(object, type)?.status === status && (reason === undefined || condition(object, type)?.reason === reason);

type Health = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended';
// [case, how to read the object, the controller state to wait for, Argo CD's verdict, a part of its message]
const cases: [string, () => Promise<Resource>, (o: Resource) => boolean, Health, RegExp][] = [
  [
    'a verified, bound, recorded node',
    () => read('sovereignnodes', 'paris-h100-1'),
    (o) => is(o, 'Verified', 'True') && is(o, 'NodeBound', 'True') && is(o, 'Recorded', 'True'),
    'Healthy',
    /Paris authority/,
  ],
  ['a node from an untrusted issuer', () => read('sovereignnodes', 'paris-a100-1'), (o) => is(o, 'Verified', 'False'), 'Degraded', /IssuerUntrusted: /],
  [
    'a verified node missing in its member',
    () => read('sovereignnodes', 'paris-ghost'),
    (o) => is(o, 'Verified', 'True') && is(o, 'NodeBound', 'False'),
    'Progressing',
    /par-ghost/,
  ],
  ['a reachable member', () => read('memberclusters', 'paris'), (o) => is(o, 'Ready', 'True'), 'Healthy', /v1\.\d+/],
  ['an unreachable member', () => read('memberclusters', 'lost'), (o) => is(o, 'Ready', 'False'), 'Degraded', /Unreachable/],
  ['an available pool', () => read('gpupools', 'paris-h100'), (o) => is(o, 'Ready', 'True'), 'Healthy', /2/],
  ['a pool without verified nodes', () => read('gpupools', 'paris-a100'), (o) => is(o, 'Ready', 'False'), 'Degraded', /NoVerifiedNodes/],
  ['a workload ready everywhere', () => read('federatedworkloads', 'ready', 'team'), (o) => is(o, 'Ready', 'True'), 'Healthy', /./],
  [
    'a workload placed whose pods wait for a node',
    () => read('federatedworkloads', 'starting', 'team'),
    (o) => is(o, 'Scheduled', 'True') && is(o, 'Ready', 'False'),
    'Progressing',
    /0 of 1|ready/i,
  ],
  [
    'a workload nothing can host',
    () => read('federatedworkloads', 'too-big', 'team'),
    (o) => is(o, 'Scheduled', 'False'),
    'Degraded',
    /Insufficient|fit|capacity/i,
  ],
  ['a suspended workload', () => read('federatedworkloads', 'paused', 'team'), (o) => o.status?.observedGeneration === 1, 'Suspended', /Suspended/],
];

async function health(name: string, object: Resource): Promise<{ status: string; message: string }> {
  const file = join(dir, `${name.replaceAll(/\W+/g, '-')}.yaml`);
  writeFileSync(file, stringify(object));
  const result = await run(ARGOCD, ['admin', 'settings', 'resource-overrides', 'health', file, '--argocd-cm-path', ARGOCD_CM], {
    env: { ...process.env, HOME: dir },
  });
  expect(result.stderr).not.toMatch(/error|failed/i);
  return { status: /STATUS: (\S+)/.exec(result.stdout)?.[1] ?? result.stdout, message: /MESSAGE: (.*)/.exec(result.stdout)?.[1] ?? '' };
}

describe('Argo CD health of the four kinds, from what the controllers wrote (argocd admin settings resource-overrides health)', () => {
  it.each(cases.map(([name, readObject, reached, status, message]) => [name, status, readObject, reached, message] as const))(
    '%s is %s',
    async (name, status, readObject, reached, message) => {
      const object = await eventually(
        async () => {
          const o = await readObject();
          expect(reached(o) ? 'reached' : o.status).toBe('reached');
          return o;
        },
        60_000,
        250,
      );
      expect(await health(name, object)).toEqual({ status, message: expect.stringMatching(message) });
    },
    90_000,
  );

  it('is Progressing while the operator has not observed a new generation', async () => {
    for (const [plural, name, namespace] of [
      ['sovereignnodes', 'paris-h100-1'],
      ['memberclusters', 'paris'],
      ['gpupools', 'paris-h100'],
      ['federatedworkloads', 'ready', 'team'],
    ] as const) {
      const object = await read(plural, name, namespace);
      // What a spec change looks like before the controller reconciles it: the generation moves, the status does not.
      object.metadata.generation = (object.metadata.generation ?? 1) + 1;
      expect([plural, (await health(`${plural}-next`, object)).status]).toEqual([plural, 'Progressing']);
    }
  });
});
