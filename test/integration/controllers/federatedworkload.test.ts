// FederatedWorkloads on a real local federation: host + paris (FR) and
// madrid (ES), each with kube-scheduler, kube-controller-manager and kwok, the
// whole operator and an embedded ledger a data owner publishes policies on.
import { AppsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FederatedWorkload } from '../../../src/api/generated/types.ts';
import { REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { createFakeNode } from '../../../src/controlplane/fake-nodes.ts';
import { LocalFederation } from '../../../src/controlplane/federation.ts';
import { kubectl } from '../../../src/controlplane/kubectl.ts';
import { EmbeddedLedger } from '../../../src/ledger/embedded/embedded-ledger.ts';
import { anchorsOf, SovereigntyLedger } from '../../../src/ledger/ledger.ts';
import { EMBEDDED_TRUST_ADMIN_IDENTITY } from '../../../src/ledger/open.ts';
import type { RunningOperator } from '../../../src/operator/operator.ts';
import { trustConfigFrom } from '../../../src/trust/anchors.ts';
import { issueNodeCredential, newIdentity } from '../../../src/trust/issue.ts';
import { TENANT } from '../../ledger/embedded-parties.ts';
import { ledgerOptions, operatorKey } from '../../ledger/ledger-keys.ts';
import { eventually, registerMemberCluster } from '../federation.ts';
import { startOperatorOn, vouchForNode } from '../operator-fixture.ts';

const MEMBERS = { paris: 'FR', madrid: 'ES' } as const;
type Member = keyof typeof MEMBERS;
const trusted = newIdentity({ method: 'key' });
const untrusted = newIdentity({ method: 'key' });
const group = { group: 'cloudempire.eu', version: 'v1alpha1' };
const OWNED = 'cloudempire.eu/managed-by=cloud-empire';

let federation: LocalFederation;
let operator: RunningOperator | undefined;
let dir: string;
let store: EmbeddedLedger;
const host = () => federation.host.kubeConfig();
const custom = () => host().makeApiClient(CustomObjectsApi);
const memberKc = (m: Member) => federation.member(m).kubeConfig();
const signer = operatorKey();

async function openLedger(): Promise<EmbeddedLedger> {
  return EmbeddedLedger.open(join(dir, 'ledger'), { ...ledgerOptions(join(dir, 'head.json'), signer) });
}

async function start(): Promise<void> {
  store = await openLedger();
  operator = await startOperatorOn(host(), store, dir);
}

const vouch = (cluster: Member, nodeName: string, issuer = trusted) => vouchForNode(host(), issuer, { cluster, nodeName, country: MEMBERS[cluster] });

const fw = async (name: string) =>
  (await custom().getNamespacedCustomObject({ ...group, plural: 'federatedworkloads', namespace: 'team', name })) as FederatedWorkload;
const condition = (w: FederatedWorkload, type: string) => w.status?.conditions?.find((c) => c.type === type);
const apply = (body: FederatedWorkload) => custom().createNamespacedCustomObject({ ...group, plural: 'federatedworkloads', namespace: 'team', body });

async function ownedIn(m: Member, workload: string): Promise<string[]> {
  const selector = `${OWNED},cloudempire.eu/workload=team.${workload}`;
  const [deployments, jobs, configMaps] = await Promise.all([
    memberKc(m).makeApiClient(AppsV1Api).listDeploymentForAllNamespaces({ labelSelector: selector }),
    memberKc(m).makeApiClient(BatchV1Api).listJobForAllNamespaces({ labelSelector: selector }),
    memberKc(m).makeApiClient(CoreV1Api).listConfigMapForAllNamespaces({ labelSelector: selector }),
  ]);
  return [
    ...deployments.items.map((d) => `Deployment/${d.metadata!.name}`),
    ...jobs.items.map((j) => `Job/${j.metadata!.name}`),
    ...configMaps.items.map((c) => `ConfigMap/${c.metadata!.name}`),
  ].sort();
}

async function podsOf(m: Member, workload: string): Promise<V1Pod[]> {
  return (
    await memberKc(m)
      .makeApiClient(CoreV1Api)
      .listNamespacedPod({ namespace: 'team', labelSelector: `cloudempire.eu/workload=team.${workload}` })
  ).items;
}

function workload(name: string, template: FederatedWorkload['spec']['template'], spec: Partial<FederatedWorkload['spec']> = {}): FederatedWorkload {
  return { apiVersion: 'cloudempire.eu/v1alpha1', kind: 'FederatedWorkload', metadata: { name, namespace: 'team' }, spec: { template, ...spec } };
}

const container = { name: 'app', image: 'registry.example.eu/team/app:1.0', resources: { requests: { cpu: '100m', memory: '64Mi' } } };
const deployment = (replicas: number, extra: Record<string, unknown> = {}): FederatedWorkload['spec']['template'] => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  spec: {
    replicas,
    selector: { matchLabels: { app: 'agent' } },
    template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ ...container, ...extra }] } },
  } as FederatedWorkload['spec']['template']['spec'],
});
const job = (): FederatedWorkload['spec']['template'] => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  spec: { parallelism: 2, completions: 2, template: { spec: { restartPolicy: 'Never', containers: [container] } } },
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cloud-empire-fw-'));
  federation = await LocalFederation.start({ members: Object.keys(MEMBERS).map((name) => ({ name })) });
  const kubeconfig = federation.host.access.kubeconfigPath;
  expect(await kubectl(kubeconfig, ['apply', '--server-side', '-f', join(REPO_ROOT, 'crds')])).toMatchObject({ code: 0 });
  expect(
    await kubectl(kubeconfig, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '-l', 'app.kubernetes.io/part-of=cloud-empire']),
  ).toMatchObject({ code: 0 });
  const core = host().makeApiClient(CoreV1Api);
  for (const namespace of ['cloud-empire', 'team']) await core.createNamespace({ body: { metadata: { name: namespace } } });
  const anchors = `issuers: [{did: "${trusted.did}", name: test}]\naudience: urn:test\nrequireProofOfPossession: false\n`;
  await core.createNamespacedConfigMap({
    namespace: 'cloud-empire',
    body: { metadata: { name: 'cloud-empire-trust-anchors' }, data: { 'trust-anchors.yaml': anchors } },
  });
  await core.createNamespacedConfigMap({ namespace: 'team', body: { metadata: { name: 'agent-settings' }, data: { MODE: 'eu' } } });
  // The data owner's policies, on the ledger the operator records on; anchors registered as the trust admin.
  store = await openLedger();
  await new SovereigntyLedger(store.connect(EMBEDDED_TRUST_ADMIN_IDENTITY)).syncTrustAnchors(
    anchorsOf(trustConfigFrom({ issuers: [{ did: trusted.did, name: 'test' }], audience: 'urn:test' })),
  );
  const tenant = new SovereigntyLedger(store.connect(TENANT));
  const policy = { allowedJurisdictions: ['EU'], allowedProviders: [], allowedPurposes: ['inference'], verifiedNodesOnly: true, grantTtlSeconds: 3600 };
  await tenant.publishPolicy({ datasetId: 'patients-fr', allowedCountries: ['FR'], ...policy });
  await tenant.publishPolicy({ datasetId: 'patients-de', allowedCountries: ['DE'], ...policy });
  await store.close();

  for (const m of Object.keys(MEMBERS) as Member[]) {
    await registerMemberCluster(host(), { name: m, kubeconfig: federation.member(m).kubeconfigFor(), country: MEMBERS[m] });
    for (const n of ['n1', 'n2']) await createFakeNode(memberKc(m), { name: `${m}-${n}`, capacity: { cpu: '16', memory: '64Gi' } });
    await vouch(m, `${m}-n1`);
  }
  // paris-n2 claims verification from an issuer nobody trusts: it must never run anything.
  await vouch('paris', 'paris-n2', untrusted);
  await start();
  // The federation's facts are in before any workload: verified capacity on both members.
  await eventually(
    async () => {
      for (const m of Object.keys(MEMBERS)) {
        const mc = (await custom().getClusterCustomObject({ ...group, plural: 'memberclusters', name: m })) as {
          status?: { verifiedResources?: { cpuMillis?: number } };
        };
        expect(mc.status?.verifiedResources?.cpuMillis).toBeGreaterThan(0);
      }
    },
    60_000,
    250,
  );
}, 240_000);

afterAll(async () => {
  await operator?.stop();
  await federation?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('FederatedWorkload controller on a real federation', () => {
  it('spreads a Deployment over both members, on verified nodes only, with its ConfigMap, and reports Ready', async () => {
    await apply(
      workload('agent', deployment(2, { envFrom: [{ configMapRef: { name: 'agent-settings' } }] }), {
        placement: { spreadConstraints: [{ by: 'cluster', minGroups: 2 }] },
      }),
    );
    await eventually(async () => expect(condition(await fw('agent'), 'Ready')).toMatchObject({ status: 'True', reason: 'AllClustersReady' }), 90_000, 250);
    const agent = await fw('agent');
    expect(agent.status).toMatchObject({ replicas: 2, readyReplicas: 2, decision: { ledgerTxId: expect.any(String) } });
    expect(condition(agent, 'Scheduled')).toMatchObject({ status: 'True', observedGeneration: agent.metadata.generation });
    for (const m of Object.keys(MEMBERS) as Member[]) {
      expect(await ownedIn(m, 'agent')).toEqual(['ConfigMap/agent-settings', 'Deployment/agent']);
      expect((await podsOf(m, 'agent')).map((p) => p.spec?.nodeName)).toEqual([`${m}-n1`]);
    }
    // kstatus: kubectl wait works on it.
    expect(await kubectl(federation.host.access.kubeconfigPath, ['wait', '-n', 'team', '--for=condition=Ready', '--timeout=10s', 'fw/agent'])).toMatchObject({
      code: 0,
    });
  });

  it("runs a dataset Job only on verified nodes of a country its owner's policy allows, to completion", async () => {
    await apply(
      workload('inference', job(), { placement: { countries: { include: ['FR', 'DE'] } }, dataAccess: { datasets: ['patients-fr'], purpose: 'inference' } }),
    );
    await eventually(async () => expect(condition(await fw('inference'), 'Ready')).toMatchObject({ status: 'True', reason: 'JobsComplete' }), 120_000, 250);
    const inference = await fw('inference');
    expect(inference.status?.decision?.placements.map((p) => p.cluster)).toEqual(['paris']);
    expect(inference.status?.clusters).toEqual([expect.objectContaining({ name: 'paris', succeeded: 2 })]);
    expect(new Set((await podsOf('paris', 'inference')).map((p) => p.spec?.nodeName))).toEqual(new Set(['paris-n1']));
    expect(await ownedIn('madrid', 'inference')).toEqual([]);
  });

  it("leaves nothing in any member when the dataset's policy forbids the country, and says why", async () => {
    await apply(
      workload('forbidden', job(), { placement: { countries: { include: ['FR'] } }, dataAccess: { datasets: ['patients-de'], purpose: 'inference' } }),
    );
    // The policy is read from the ledger before deciding: the refusal names the dataset and the countries its owner allows.
    await eventually(
      async () =>
        expect(condition(await fw('forbidden'), 'Scheduled')).toMatchObject({
          status: 'False',
          message: expect.stringContaining('paris: DatasetPolicyRefuses (cluster paris: dataset patients-de may be placed in DE, not FR)'),
        }),
      60_000,
      250,
    );
    for (const m of Object.keys(MEMBERS) as Member[]) expect(await ownedIn(m, 'forbidden')).toEqual([]);
  });

  it('a workload that fits nowhere is Scheduled=False with each cluster’s reason', async () => {
    await apply(workload('nowhere', deployment(1), { placement: { countries: { include: ['IT'] } } }));
    await eventually(async () => expect(condition(await fw('nowhere'), 'Scheduled')).toMatchObject({ status: 'False' }), 60_000, 250);
    const nowhere = await fw('nowhere');
    expect(nowhere.status?.decision?.refused?.map((r) => r.cluster).sort()).toEqual(['madrid', 'paris']);
    expect(condition(nowhere, 'Scheduled')?.message).toMatch(/madrid: .*paris: |paris: .*madrid: /);
  });

  it('restarting the operator creates no duplicates and records no second decision', async () => {
    const before = await fw('agent');
    await operator!.stop();
    operator = undefined;
    await start();
    await new Promise((r) => setTimeout(r, 3_000));
    const after = await fw('agent');
    expect(after.status?.decision?.ledgerTxId).toBe(before.status?.decision?.ledgerTxId);
    for (const m of Object.keys(MEMBERS) as Member[]) {
      expect(await ownedIn(m, 'agent')).toEqual(['ConfigMap/agent-settings', 'Deployment/agent']);
      expect(await podsOf(m, 'agent')).toHaveLength(1);
    }
  });

  it('moves the share of a member whose API server stops, and removes the stale copy when it returns', async () => {
    await apply(
      workload('mover', deployment(1), {
        placement: { clusterAffinity: { clusterNames: ['paris', 'madrid'] }, replicaScheduling: { type: 'Divided', divisionPreference: 'Aggregated' } },
      }),
    );
    const home = await eventually(
      async () => {
        const placed = (await fw('mover')).status?.decision?.placements.map((p) => p.cluster) ?? [];
        expect(placed).toHaveLength(1);
        expect(await ownedIn(placed[0] as Member, 'mover')).toEqual(['Deployment/mover']);
        return placed[0] as Member;
      },
      60_000,
      250,
    );
    const away: Member = home === 'paris' ? 'madrid' : 'paris';
    await federation.member(home).stopApiServer();
    try {
      await eventually(
        async () => {
          const mover = await fw('mover');
          expect(mover.status?.decision?.placements.map((p) => p.cluster)).toEqual([away]);
          expect(condition(mover, 'Scheduled')).toMatchObject({ reason: 'FailedOver' });
          expect(mover.status?.failover?.from).toEqual([home]);
        },
        60_000,
        250,
      ).catch(async (error) => {
        throw new Error(`${(error as Error).message}\nstatus: ${JSON.stringify((await fw('mover')).status)}`);
      });
      await eventually(async () => expect(await ownedIn(away, 'mover')).toEqual(['Deployment/mover']), 30_000, 250);
    } finally {
      await federation.member(home).startApiServer();
    }
    // Back: its stale copy is removed, and the share stays where it moved (failback Never, the default).
    await eventually(async () => expect(await ownedIn(home, 'mover')).toEqual([]), 60_000, 500);
    expect((await fw('mover')).status?.decision?.placements.map((p) => p.cluster)).toEqual([away]);
  }, 200_000);

  it("places a share again when its node's credential is no longer trusted, and removes the old copy", async () => {
    await apply(
      workload('revoked', deployment(1), {
        placement: { clusterAffinity: { clusterNames: ['paris', 'madrid'] }, replicaScheduling: { type: 'Divided', divisionPreference: 'Aggregated' } },
      }),
    );
    const home = await eventually(
      async () => {
        const placed = (await fw('revoked')).status?.decision?.placements.map((p) => p.cluster) ?? [];
        expect(placed).toHaveLength(1);
        expect(await ownedIn(placed[0] as Member, 'revoked')).toEqual(['Deployment/revoked']);
        return placed[0] as Member;
      },
      60_000,
      250,
    );
    const away: Member = home === 'paris' ? 'madrid' : 'paris';
    const txBefore = (await fw('revoked')).status?.decision?.ledgerTxId;
    // The node's credential is replaced by one from an issuer nobody trusts: its verdict turns False.
    const name = `${home}-${home}-n1`;
    const sn = (await custom().getClusterCustomObject({ ...group, plural: 'sovereignnodes', name })) as { spec: { did: string; credential: string } };
    sn.spec.credential = await issueNodeCredential(untrusted.key, {
      subject: sn.spec.did,
      memberCluster: home,
      nodeName: `${home}-n1`,
      countryCode: MEMBERS[home],
      validForSeconds: 86_400,
    });
    await custom().replaceClusterCustomObject({ ...group, plural: 'sovereignnodes', name, body: sn });
    await eventually(
      async () => {
        const revoked = await fw('revoked');
        expect(revoked.status?.decision?.placements.map((p) => p.cluster)).toEqual([away]);
        expect(revoked.status?.decision?.ledgerTxId).not.toBe(txBefore);
        expect(await ownedIn(away, 'revoked')).toEqual(['Deployment/revoked']);
        expect(await ownedIn(home, 'revoked')).toEqual([]);
      },
      60_000,
      250,
    );
  }, 150_000);

  it('deleting a FederatedWorkload leaves nothing behind in any member', async () => {
    await custom().deleteNamespacedCustomObject({ ...group, plural: 'federatedworkloads', namespace: 'team', name: 'agent' });
    await eventually(
      async () => {
        await expect(fw('agent')).rejects.toMatchObject({ code: 404 });
      },
      60_000,
      250,
    );
    for (const m of Object.keys(MEMBERS) as Member[]) expect(await ownedIn(m, 'agent')).toEqual([]);
  }, 90_000);
});
