// Fault: a member's kube-apiserver SIGKILLed while FederatedWorkloads are being propagated to it, then
// restarted on the same port and data. Held: the operator goes on serving the other member, the
// MemberCluster says the member is unreachable, shares fail over (FailedOver naming it), and on its
// return the stale copies go: no duplicate, no orphan, every decision on the ledger exactly once.
import { InfraWorld, condition, deploymentWorkload, placedIn } from './infra-world.ts';
import { eventually } from '../federation.ts';

const WORKLOADS = Array.from({ length: 6 }, (_, i) => `kill-${i}`);
let world: InfraWorld;

beforeAll(async () => {
  world = await InfraWorld.start();
}, 240_000);
afterAll(async () => world?.stop());

const duplicated = (name: string) => deploymentWorkload(name, { placement: { replicaScheduling: { type: 'Duplicated' } } });

it('keeps serving madrid, fails over and cleans up when the paris API server is killed mid-propagation', async () => {
  const paris = world.federation.member('paris');
  // Applied together; the kill lands as soon as the first copy reached paris, with the rest still on their way.
  await Promise.all(WORKLOADS.map((name) => world.apply(duplicated(name))));
  await eventually(async () => expect((await world.workloadsOwnedIn('paris')).length).toBeGreaterThan(0), 60_000, 50);
  const alreadyInParis = (await world.workloadsOwnedIn('paris')).length;
  await paris.killApiServer();
  let restarted = false;
  try {
    const mc = await eventually(
      async () => {
        const mc = await world.memberCluster('paris');
        expect(condition(mc, 'Ready')).toMatchObject({ status: 'False', reason: expect.any(String), message: expect.any(String) });
        return mc;
      },
      20_000,
      100,
    );
    expect(condition(mc, 'Ready')?.reason).not.toBe('Reachable');
    // madrid is not held up by paris: every workload gets its copy there, and once paris is past its
    // grace every share is decided again without it, the move recorded and named.
    await eventually(
      async () => {
        for (const name of WORKLOADS) {
          const w = await world.fw(name);
          expect({ name, placed: placedIn(w) }).toEqual({ name, placed: ['madrid'] });
          expect(await world.ownedIn('madrid', name)).toEqual([`Deployment/${name}`]);
        }
      },
      90_000,
      250,
    ).catch(async (error) => {
      throw new Error(`${(error as Error).message}\nstatuses: ${JSON.stringify(await Promise.all(WORKLOADS.map(async (n) => (await world.fw(n)).status)))}`);
    });
    const failedOver = [];
    for (const name of WORKLOADS) {
      const w = await world.fw(name);
      if (w.status?.failover?.from?.includes('paris')) {
        failedOver.push(name);
        expect(condition(w, 'Scheduled')).toMatchObject({ status: 'True', reason: 'FailedOver', message: expect.stringContaining('unreachable paris') });
      }
    }
    // At least the copies that reached paris before the kill moved away (others may have been decided without it).
    expect(failedOver.length).toBeGreaterThanOrEqual(alreadyInParis);
    await paris.startApiServer();
    restarted = true;
    await eventually(async () => expect(condition(await world.memberCluster('paris'), 'Ready')).toMatchObject({ status: 'True' }), 30_000, 250);
    // Back: the stale copies in paris are removed (failback Never keeps the shares in madrid), nothing twice anywhere.
    await eventually(async () => world.expectConverged(WORKLOADS), 90_000, 500).catch(async (error) => {
      throw new Error(`${(error as Error).message}\noperator warnings:\n${world.logs.slice(-4000)}`);
    });
    expect(await world.workloadsOwnedIn('paris')).toEqual([]);
  } finally {
    if (!restarted) await paris.startApiServer();
  }
}, 300_000);
