// SIGKILL the real operator process at random (seeded) points while SovereignNodes are verified,
// GpuPools appear and FederatedWorkloads are created, scaled, given new images, re-placed and deleted;
// restart it each time. After every restart the rules that hold at any instant are checked; at the
// end, once settled, all of them (see invariants.ts). CHAOS_KILLS (default 6; `npm run chaos`: 50)
// and CHAOS_SEED (printed; set it to replay a run) steer it.
import { allProblems } from './invariants.ts';
import { deploymentWorkload, OperatorWorld, type OperatorProcess } from './operator-world.ts';
import { countFromEnv, SeededRandom } from './random.ts';

const KILLS = countFromEnv('CHAOS_KILLS', 6);
const random = SeededRandom.fromEnv();
const MEMBERS = { paris: 'FR', madrid: 'ES' };

let world: OperatorWorld;
let operator: OperatorProcess;
const live: string[] = [];
const deleted = new Map<string, { hadRecordedDecision: boolean }>();
let created = 0;
let nodesAdded = 0;
let poolsAdded = 0;

beforeAll(async () => {
  world = await OperatorWorld.start({ members: MEMBERS, nodesPerMember: 2 });
}, 240_000);

afterAll(async () => {
  await world?.stop();
});

/** One random change the operator has to act on; returns what it did, for the replay log. */
async function change(forced?: 'delete'): Promise<string> {
  const members = world.memberNames;
  const action =
    forced && live.length
      ? forced
      : live.length < 3
        ? 'create'
        : random.pick(['create', 'create', 'scale', 'image', 'replace', 'delete', ...(live.length > 5 ? (['delete'] as const) : []), 'node', 'pool'] as const);
  switch (action) {
    case 'create': {
      const name = `fw-${++created}`;
      await world.applyWorkload(deploymentWorkload(world.namespace, name, random.int(1, 3), { clusters: random.subset(members) }));
      live.push(name);
      return `create ${name}`;
    }
    case 'scale': {
      const name = random.pick(live);
      const replicas = random.int(1, 4);
      await world.changeWorkload(name, (spec) => void ((spec.template.spec as { replicas: number }).replicas = replicas));
      return `scale ${name} to ${replicas}`;
    }
    case 'image': {
      const name = random.pick(live);
      const image = `registry.example.eu/team/app:1.${random.int(1, 99)}`;
      await world.changeWorkload(name, (spec) => {
        (spec.template.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image = image;
      });
      return `image ${name} ${image}`;
    }
    case 'replace': {
      const name = random.pick(live);
      const clusters = random.subset(members);
      await world.changeWorkload(name, (spec) => void (spec.placement = { ...spec.placement, clusterAffinity: { clusterNames: clusters } }));
      return `re-place ${name} on ${clusters.join(',')}`;
    }
    case 'delete': {
      const name = live.splice(random.int(0, live.length - 1), 1)[0];
      const fw = await world.workload(name);
      if (fw?.metadata.uid) deleted.set(fw.metadata.uid, { hadRecordedDecision: Boolean(fw.status?.decision?.ledgerTxId) });
      await world.deleteWorkload(name);
      return `delete ${name}`;
    }
    case 'node': {
      const member = random.pick(members);
      const node = `${member}-x${++nodesAdded}`;
      await world.addNode(member, node);
      return `node ${node}`;
    }
    case 'pool': {
      const member = random.pick(members);
      const pool = `${member}-h100-${++poolsAdded}`;
      await world.addGpuPool(member, pool);
      return `pool ${pool}`;
    }
  }
}

const reconcileCount = async (op: OperatorProcess) => {
  const text = await op.metrics().catch(() => '');
  return [...text.matchAll(/^cloud_empire_reconcile_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
};
const queued = async (op: OperatorProcess) => {
  const text = await op.metrics().catch(() => '');
  return [...text.matchAll(/^cloud_empire_workqueue_depth\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
};

describe('the operator SIGKILLed at random points and restarted', () => {
  it(`${KILLS} kills leave no duplicate, no orphan, every decision recorded once, and converge`, async () => {
    console.log(`operator-kill: CHAOS_SEED=${random.seed} CHAOS_KILLS=${KILLS} (set both to replay this run)`);
    const started = Date.now();
    operator = await world.startOperator({ id: 'op-0' });
    let busyKills = 0;
    for (let kill = 1; kill <= KILLS; kill++) {
      const changes: string[] = [];
      for (let n = random.int(1, 3); n > 0; n--) changes.push(await change());
      // Every third round deletes one too, so every run has finalizers cut off mid-cleanup.
      if (kill % 3 === 0) changes.push(await change('delete'));
      const delayMs = random.int(0, 1_500);
      await new Promise((r) => setTimeout(r, Math.max(0, delayMs - 150)));
      const before = await reconcileCount(operator);
      await new Promise((r) => setTimeout(r, Math.min(150, delayMs)));
      // Busy: reconciles finished in the last 150 ms or keys waiting: the kill lands amid reconciles.
      const busy = (await reconcileCount(operator)) !== before || (await queued(operator)) > 0;
      if (busy) busyKills++;
      await operator.kill();
      console.log(`kill ${kill}/${KILLS} after ${delayMs} ms${busy ? ' (reconciling)' : ''}: ${changes.join('; ')}`);
      operator = await world.startOperator({ id: `op-${kill}` });
      const problems = await allProblems(world, deleted, false);
      expect({ kill, problems }).toEqual({ kill, problems: [] });
    }
    // Settled: every rule, including convergence of status and member objects.
    let last: string[] = [];
    const deadline = Date.now() + 180_000;
    for (;;) {
      last = await allProblems(world, deleted, true);
      if (!last.length || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    console.log(
      `operator-kill: ${KILLS} kills (${busyKills} amid reconciles), ${created} workloads created, ${deleted.size} deleted, ${nodesAdded} nodes and ${poolsAdded} pools added; settled ${last.length ? 'NOT ' : ''}after ${Math.round((Date.now() - started) / 1000)} s`,
    );
    if (last.length) console.log(`operator-kill: members when it did not settle:\n${await world.diagnose()}`);
    expect(last).toEqual([]);
    expect(busyKills).toBeGreaterThan(0);
  }, 1_800_000);
});
