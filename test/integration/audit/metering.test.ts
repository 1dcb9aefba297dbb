// GPU metering on a real local federation: kwok runs a labelled Job pod
// holding two GPUs of a verified pool node for a few seconds, and the
// operator's meter records its interval in the journal beside the ledger,
// priced, with the node's DID; the export endpoint serves it to a service
// account that RBAC allows, after a real TokenReview and SubjectAccessReview.
import { BatchV1Api, CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedIntervals } from '../../../src/audit/metering-log.ts';
import type { MeteringRecord } from '../../../src/audit/records.ts';
import { createFakeNode } from '../../../src/controlplane/fake-nodes.ts';
import { LocalFederation } from '../../../src/controlplane/federation.ts';
import { AUDIT_EXPORT_PATH, auditExportRoute, kubeAuthorizer } from '../../../src/operator/audit-route.ts';
import { startHttp } from '../../../src/operator/http.ts';
import { startOperator, type RunningOperator } from '../../../src/operator/operator.ts';
import { issueNodeCredential, newIdentity } from '../../../src/trust/issue.ts';
import { capturingLogger } from '../../helpers/secret-scan.ts';
import { eventually, installCrds, prepareOperatorHost, registerMemberCluster } from '../federation.ts';

let federation: LocalFederation;
let operator: RunningOperator;
let ledgerDir: string;
const api = (plural: string) => ({ group: 'cloudempire.eu', version: 'v1alpha1', plural });
const host = () => federation.host.kubeConfig();
const member = () => federation.member('nice').kubeConfig();
const custom = () => host().makeApiClient(CustomObjectsApi);
const issuer = newIdentity({ method: 'key' });
const node = newIdentity({ method: 'key' });
const logs = capturingLogger();

async function intervals(): Promise<MeteringRecord[]> {
  const out: MeteringRecord[] = [];
  for await (const interval of closedIntervals(ledgerDir)) out.push(interval);
  return out;
}

beforeAll(async () => {
  federation = await LocalFederation.start({ members: [{ name: 'nice', workloads: true }] });
  await installCrds(federation.host.access.kubeconfigPath);
  await prepareOperatorHost(host(), issuer.did, []);
  await createFakeNode(member(), { name: 'gpu-1', labels: { pool: 'h100' }, capacity: { cpu: '64', memory: '512Gi', 'nvidia.com/gpu': '4' } });
  const credential = await issueNodeCredential(issuer.key, {
    subject: node.did,
    memberCluster: 'nice',
    nodeName: 'gpu-1',
    countryCode: 'FR',
    validForSeconds: 86_400,
  });
  await custom().createClusterCustomObject({
    ...api('sovereignnodes'),
    body: {
      apiVersion: 'cloudempire.eu/v1alpha1',
      kind: 'SovereignNode',
      metadata: { name: 'nice-gpu-1' },
      spec: { memberCluster: 'nice', nodeName: 'gpu-1', did: node.did, credential },
    },
  });
  await registerMemberCluster(host(), { name: 'nice', kubeconfig: federation.member('nice').kubeconfigFor(), country: 'FR', provider: 'scaleway' });
  await custom().createClusterCustomObject({
    ...api('gpupools'),
    body: {
      apiVersion: 'cloudempire.eu/v1alpha1',
      kind: 'GpuPool',
      metadata: { name: 'nice-h100' },
      spec: {
        memberCluster: 'nice',
        nodeSelector: { matchLabels: { pool: 'h100' } },
        resourceName: 'nvidia.com/gpu',
        model: 'NVIDIA-H100-80GB-HBM3',
        provider: 'scaleway',
        pricePerGpuHour: { amount: '3.60', currency: 'EUR' },
      },
    },
  });
  ledgerDir = mkdtempSync(join(tmpdir(), 'cloud-empire-ledger-'));
  operator = await startOperator({ host: host(), namespace: 'cloud-empire', ledgerDir, log: logs.log, probeIntervalMs: 500 });
}, 180_000);

afterAll(async () => {
  await operator?.stop();
  await federation?.stop();
  if (ledgerDir) rmSync(ledgerDir, { recursive: true, force: true });
});

describe('GPU metering', () => {
  it('meters a labelled GPU pod from running to finished', async () => {
    // The pool label comes from the GpuPool controller once the node is verified.
    await eventually(
      async () => expect((await member().makeApiClient(CoreV1Api).readNode({ name: 'gpu-1' })).metadata?.labels?.['gpu.cloudempire.eu/pool']).toBe('nice-h100'),
      60_000,
    );
    await member()
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name: 'research' } } });
    await member()
      .makeApiClient(BatchV1Api)
      .createNamespacedJob({
        namespace: 'research',
        body: {
          metadata: { name: 'llm', labels: { 'cloudempire.eu/workload': 'research.llm', 'cloudempire.eu/managed-by': 'cloud-empire' } },
          spec: {
            backoffLimit: 0,
            template: {
              metadata: { labels: { 'cloudempire.eu/workload': 'research.llm' }, annotations: { 'pod-complete.stage.kwok.x-k8s.io/delay': '3s' } },
              spec: {
                restartPolicy: 'Never',
                nodeSelector: { 'gpu.cloudempire.eu/pool': 'nice-h100' },
                tolerations: [{ operator: 'Exists' }],
                containers: [{ name: 'infer', image: 'registry.example.eu/llm:1', resources: { limits: { 'nvidia.com/gpu': '2' } } }],
              },
            },
          },
        },
      });
    const [interval] = await eventually(
      async () => {
        const closed = await intervals();
        expect(closed).toHaveLength(1);
        return closed;
      },
      90_000,
      250,
    );
    expect(interval).toMatchObject({
      namespace: 'research',
      name: 'llm',
      memberCluster: 'nice',
      pool: 'nice-h100',
      nodeName: 'gpu-1',
      nodeDid: node.did,
      country: 'FR',
      provider: 'scaleway',
      gpus: 2,
      resourceName: 'nvidia.com/gpu',
      gpuModel: 'NVIDIA-H100-80GB-HBM3',
      pricePerGpuHour: 3.6,
      currency: 'EUR',
      endEstimated: false,
    });
    // kwok holds the pod Running for 3 s; the meter sees the end within its reaction time.
    const seconds = (interval.end - interval.start) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(2);
    expect(seconds).toBeLessThan(30);
    expect(interval.gpuHours).toBeCloseTo((2 * seconds) / 3600, 9);
    expect(interval.cost).toBeCloseTo(interval.gpuHours * 3.6, 9);
  }, 150_000);

  it('serves the export only to a caller that RBAC allows to get /audit/export', async () => {
    const core = host().makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: 'cloud-empire', body: { metadata: { name: 'finance-exporter' } } });
    const token = (
      await core.createNamespacedServiceAccountToken({
        name: 'finance-exporter',
        namespace: 'cloud-empire',
        body: { spec: { audiences: [], expirationSeconds: 600 } },
      })
    ).status!.token;
    const http = await startHttp({
      host: '127.0.0.1',
      port: 0,
      ready: () => true,
      routes: { [AUDIT_EXPORT_PATH]: auditExportRoute({ ledgerDir, fabric: false, authorizer: kubeAuthorizer(host()), log: logs.log }) },
    });
    try {
      const get = (bearer?: string) =>
        fetch(`http://${http.address}${AUDIT_EXPORT_PATH}?kind=metering&format=focus`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
      expect((await get()).status).toBe(401);
      expect((await get('not-a-token')).status).toBe(401);
      const forbidden = await get(token);
      expect([forbidden.status, await forbidden.text()]).toEqual([403, 'system:serviceaccount:cloud-empire:finance-exporter may not get /audit/export\n']);
      const rbac = host().makeApiClient(RbacAuthorizationV1Api);
      await rbac.createClusterRole({
        body: { metadata: { name: 'cloud-empire-audit-export' }, rules: [{ nonResourceURLs: [AUDIT_EXPORT_PATH], verbs: ['get'] }] },
      });
      await rbac.createClusterRoleBinding({
        body: {
          metadata: { name: 'finance-exporter-audit' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cloud-empire-audit-export' },
          subjects: [{ kind: 'ServiceAccount', name: 'finance-exporter', namespace: 'cloud-empire' }],
        },
      });
      const allowed = await eventually(async () => {
        const answer = await get(token);
        expect(answer.status).toBe(200);
        return Buffer.from(await answer.arrayBuffer());
      });
      expect(allowed.subarray(0, 4).toString()).toBe('PAR1');
      expect(allowed.subarray(-4).toString()).toBe('PAR1');
    } finally {
      await http.close();
    }
  }, 60_000);
});
