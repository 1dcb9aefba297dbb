// Two operator replicas with leader election; a FederatedWorkload's image changes across both members and
// the leader is SIGKILLed a random (seeded) moment later, in the middle of the rollout. The standby must
// take over within the lease, finish the rollout, and nothing may be written twice: the decision stays the
// one on the ledger, each member Deployment's spec changes once (generation +1, the image never goes back),
// and the ledger holds no new decision for a change that moves nothing. Repeated ROUNDS times.
import { CoordinationV1Api } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { AppsV1Api } from '@kubernetes/client-node';
import { allProblems, readLedger } from './invariants.ts';
import { deploymentWorkload, OPERATOR_NAMESPACE, OperatorWorld, type OperatorProcess } from './operator-world.ts';
import { countFromEnv, SeededRandom } from './random.ts';

const ROUNDS = countFromEnv('CHAOS_LEADER_ROUNDS', 2);
const LEASE_MS = 3_000;
const random = SeededRandom.fromEnv();

let world: OperatorWorld;
const replicas: OperatorProcess[] = [];
let started = 0;

beforeAll(async () => {
  world = await OperatorWorld.start({ members: { paris: 'FR', madrid: 'ES' }, nodesPerMember: 2 });
}, 240_000);

afterAll(async () => {
  await world?.stop();
});

const startReplica = async () => {
  const replica = await world.startOperator({ id: `replica-${++started}`, lease: `${LEASE_MS}ms` });
  replicas.push(replica);
  return replica;
};
const frozen = new Set<OperatorProcess>();
const alive = () => replicas.filter((r) => r.process.alive && !frozen.has(r));

async function leader(): Promise<OperatorProcess> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const flags = await Promise.all(alive().map((r) => r.isLeader().catch(() => false)));
    const leaders = alive().filter((_, i) => flags[i]);
    if (leaders.length === 1) return leaders[0];
    if (leaders.length > 1) throw new Error(`two leaders at once: ${leaders.map((l) => l.id).join(', ')}`);
    if (Date.now() > deadline) throw new Error('no leader elected within 20 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const image = (n: number) => `registry.example.eu/team/app:2.${n}`;

/** Member Deployment generation and image, sampled. */
async function memberDeployment(member: string): Promise<{ generation: number; image: string } | undefined> {
  try {
    const d = await world.member(member).makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: world.namespace, name: 'rollout' });
    return { generation: d.metadata!.generation!, image: d.spec!.template.spec!.containers[0].image! };
  } catch {
    return undefined;
  }
}

describe('two replicas, the leader SIGKILLed during a rollout', () => {
  it(`the standby takes over within the lease and completes the rollout without a second writer (${ROUNDS} rounds)`, async () => {
    console.log(`leader-kill: CHAOS_SEED=${random.seed} CHAOS_LEADER_ROUNDS=${ROUNDS}`);
    await startReplica();
    await startReplica();
    await world.applyWorkload(
      deploymentWorkload(world.namespace, 'rollout', 2, { image: image(0), spec: { placement: { spreadConstraints: [{ by: 'cluster', minGroups: 2 }] } } }),
    );
    const readyAt = async (generation: number) => {
      const fw = await world.workload('rollout');
      const ready = fw?.status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'True' && ready.observedGeneration === generation && fw!.metadata.generation === generation;
    };
    const waitReady = async (generation: number, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await readyAt(generation))) {
        if (Date.now() > deadline) throw new Error(`not Ready at generation ${generation}: ${JSON.stringify((await world.workload('rollout'))?.status)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await waitReady(1, 90_000);
    const takeovers: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const current = await leader();
      const before = await world.workload('rollout');
      const txBefore = before!.status!.decision!.ledgerTxId;
      const decisionsBefore = (await readLedger(world)).placements.length;
      const deployments = new Map(await Promise.all(world.memberNames.map(async (m) => [m, (await memberDeployment(m))!] as const)));
      const lease = await world.host().makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'cloud-empire-operator', namespace: OPERATOR_NAMESPACE });

      await world.changeWorkload('rollout', (spec) => {
        (spec.template.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image = image(round);
      });
      const delayMs = random.int(0, 400);
      await new Promise((r) => setTimeout(r, delayMs));
      await current.kill();
      const killedAt = Date.now();
      const standby = await leader();
      const takeoverMs = Date.now() - killedAt;
      takeovers.push(takeoverMs);
      console.log(`round ${round}: leader ${current.id} killed ${delayMs} ms into the rollout; ${standby.id} leads after ${takeoverMs} ms`);

      // Sampled while the rollout finishes: the decision never changes, a member's image never goes back.
      const seen = new Map(world.memberNames.map((m) => [m, [deployments.get(m)!.image]]));
      const generation = before!.metadata.generation! + 1;
      const deadline = Date.now() + 90_000;
      while (!(await readyAt(generation))) {
        if (Date.now() > deadline) throw new Error(`round ${round}: not Ready: ${JSON.stringify((await world.workload('rollout'))?.status)}`);
        const sample = await world.workload('rollout');
        // No flapping: the placement stays Scheduled on the same ledger decision throughout.
        expect({ tx: sample?.status?.decision?.ledgerTxId, scheduled: sample?.status?.conditions?.find((c) => c.type === 'Scheduled')?.status }).toEqual({
          tx: txBefore,
          scheduled: 'True',
        });
        for (const m of world.memberNames) {
          const now = (await memberDeployment(m))?.image;
          const images = seen.get(m)!;
          if (now && images[images.length - 1] !== now) images.push(now);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const m of world.memberNames) {
        const after = (await memberDeployment(m))!;
        const images = seen.get(m)!;
        if (images[images.length - 1] !== after.image) images.push(after.image);
        expect({ member: m, images, generation: after.generation }).toEqual({
          member: m,
          images: [image(round - 1), image(round)],
          generation: deployments.get(m)!.generation + 1,
        });
      }
      expect((await world.workload('rollout'))?.status?.decision?.ledgerTxId).toBe(txBefore);
      expect((await readLedger(world)).placements.length).toBe(decisionsBefore);
      const leaseAfter = await world
        .host()
        .makeApiClient(CoordinationV1Api)
        .readNamespacedLease({ name: 'cloud-empire-operator', namespace: OPERATOR_NAMESPACE });
      expect(leaseAfter.spec?.holderIdentity).toBe(standby.id);
      expect(leaseAfter.spec?.leaseTransitions).toBe((lease.spec?.leaseTransitions ?? 0) + 1);
      // Within the lease (the old holder's lease must lapse first) plus a few retry periods on a loaded machine.
      expect(takeoverMs).toBeLessThan(LEASE_MS + 2_900);
      await startReplica(); // the next standby
    }
    expect(await allProblems(world, new Map(), true)).toEqual([]);
    console.log(`leader-kill: takeover after the leader's SIGKILL ${takeovers.join(', ')} ms (lease ${LEASE_MS} ms)`);
  }, 600_000);

  it('a leader frozen (SIGSTOP) past its lease and woken after the standby took over writes nothing twice', async () => {
    const sleeper = await leader();
    const pid = sleeper.process.pid!;
    // Work in flight at the freeze: new decisions for the ledger and a template change for the members.
    const names = ['late-1', 'late-2', 'late-3'];
    for (const name of names) await world.applyWorkload(deploymentWorkload(world.namespace, name, 1));
    await world.changeWorkload('rollout', (spec) => {
      (spec.template.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image = image(99);
    });
    await new Promise((r) => setTimeout(r, random.int(0, 300)));
    process.kill(pid, 'SIGSTOP');
    frozen.add(sleeper);
    try {
      const standby = await leader();
      expect(standby.id).not.toBe(sleeper.id);
      // The new leader decides and records meanwhile.
      for (const name of names) {
        const deadline = Date.now() + 60_000;
        while (!(await world.workload(name))?.status?.decision?.ledgerTxId) {
          if (Date.now() > deadline) throw new Error(`${name} not decided by ${standby.id}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    } finally {
      process.kill(pid, 'SIGCONT');
      frozen.delete(sleeper);
    }
    // Awake: it finds the lease gone and stops; whatever it had in flight must not corrupt anything.
    await new Promise((r) => setTimeout(r, 5_000));
    const deadline = Date.now() + 90_000;
    let problems: string[] = [];
    for (;;) {
      problems = await allProblems(world, new Map(), true);
      if (!problems.length || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const log = readFileSync(sleeper.process.logFile, 'utf8');
    const count = (text: string) => log.split(text).length - 1;
    console.log(
      `leader-kill: the woken replica had ${count('member writes refused')} member write(s), ${count('member Node writes refused')} member Node write(s) and ${count('host writes of')} host write(s) fenced, and ${count('another process appends to this ledger')} ledger append(s) refused`,
    );
    expect(problems).toEqual([]);
    if (sleeper.process.alive) expect(await sleeper.isLeader()).toBe(false);
  }, 300_000);
});
