// The operator SIGKILLed at the one instant random kills rarely hit: right after the ledger recorded a
// placement and before the status names it (the test-only crash point CLOUD_EMPIRE_TEST_CRASH_POINT). While
// it is down, one workload is deleted and another moved elsewhere. The restarted operator must close both
// recorded decisions on the ledger exactly once (NeverApplied: no member ever ran them), place the moved one
// under a new decision, and record nothing twice across one more restart.
import { eventually } from '../federation.ts';
import { allProblems, readLedger, type LedgerView } from './invariants.ts';
import { deploymentWorkload, OperatorWorld, type OperatorProcess } from './operator-world.ts';

const CRASH = { CLOUD_EMPIRE_TEST_CRASH_POINT: 'after-record-placement' };

let world: OperatorWorld;
const deleted = new Map<string, { hadRecordedDecision: boolean }>();

beforeAll(async () => {
  world = await OperatorWorld.start({ members: { paris: 'FR', madrid: 'ES' }, nodesPerMember: 1 });
}, 240_000);

afterAll(async () => {
  await world?.stop();
});

/** Applies the workload to an operator armed to die after its first RecordPlacement; returns the decision id it left pending. */
async function recordThenDie(id: string, name: string): Promise<{ uid: string; decisionId: string }> {
  const operator: OperatorProcess = await world.startOperator({ id, env: CRASH });
  await world.applyWorkload(deploymentWorkload(world.namespace, name, 2, { clusters: ['paris'] }));
  await eventually(async () => expect(operator.process.alive).toBe(false), 60_000, 100);
  const fw = (await world.workload(name))!;
  expect(fw.status?.decision?.ledgerTxId).toBeUndefined();
  const decisionId = fw.status?.pendingDecision?.decisionId;
  expect(decisionId).toBeDefined();
  const recorded = (await readLedger(world)).placements.filter((p) => p.decisionId === decisionId);
  expect(recorded).toHaveLength(1);
  expect(recorded[0].decision.approved).toBe(true);
  return { uid: fw.metadata.uid!, decisionId: decisionId! };
}

const removalsOf = (ledger: LedgerView, decisionId: string) => ledger.removals.filter((r) => r.decisionId === decisionId).map((r) => r.reason);

describe('the operator killed right after RecordPlacement, before the status names the decision', () => {
  it('a workload deleted and one changed meanwhile: each recorded decision closed exactly once, nothing left open, nothing twice', async () => {
    const gone = await recordThenDie('crash-1', 'fw-deleted');
    deleted.set(gone.uid, { hadRecordedDecision: false });
    await world.deleteWorkload('fw-deleted');

    const moved = await recordThenDie('crash-2', 'fw-moved');
    await world.changeWorkload('fw-moved', (spec) => void (spec.placement = { ...spec.placement, clusterAffinity: { clusterNames: ['madrid'] } }));
    expect(await world.ownedIn('paris')).toEqual([]);

    let operator = await world.startOperator({ id: 'op-1' });
    let problems: string[] = [];
    await eventually(
      async () => {
        problems = await allProblems(world, deleted, true);
        expect(problems).toEqual([]);
      },
      120_000,
      1_000,
    ).catch(() => expect(problems).toEqual([]));

    const check = async () => {
      const ledger = await readLedger(world);
      expect(removalsOf(ledger, gone.decisionId)).toEqual(['NeverApplied']);
      expect(removalsOf(ledger, moved.decisionId)).toEqual(['NeverApplied']);
      const fw = (await world.workload('fw-moved'))!;
      expect(fw.status?.pendingDecision).toBeUndefined();
      expect(fw.status?.decision?.decisionId).not.toBe(moved.decisionId);
      expect(fw.status?.decision?.placements.map((p) => p.cluster)).toEqual(['madrid']);
      // The deleted workload's pending decision was its only one; the moved workload's two decisions each once.
      expect(ledger.placements.filter((p) => p.request.workload.uid === gone.uid)).toHaveLength(1);
      expect(ledger.placements.filter((p) => p.request.workload.uid === fw.metadata.uid).map((p) => p.decisionId)).toEqual([
        moved.decisionId,
        fw.status!.decision!.decisionId,
      ]);
      return ledger.blocks;
    };
    await check();
    expect(await world.workload('fw-deleted')).toBeUndefined();
    expect((await world.ownedIn('madrid')).filter((o) => o.kind === 'Deployment').map((o) => o.workload)).toEqual([`${world.namespace}.fw-moved`]);

    // Level-based: another restart finds nothing to close or record again.
    await operator.kill();
    operator = await world.startOperator({ id: 'op-2' });
    await new Promise((r) => setTimeout(r, 5_000));
    await check();
    expect(await allProblems(world, deleted, true)).toEqual([]);
  }, 420_000);
});
