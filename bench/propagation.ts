// Issue 12's `propagation` figures through the whole pipeline: the operator
// (every controller, embedded ledger) on host + three members with
// kube-scheduler, kube-controller-manager and kwok. (a) a steady rate of
// FederatedWorkloads: time from apply until every member object exists;
// (b) a burst applied at once: time until all exist and until all are Ready;
// the operator's RSS (it runs in this process) throughout.
import { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FederatedWorkload } from '../src/api/generated/types.ts';
import { withConnectionReuse } from '../src/cluster/keep-alive.ts';
import { REPO_ROOT } from '../src/controlplane/binaries.ts';
import { createFakeNode } from '../src/controlplane/fake-nodes.ts';
import { LocalFederation } from '../src/controlplane/federation.ts';
import { kubectl } from '../src/controlplane/kubectl.ts';
import { createLogger } from '../src/logging/logger.ts';
import { startOperator } from '../src/operator/operator.ts';
import { issueNodeCredential, newIdentity } from '../src/trust/issue.ts';
import { inParallel, summarize } from './stats.ts';

const MEMBERS = { paris: 'FR', madrid: 'ES', warsaw: 'PL' } as const;
type Member = keyof typeof MEMBERS;
const NODES_PER_MEMBER = 4;
const NAMESPACE = 'bench';
const group = { group: 'cloudempire.eu', version: 'v1alpha1' };
// Goals of issue 12.
const GOAL_EXIST_P99_MS = 500;
const GOAL_PER_S = 200;
const GOAL_RSS_MIB = 300;

function workload(name: string): FederatedWorkload {
  return {
    apiVersion: 'cloudempire.eu/v1alpha1',
    kind: 'FederatedWorkload',
    metadata: { namespace: NAMESPACE, name },
    spec: {
      template: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: 'app', image: 'registry.example.eu/app:1', resources: { requests: { cpu: '1m', memory: '1Mi' } } }] },
          },
        } as FederatedWorkload['spec']['template']['spec'],
      },
      placement: { spreadConstraints: [{ by: 'cluster', minGroups: 3 }] },
    },
  };
}

export async function benchPropagation(
  rate = Number(process.env.BENCH_PROPAGATION_RATE ?? 50),
  seconds = Number(process.env.BENCH_PROPAGATION_SECONDS ?? 20),
  burst = Number(process.env.BENCH_PROPAGATION_BURST ?? 1000),
): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'cloud-empire-bench-'));
  const federation = await LocalFederation.start({ members: Object.keys(MEMBERS).map((name) => ({ name })) });
  let stopOperator: (() => Promise<void>) | undefined;
  try {
    const host = withConnectionReuse(federation.host.kubeConfig());
    const custom = host.makeApiClient(CustomObjectsApi);
    const core = host.makeApiClient(CoreV1Api);
    const kubeconfig = federation.host.access.kubeconfigPath;
    if ((await kubectl(kubeconfig, ['apply', '--server-side', '-f', join(REPO_ROOT, 'crds')])).code !== 0) throw new Error('cannot install the CRDs');
    await kubectl(kubeconfig, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '-l', 'app.kubernetes.io/part-of=cloud-empire']);
    for (const namespace of ['cloud-empire', NAMESPACE]) await core.createNamespace({ body: { metadata: { name: namespace } } });
    const issuer = newIdentity({ method: 'key' });
    const anchors = `issuers: [{did: "${issuer.did}", name: bench}]\naudience: urn:bench\nrequireProofOfPossession: false\n`;
    await core.createNamespacedConfigMap({
      namespace: 'cloud-empire',
      body: { metadata: { name: 'cloud-empire-trust-anchors' }, data: { 'trust-anchors.yaml': anchors } },
    });
    const pods = String(Math.ceil((rate * seconds + burst) / NODES_PER_MEMBER) + 50);
    for (const m of Object.keys(MEMBERS) as Member[]) {
      await core.createNamespacedSecret({
        namespace: 'cloud-empire',
        body: { metadata: { name: `${m}-kubeconfig` }, stringData: { kubeconfig: federation.member(m).kubeconfigFor() } },
      });
      await custom.createClusterCustomObject({
        ...group,
        plural: 'memberclusters',
        body: {
          apiVersion: 'cloudempire.eu/v1alpha1',
          kind: 'MemberCluster',
          metadata: { name: m },
          spec: { kubeconfigSecretRef: { name: `${m}-kubeconfig`, namespace: 'cloud-empire' }, country: MEMBERS[m], provider: `${m}-cloud` },
        },
      });
      for (let n = 0; n < NODES_PER_MEMBER; n++) {
        const nodeName = `${m}-${n}`;
        await createFakeNode(federation.member(m).kubeConfig(), { name: nodeName, capacity: { cpu: '1000', memory: '4Ti', pods } });
        const node = newIdentity({ method: 'key' });
        const credential = await issueNodeCredential(issuer.key, {
          subject: node.did,
          memberCluster: m,
          nodeName,
          countryCode: MEMBERS[m],
          validForSeconds: 86_400,
        });
        await custom.createClusterCustomObject({
          ...group,
          plural: 'sovereignnodes',
          body: {
            apiVersion: 'cloudempire.eu/v1alpha1',
            kind: 'SovereignNode',
            metadata: { name: nodeName },
            spec: { memberCluster: m, nodeName, did: node.did, credential },
          },
        });
      }
    }
    const operator = await startOperator({
      host,
      namespace: 'cloud-empire',
      ledgerDir: join(dir, 'ledger'),
      log: createLogger({ level: 'error' }),
      probeIntervalMs: 2_000,
    });
    stopOperator = () => operator.stop();
    // Verified capacity everywhere before the first workload.
    for (const deadline = Date.now() + 120_000; ;) {
      const list = (await custom.listClusterCustomObject({ ...group, plural: 'memberclusters' })) as {
        items: { status?: { verifiedResources?: { cpuMillis?: number } } }[];
      };
      if (list.items.every((m) => (m.status?.verifiedResources?.cpuMillis ?? 0) > 0)) break;
      if (Date.now() > deadline) throw new Error('the members never reported verified capacity');
      await new Promise((r) => setTimeout(r, 500));
    }

    // When each workload's three member Deployments first exist, from polling the members' lists.
    const firstSeen = new Map<string, number>();
    const seenIn = new Map<string, Set<string>>();
    let polling = true;
    const poller = (async () => {
      const apps = (Object.keys(MEMBERS) as Member[]).map((m) => ({ m, api: withConnectionReuse(federation.member(m).kubeConfig()).makeApiClient(AppsV1Api) }));
      while (polling) {
        await Promise.all(
          apps.map(async ({ m, api }) => {
            const list = await api.listNamespacedDeployment({ namespace: NAMESPACE }).catch(() => ({ items: [] }));
            const now = performance.now();
            for (const d of list.items) {
              const name = d.metadata!.name!;
              const seen = seenIn.get(name) ?? new Set<string>();
              seen.add(m);
              seenIn.set(name, seen);
              if (seen.size === 3 && !firstSeen.has(name)) firstSeen.set(name, now);
            }
          }),
        );
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    let rssMax = 0;
    const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss / 2 ** 20)), 250);
    const create = async (name: string, applied: Map<string, number>) => {
      applied.set(name, performance.now());
      await custom.createNamespacedCustomObject({ ...group, plural: 'federatedworkloads', namespace: NAMESPACE, body: workload(name) });
    };
    const waitExist = async (names: string[], timeoutMs: number) => {
      for (const deadline = Date.now() + timeoutMs; names.some((n) => !firstSeen.has(n)) && Date.now() < deadline;)
        await new Promise((r) => setTimeout(r, 100));
    };

    // (a) steady rate
    console.error(`bench: propagation: ${rate}/s for ${seconds} s`);
    const steadyApplied = new Map<string, number>();
    const steady = Array.from({ length: rate * seconds }, (_, i) => `s${i}`);
    const t0 = performance.now();
    await Promise.all(
      steady.map(async (name, i) => {
        const due = t0 + (i * 1000) / rate;
        await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
        await create(name, steadyApplied);
      }),
    );
    await waitExist(steady, 120_000);
    const steadyExist = steady.filter((n) => firstSeen.has(n)).map((n) => firstSeen.get(n)! - steadyApplied.get(n)!);

    // (b) burst
    console.error(`bench: propagation: ${burst} at once`);
    const burstApplied = new Map<string, number>();
    const burstNames = Array.from({ length: burst }, (_, i) => `b${i}`);
    const t1 = performance.now();
    await inParallel(burstNames, 32, (name) => create(name, burstApplied));
    await waitExist(burstNames, 600_000);
    const allExistMs = Math.max(...burstNames.map((n) => firstSeen.get(n) ?? Infinity)) - t1;
    let ready = 0;
    for (const deadline = Date.now() + 600_000; Date.now() < deadline;) {
      const list = (await custom.listNamespacedCustomObject({ ...group, plural: 'federatedworkloads', namespace: NAMESPACE })) as {
        items: FederatedWorkload[];
      };
      ready = list.items.filter((w) => w.metadata.name!.startsWith('b') && w.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
      if (ready >= burst) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const allReadyMs = performance.now() - t1;
    polling = false;
    await poller;
    clearInterval(rssTimer);
    const exist = summarize(steadyExist, 1);
    const existPerS = Number(((burst * 1000) / allExistMs).toFixed(1));
    const readyPerS = Number(((ready * 1000) / allReadyMs).toFixed(1));
    return {
      topology: `host + ${Object.keys(MEMBERS).length} members (kube-apiserver, kube-scheduler, kube-controller-manager, kwok), ${NODES_PER_MEMBER} verified fake nodes each; the operator with every controller and the embedded ledger in this process`,
      workload: 'Deployment, 3 replicas spread over the 3 members (3 member objects per FederatedWorkload)',
      steady: { rate, seconds, applied: steady.length, existed: steadyExist.length, applyToAllMemberObjectsMs: exist },
      burst: { workloads: burst, allExistMs: Math.round(allExistMs), existPerS, ready, allReadyMs: Math.round(allReadyMs), readyPerS },
      operatorRssMiBMax: Number(rssMax.toFixed(1)),
      goals: { existP99Ms: GOAL_EXIST_P99_MS, workloadsPerS: GOAL_PER_S, rssMiB: GOAL_RSS_MIB },
      ratios: {
        existP99ToGoal: Number((exist.p99 / GOAL_EXIST_P99_MS).toFixed(2)),
        existPerSToGoal: Number((existPerS / GOAL_PER_S).toFixed(2)),
        readyPerSToGoal: Number((readyPerS / GOAL_PER_S).toFixed(2)),
        rssToGoal: Number((rssMax / GOAL_RSS_MIB).toFixed(2)),
      },
      loadAverage1m: Number(loadavg()[0].toFixed(1)),
    };
  } finally {
    await stopOperator?.();
    await federation.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
