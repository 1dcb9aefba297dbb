// The real operator process behind fault proxies (test/helpers/fault-proxy.ts) in front of the host and
// one member API server: watches expire with 410 Gone (at once, or by an ERROR event mid-stream) and
// writes are refused with 409 Conflict, at seeded random, while FederatedWorkloads are created, scaled,
// given new images and deleted and nodes are added. The informers must relist and the reconcilers retry
// without losing or duplicating anything: the same rules as after a SIGKILL (invariants.ts).
import { FaultProxy } from '../../helpers/fault-proxy.ts';
import { allProblems } from './invariants.ts';
import { deploymentWorkload, OperatorWorld, type OperatorProcess } from './operator-world.ts';
import { SeededRandom } from './random.ts';

const random = SeededRandom.fromEnv();
const rules = {
  watchGone: 0.15,
  watchExpire: 0.6,
  watchCutMs: [300, 3_000] as [number, number],
  conflict: 0.2,
  // A member that is given few writes would otherwise meet no conflict in about one run in three.
  conflictFirst: 2,
};

let world: OperatorWorld;
let hostProxy: FaultProxy;
let memberProxy: FaultProxy;
let operator: OperatorProcess;

beforeAll(async () => {
  world = await OperatorWorld.start({ members: { paris: 'FR', madrid: 'ES' }, nodesPerMember: 2 });
  const next = () => random.next();
  hostProxy = await FaultProxy.start({
    upstream: world.federation.host.access.server,
    upstreamCa: world.federation.host.access.caPem,
    rules: {},
    random: next,
  });
  const paris = world.federation.member('paris').access;
  memberProxy = await FaultProxy.start({ upstream: paris.server, upstreamCa: paris.caPem, rules: {}, random: next });
  await world.routeMemberVia('paris', memberProxy.url, memberProxy.caPem);
}, 240_000);

afterAll(async () => {
  await operator?.kill();
  await hostProxy?.stop();
  await memberProxy?.stop();
  await world?.stop();
});

const sum = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].reduce((n, m) => n + Number(m[1]), 0);

describe('watches expired (410) and writes refused (409) between the operator and the API servers', () => {
  it('relists and retries: nothing lost, nothing duplicated, every workload converges', async () => {
    console.log(`watch-expiry-conflict: CHAOS_SEED=${random.seed}`);
    // The operator's first host writes are the create of its identity Secret: refused four times, as a
    // racing replica or a busy API server would, the start must still go on (it used to give up after three).
    hostProxy.rules = { ...rules, conflictFirst: 4 };
    memberProxy.rules = rules;
    operator = await world.startOperator({ id: 'proxied', kubeconfigPath: world.hostKubeconfigFileVia(hostProxy.url, hostProxy.caPem) });
    // Compactions: about every second, half of the open watches on each API server expire.
    const compactions = setInterval(() => {
      hostProxy.expireWatches(0.5);
      memberProxy.expireWatches(0.5);
    }, 1_000);
    const deleted = new Map<string, { hadRecordedDecision: boolean }>();
    const names = Array.from({ length: 6 }, (_, i) => `w-${i + 1}`);
    for (const name of names)
      await world.applyWorkload(deploymentWorkload(world.namespace, name, random.int(1, 3), { clusters: random.subset(world.memberNames) }));
    await world.addNode('paris', 'paris-late');
    await new Promise((r) => setTimeout(r, 3_000));
    for (const name of names.slice(0, 2)) {
      const replicas = random.int(1, 4);
      await world.changeWorkload(name, (spec) => void ((spec.template.spec as { replicas: number }).replicas = replicas));
    }
    await new Promise((r) => setTimeout(r, 2_000));
    for (const name of names.slice(2, 4))
      await world.changeWorkload(name, (spec) => {
        (spec.template.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image =
          'registry.example.eu/team/app:3.0';
      });
    await new Promise((r) => setTimeout(r, 2_000));
    await world.changeWorkload(names[0], (spec) => void (spec.placement = { ...spec.placement, clusterAffinity: { clusterNames: ['paris'] } }));
    await world.changeWorkload(names[1], (spec) => void (spec.placement = { ...spec.placement, clusterAffinity: { clusterNames: ['madrid', 'paris'] } }));
    await new Promise((r) => setTimeout(r, 2_000));
    for (const name of names.slice(4)) {
      const fw = (await world.workload(name))!;
      deleted.set(fw.metadata.uid!, { hadRecordedDecision: Boolean(fw.status?.decision?.ledgerTxId) });
      await world.deleteWorkload(name);
    }
    // Faults keep coming while it settles.
    const deadline = Date.now() + 180_000;
    let problems: string[] = [];
    for (;;) {
      problems = await allProblems(world, deleted, true);
      if (!problems.length || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    clearInterval(compactions);
    const metrics = await operator.metrics();
    const restarts = sum(metrics, /^cloud_empire_watch_restarts_total\{[^}]*\} (\d+)/gm);
    const conflicts = sum(metrics, /^cloud_empire_reconcile_total\{[^}]*result="conflict"[^}]*\} (\d+)/gm);
    console.log(
      `watch-expiry-conflict: host ${JSON.stringify(hostProxy.counts)}, paris ${JSON.stringify(memberProxy.counts)}; operator: ${restarts} watch restarts, ${conflicts} reconciles ended in a conflict`,
    );
    expect(problems).toEqual([]);
    expect(operator.process.alive).toBe(true);
    // The faults were really injected, on both API servers.
    for (const proxy of [hostProxy, memberProxy]) {
      expect(proxy.counts.watchesExpired + proxy.counts.watchesGone).toBeGreaterThan(0);
      expect(proxy.counts.writes).toBeGreaterThan(2);
      expect(proxy.counts.conflicts).toBeGreaterThan(0);
    }
    expect(restarts).toBeGreaterThan(0);
  }, 400_000);
});
