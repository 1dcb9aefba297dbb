// Fault: the Fabric ledger taken away mid-placement. The whole operator runs as production wires it on
// Fabric (a connection directory to the provider organization's peer gateway, an outbox on local disk)
// against the real local network: one Raft orderer, two peers, the chaincode as a service. While
// FederatedWorkloads are being placed (and one deleted), the orderer and both peers are SIGKILLed, then
// started again on the same ports and data. Held: fail closed (Scheduled=False/LedgerUnavailable, nothing
// new in any member, the running workload untouched, the deletion waits for its removal record); then,
// without an operator restart, every workload placed, each decision on the Fabric ledger exactly once (read
// back through the other organization's peer: the chaincode events from block 0 and GetDecision), the
// removal recorded once, no duplicate and no orphan in the members.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectionTo, LocalFabricNetwork } from '../../../src/fabric/local-network.ts';
import { writeFabricConnection } from '../../../src/ledger/fabric/connection-files.ts';
import type { SovereigntyLedger } from '../../../src/ledger/ledger.ts';
import { openFabricLedger } from '../../../src/ledger/open.ts';
import { registry } from '../../../src/runtime/metrics.ts';
import { eventually } from '../federation.ts';
import { condition, deploymentWorkload, InfraWorld, MEMBER_NAMES, NAMESPACE } from './infra-world.ts';

let network: LocalFabricNetwork;
let world: InfraWorld;
let reader: SovereigntyLedger;
const connectionDir = mkdtempSync(join(tmpdir(), 'cloud-empire-fabric-connection-'));

beforeAll(async () => {
  // The network and the federation start side by side; the operator waits for both.
  const starting = LocalFabricNetwork.start();
  starting.catch(() => undefined);
  world = await InfraWorld.start({
    fabric: {
      connectionDir,
      syncAnchors: async (anchors) => {
        network = await starting;
        const { info } = network;
        writeFabricConnection(connectionDir, connectionTo(info, info.peers.provider, info.identities.operator));
        const admin = await openFabricLedger(connectionTo(info, info.peers.tenant, info.identities.trustAdmin));
        await admin.syncTrustAnchors(anchors);
        await admin.close();
      },
    },
  });
  reader = await openFabricLedger(connectionTo(network.info, network.info.peers.tenant, network.info.identities.tenant));
}, 360_000);

afterAll(async () => {
  await reader?.close();
  await world?.stop();
  await network?.stop();
  rmSync(connectionDir, { recursive: true, force: true });
});

/** What the Fabric ledger holds, from its chaincode events since block 0: each RecordPlacement and RecordRemoval, by decision id. */
async function fabricRecords(): Promise<{ placements: Map<string, { workload: string; txIds: string[] }>; removals: Map<string, string[]> }> {
  const placements = new Map<string, { workload: string; txIds: string[] }>();
  const removals = new Map<string, string[]>();
  const stop = new AbortController();
  // The stream does not end on its own: it is read until it has been quiet for a while.
  let quiet = setTimeout(() => stop.abort(), 3_000);
  try {
    for await (const event of reader.events({ checkpoint: { blockNumber: 0 }, signal: stop.signal })) {
      clearTimeout(quiet);
      quiet = setTimeout(() => stop.abort(), 1_500);
      const payload = JSON.parse(event.payload) as { decisionId: string; workload: { namespace: string; name: string }; txId: string; reason?: string };
      if (event.name === 'PlacementRecorded') {
        const entry = placements.get(payload.decisionId) ?? { workload: `${payload.workload.namespace}/${payload.workload.name}`, txIds: [] };
        entry.txIds.push(event.txId);
        placements.set(payload.decisionId, entry);
      } else if (event.name === 'PlacementRemoved') removals.set(payload.decisionId, [...(removals.get(payload.decisionId) ?? []), payload.reason!]);
    }
  } catch (error) {
    if (!stop.signal.aborted) throw error;
  } finally {
    clearTimeout(quiet);
  }
  return { placements, removals };
}

const duplicated = (name: string) => deploymentWorkload(name, { placement: { replicaScheduling: { type: 'Duplicated' } } });

it('places nothing while Fabric is down, then records each decision exactly once on Fabric, without an operator restart', async () => {
  for (const name of ['running', 'doomed']) await world.apply(duplicated(name));
  await eventually(
    async () => {
      for (const name of ['running', 'doomed']) expect({ name, ready: condition(await world.fw(name), 'Ready')?.status }).toEqual({ name, ready: 'True' });
    },
    120_000,
    500,
  );
  const runningTx = (await world.fw('running')).status?.decision?.ledgerTxId;
  const doomedDecision = (await world.fw('doomed')).status!.decision!.decisionId!;

  // Taken away mid-placement: three applied just before the crash (their RecordPlacement in flight, at the
  // gateway, the orderer or a block on its way to the peers), two more and a deletion while it is down.
  const before = ['pre-0', 'pre-1', 'pre-2'];
  const during = ['during-0', 'during-1'];
  for (const name of before) await world.apply(duplicated(name));
  const crashedAt = Date.now();
  await network.crash();
  for (const name of during) await world.apply(duplicated(name));
  await world
    .custom()
    .deleteNamespacedCustomObject({ group: 'cloudempire.eu', version: 'v1alpha1', plural: 'federatedworkloads', namespace: NAMESPACE, name: 'doomed' });

  // Each one applied before the crash either got its decision recorded and acknowledged, or is held back like the others.
  const heldBack = async () => {
    const out: string[] = [];
    for (const name of [...before, ...during]) if (!(await world.fw(name)).status?.decision?.ledgerTxId) out.push(name);
    return out;
  };
  await eventually(
    async () => {
      for (const name of await heldBack())
        expect({ name, scheduled: condition(await world.fw(name), 'Scheduled') }).toMatchObject({
          name,
          scheduled: { status: 'False', reason: 'LedgerUnavailable', message: expect.stringMatching(/the ledger cannot be reached/) },
        });
    },
    90_000,
    500,
  );
  const held = await heldBack();
  expect(held).toEqual(expect.arrayContaining(during));
  await world.expectHeldBack(held, 4_000);
  // What already runs is left alone; the deletion cleaned the members but waits for the ledger to record it.
  const running = await world.fw('running');
  expect(running.status?.decision?.ledgerTxId).toBe(runningTx);
  for (const m of MEMBER_NAMES) expect(await world.ownedIn(m, 'running')).toEqual(['Deployment/running']);
  await eventually(async () => expect(condition(await world.fw('doomed'), 'Ready')?.message).toMatch(/the ledger cannot record the removal yet/), 60_000, 500);
  // Down long enough for several retries of each held-back workload, and for the gateway's reconnect backoff to grow.
  await new Promise((r) => setTimeout(r, Math.max(0, crashedAt + 20_000 - Date.now())));
  await world.expectHeldBack(held, 1_000);
  const downForMs = Date.now() - crashedAt;

  await network.restart();
  const backAt = Date.now();
  const live = ['running', ...before, ...during];
  // Caught up by the controller's own retries (every 5 s), not by its 60 s resync or a restart.
  await eventually(
    async () => {
      for (const name of live) expect({ name, ready: condition(await world.fw(name), 'Ready')?.status }).toEqual({ name, ready: 'True' });
      await expect(world.fw('doomed')).rejects.toMatchObject({ code: 404 });
    },
    45_000,
    500,
  ).catch(async (error) => {
    throw new Error(`${(error as Error).message}\noperator warnings:\n${world.logs.slice(-4000)}`);
  });
  const caughtUpMs = Date.now() - backAt;

  const recorded = await fabricRecords();
  await world.expectConverged(live, recorded.placements);
  for (const name of live) {
    const decision = (await world.fw(name)).status!.decision!;
    expect(await reader.getDecision(decision.decisionId!)).toMatchObject({ txId: decision.ledgerTxId, approved: true });
  }
  expect(recorded.placements.get(doomedDecision)?.txIds).toHaveLength(1);
  expect(recorded.removals.get(doomedDecision)).toEqual(['WorkloadDeleted']);
  for (const [decisionId, reasons] of recorded.removals) expect({ decisionId, removals: reasons.length }).toEqual({ decisionId, removals: 1 });
  for (const name of live) expect((await world.fw(name)).status?.pendingDecision).toBeUndefined();
  // How often the controller met the outage: its decisions refused for want of a ledger.
  const unavailable = /result="LedgerUnavailable"[^}]*\} (\d+)/.exec(await registry.getSingleMetricAsString('cloud_empire_placement_decisions_total'))?.[1];
  console.log(
    `fabric-ledger-outage: Fabric down ${Math.round(downForMs / 1000)} s (${held.join(', ')} and a deletion held back; ${before.length - held.filter((n) => before.includes(n)).length} of ${before.length} in flight got through); all placed ${Math.round(caughtUpMs / 1000)} s after the restart; ${recorded.placements.size} decisions on Fabric; ${unavailable ?? 0} decisions held back for want of the ledger`,
  );
}, 420_000);

it('peers killed with RecordPlacements on their way to the orderer: what the orderer still ordered is acknowledged, not recorded again', async () => {
  const names = ['inflight-0', 'inflight-1', 'inflight-2', 'inflight-3'];
  for (const name of names) await world.apply(duplicated(name));
  // The orderer keeps running: a transaction a peer had endorsed and sent on is ordered (its block cut
  // within the batch timeout) while the peers are down, and committed when they return; the operator saw
  // only the gateway failing, so its status still says LedgerUnavailable with the decision id pending.
  // The kill lands as soon as one of them has its decision id pending: its RecordPlacement is under way
  // (endorsing, at the orderer, or its 100 ms block on the way), the others a step behind or ahead.
  const recording = async () => {
    for (const name of names) {
      const status = (await world.fw(name)).status;
      if (status?.pendingDecision && !status.decision?.ledgerTxId) return true;
    }
    return false;
  };
  for (const until = Date.now() + 15_000; Date.now() < until && !(await recording());) await new Promise((r) => setTimeout(r, 5));
  const crashedAt = Date.now();
  await network.crash({ orderer: false });
  await new Promise((r) => setTimeout(r, 8_000));
  const unacknowledged: string[] = [];
  for (const name of names) if (!(await world.fw(name)).status?.decision?.ledgerTxId) unacknowledged.push(name);
  await world.expectHeldBack(unacknowledged, 2_000);
  await network.restart();
  await eventually(
    async () => {
      for (const name of names) expect({ name, ready: condition(await world.fw(name), 'Ready')?.status }).toEqual({ name, ready: 'True' });
    },
    45_000,
    500,
  ).catch(async (error) => {
    throw new Error(`${(error as Error).message}\noperator warnings:\n${world.logs.slice(-4000)}`);
  });
  // The reader's own connection to the restarted peer may still be backing off.
  const recorded = await eventually(() => fabricRecords(), 30_000, 1_000);
  await world.expectConverged(['running', 'pre-0', 'pre-1', 'pre-2', 'during-0', 'during-1', ...names], recorded.placements);
  // Endorsed before the crash (the ledger's time of the decision) but not acknowledged then: committed behind the operator's back, then replayed.
  let replayed = 0;
  for (const name of unacknowledged) {
    const id = (await world.fw(name)).status!.decision!.decisionId!;
    const decision = await eventually(() => reader.getDecision(id), 30_000, 1_000);
    if (Date.parse(decision.evaluatedAt) < crashedAt + 1_000) replayed++;
  }
  console.log(
    `fabric-ledger-outage (peers only): ${names.length - unacknowledged.length} of ${names.length} acknowledged before the crash; ${unacknowledged.length} held back, of which ${replayed} had been committed behind the operator's back (acknowledged after the restart by DecisionReplayed)`,
  );
}, 180_000);
