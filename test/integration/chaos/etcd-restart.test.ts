// Fault: the etcd under the host (and, here, the members: they share it) SIGKILLed while workloads are
// being placed, and restarted on the same ports and data; then the same with the host API server. Held: the operator's watches recover (what
// changes after the restart is seen: a new workload, a changed template, a deletion), no work is lost or
// done twice (each decision on the ledger once, one copy per chosen member, no orphan), status converges.
import { AppsV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { InfraWorld, NAMESPACE, condition, deploymentWorkload } from './infra-world.ts';
import { eventually } from '../federation.ts';

let world: InfraWorld;
beforeAll(async () => {
  world = await InfraWorld.start();
}, 240_000);
afterAll(async () => world?.stop());

const duplicated = (name: string) => deploymentWorkload(name, { placement: { replicaScheduling: { type: 'Duplicated' } } });
const group = { group: 'cloudempire.eu', version: 'v1alpha1', plural: 'federatedworkloads', namespace: NAMESPACE };

/** Retries a host call through the seconds the API server needs to find its etcd again. */
const hostCall = <T>(call: () => Promise<T>) => eventually(call, 60_000, 250);

/**
 * Three workloads placed and Ready, two more on their way, then `crash`; after it a new workload, a
 * changed template and a deletion must all reach the operator through its watches, and everything converge.
 */
async function crashAndConverge(prefix: string, crash: () => Promise<void>): Promise<void> {
  const name = (i: number) => `${prefix}-${i}`;
  for (const i of [0, 1, 2]) await world.apply(duplicated(name(i)));
  await eventually(async () => {
    for (const i of [0, 1, 2]) expect(condition(await world.fw(name(i)), 'Ready')).toMatchObject({ status: 'True' });
  }, 90_000);
  for (const i of [3, 4]) await world.apply(duplicated(name(i)));
  await crash();

  await hostCall(() => world.apply(duplicated(name(5))));
  await hostCall(async () => {
    const changed = await world.fw(name(0));
    const container = (changed.spec.template.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0];
    container.image = 'registry.example.eu/team/app:2.0';
    await world.custom().replaceNamespacedCustomObject({ ...group, name: name(0), body: changed });
  });
  await hostCall(() =>
    world
      .host()
      .makeApiClient(CustomObjectsApi)
      .deleteNamespacedCustomObject({ ...group, name: name(1) }),
  );

  const remaining = [0, 2, 3, 4, 5].map(name);
  const all = (await world.custom().listNamespacedCustomObject(group)) as { items: { metadata: { name: string } }[] };
  const alive = all.items.map((w) => w.metadata.name).filter((n) => !n.startsWith(`${prefix}-`) || remaining.includes(n));
  await eventually(
    async () => {
      for (const n of remaining) expect({ n, ready: condition(await world.fw(n), 'Ready')?.status }).toEqual({ n, ready: 'True' });
      await expect(world.fw(name(1))).rejects.toMatchObject({ code: 404 });
      await world.expectConverged(alive.filter((n) => n !== name(1)));
      for (const m of ['paris', 'madrid'] as const) {
        const deployment = await world
          .memberKc(m)
          .makeApiClient(AppsV1Api)
          .readNamespacedDeployment({ name: name(0), namespace: NAMESPACE });
        expect(deployment.spec?.template.spec?.containers[0].image).toBe('registry.example.eu/team/app:2.0');
      }
    },
    120_000,
    500,
  ).catch(async (error) => {
    throw new Error(`${(error as Error).message}\noperator warnings:\n${world.logs.slice(-4000)}`);
  });
  // The deletion was recorded on the ledger as the removal of its decision, once.
  const removals = world.recordedTransactions('Placement:RecordRemoval');
  expect(removals.filter((tx) => tx.args[0].includes(`"${name(1)}"`))).toHaveLength(1);
}

// Down longer than the members' grace: every API server loses its storage and the probes fail.
const ETCD_DOWN_MS = 8_000;

it('converges with nothing lost or doubled after an etcd crash', async () => {
  await crashAndConverge('etcd', async () => {
    const pid = world.federation.etcd.process.pid;
    await world.federation.etcd.kill();
    await new Promise((r) => setTimeout(r, ETCD_DOWN_MS));
    await world.federation.etcd.start();
    expect(world.federation.etcd.process.pid).not.toBe(pid);
  });
}, 300_000);

// The API server's watch cache keeps client watches open across an etcd crash; a host API server crashing
// with it ends them, so the operator must relist to see what changed.
it('relists and converges after etcd and the host API server crash together', async () => {
  await crashAndConverge('relist', async () => {
    await Promise.all([world.federation.etcd.kill(), world.federation.host.killApiServer()]);
    await new Promise((r) => setTimeout(r, ETCD_DOWN_MS));
    await world.federation.etcd.start();
    await world.federation.host.startApiServer();
  });
}, 300_000);
