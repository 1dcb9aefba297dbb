// The member side of propagation, without the controller or the ledger:
// N FederatedWorkloads rendered and server-side applied straight into three
// members, then run by their kube-scheduler, kube-controller-manager and
// kwok until Ready. The floor under issue 12's `propagation` figures (time
// until every member object exists, workloads/s until all are Ready).
import { AppsV1Api, type V1Deployment } from '@kubernetes/client-node';
import { loadavg } from 'node:os';
import type { FederatedWorkload } from '../src/api/generated/types.ts';
import { withConnectionReuse } from '../src/cluster/keep-alive.ts';
import { MemberPropagation } from '../src/cluster/propagation/apply.ts';
import { MANAGED_SELECTOR } from '../src/cluster/propagation/labels.ts';
import { renderMemberWorkload } from '../src/cluster/propagation/render.ts';
import { createFakeNode } from '../src/controlplane/fake-nodes.ts';
import { LocalFederation } from '../src/controlplane/federation.ts';
import { cpuSeconds, inParallel, rssMiB, summarize, sumByKind } from './stats.ts';

const MEMBERS = ['paris', 'madrid', 'warsaw'] as const;
const COUNTRY = { paris: 'FR', madrid: 'ES', warsaw: 'PL' } as const;
const NODES_PER_MEMBER = 4;
const NAMESPACE = 'bench';
// Goals of issue 12 for the whole pipeline; the substrate alone must beat them.
const GOAL_EXIST_P99_MS = 500;
const GOAL_READY_PER_S = 200;

function workload(i: number): FederatedWorkload {
  const name = `w${i}`;
  return {
    apiVersion: 'cloudempire.eu/v1alpha1',
    kind: 'FederatedWorkload',
    metadata: { namespace: NAMESPACE, name, generation: 1 },
    spec: {
      template: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        spec: {
          replicas: MEMBERS.length,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: 'app', image: 'registry.example.eu/app:1', resources: { requests: { cpu: '10m' } } }] },
          },
        } as FederatedWorkload['spec']['template']['spec'],
      },
    },
  };
}

async function readyCount(apps: AppsV1Api): Promise<number> {
  const list = await apps.listNamespacedDeployment({ namespace: NAMESPACE, labelSelector: MANAGED_SELECTOR });
  return list.items.filter((d: V1Deployment) => (d.status?.readyReplicas ?? 0) >= (d.spec?.replicas ?? 1)).length;
}

/** `workloads` FederatedWorkloads × one replica in each of three members, applied `width` at a time. */
export async function benchMembers(workloads = Number(process.env.BENCH_MEMBERS_WORKLOADS ?? 1000), width = 32): Promise<Record<string, unknown>> {
  const federation = await LocalFederation.start({ members: MEMBERS.map((name) => ({ name })) });
  try {
    const clients = MEMBERS.map((m) => {
      const kc = withConnectionReuse(federation.member(m).kubeConfig());
      return { name: m, kc, propagation: new MemberPropagation(kc), apps: kc.makeApiClient(AppsV1Api) };
    });
    for (const m of MEMBERS) {
      for (let n = 0; n < NODES_PER_MEMBER; n++) {
        await createFakeNode(federation.member(m).kubeConfig(), {
          name: `${m}-${n}`,
          labels: { 'trust.cloudempire.eu/verified': 'true', 'trust.cloudempire.eu/country': COUNTRY[m], 'trust.cloudempire.eu/jurisdiction': 'EU' },
          capacity: { cpu: '1000', memory: '4Ti', pods: String(Math.ceil(workloads / NODES_PER_MEMBER) + 50) },
        });
      }
    }
    console.error(`bench: members: applying ${workloads} workloads into ${MEMBERS.length} members`);
    const existMs: number[] = [];
    const cpuBefore = sumByKind([...federation.processes, { name: 'bench', pid: process.pid }], cpuSeconds);
    const t0 = performance.now();
    await inParallel(
      Array.from({ length: workloads }, (_, i) => i),
      width,
      async (i) => {
        const fw = workload(i);
        const start = performance.now();
        await Promise.all(
          clients.map((c) =>
            c.propagation.apply([
              renderMemberWorkload({ workload: fw, placement: { cluster: c.name, replicas: 1 }, countries: [COUNTRY[c.name]], jurisdictions: ['EU'] }),
            ]),
          ),
        );
        existMs.push(performance.now() - start);
      },
    );
    const allExistMs = performance.now() - t0;
    console.error(`bench: members: all exist after ${Math.round(allExistMs)} ms; waiting for Ready`);
    let ready = 0;
    const deadline = Date.now() + 600_000;
    while (Date.now() < deadline) {
      ready = (await Promise.all(clients.map((c) => readyCount(c.apps)))).reduce((a, b) => a + b, 0);
      if (ready >= workloads * MEMBERS.length) break;
      // Listing every Deployment of three members is not free for their API servers: poll once a second.
      await new Promise((r) => setTimeout(r, 1000));
    }
    const allReadyMs = performance.now() - t0;
    const memory = sumByKind(federation.processes, rssMiB);
    const cpuAfter = sumByKind([...federation.processes, { name: 'bench', pid: process.pid }], cpuSeconds);
    const cpuByComponent = Object.fromEntries(Object.entries(cpuAfter).map(([kind, s]) => [kind, Number((s - (cpuBefore[kind] ?? 0)).toFixed(1))]));
    const cpuTotal = Object.values(cpuByComponent).reduce((a, b) => a + b, 0);
    const exist = summarize(existMs, 1);
    const readyPerS = Number(((workloads * 1000) / allReadyMs).toFixed(1));
    return {
      topology: `host + ${MEMBERS.length} members (kube-apiserver, kube-scheduler, kube-controller-manager, kwok), ${NODES_PER_MEMBER} fake nodes each, one etcd; no controller, no ledger`,
      workloads,
      memberObjects: workloads * MEMBERS.length,
      applyWidth: width,
      applyToExistMs: exist,
      allExistMs: Math.round(allExistMs),
      existPerS: Number(((workloads * 1000) / allExistMs).toFixed(1)),
      allReadyMs: Math.round(allReadyMs),
      readyMemberObjects: ready,
      readyWorkloadsPerS: readyPerS,
      goals: { existP99Ms: GOAL_EXIST_P99_MS, readyWorkloadsPerS: GOAL_READY_PER_S },
      ratios: { existP99ToGoal: Number((exist.p99 / GOAL_EXIST_P99_MS).toFixed(2)), readyPerSToGoal: Number((readyPerS / GOAL_READY_PER_S).toFixed(2)) },
      // What the run cost in CPU, whatever else the machine ran: on a machine of its own with
      // C cores, workloads/s to Ready is bounded by about C / cpuSecondsPerWorkload.
      cpuSecondsByComponent: cpuByComponent,
      cpuSecondsPerWorkload: Number((cpuTotal / workloads).toFixed(3)),
      loadAverage1m: Number(loadavg()[0].toFixed(1)),
      rssMiBByComponent: memory,
      benchProcessRssMiB: Number((process.memoryUsage().rss / 2 ** 20).toFixed(1)),
    };
  } finally {
    await federation.stop();
  }
}
