// Fault: the embedded ledger's directory on a small real file system (tmpfs, mounted here as root) filled
// to the last byte while workloads are placed and a node is verified. Held: appends fail closed (no
// placement and no verdict without a durable record; the torn block a full disk leaves is never
// acknowledged), and once space is freed the ledger reopens cleanly (replay verifies every block) and the
// pending decisions and verdict are recorded, each exactly once.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createFakeNode } from '../../../src/controlplane/fake-nodes.ts';
import { EmbeddedLedger } from '../../../src/ledger/embedded/embedded-ledger.ts';
import type { SovereignNode } from '../../../src/api/generated/types.ts';
import { InfraWorld, condition, deploymentWorkload } from './infra-world.ts';
import { eventually } from '../federation.ts';

const MOUNT = join('/tmp', `cloud-empire-full-disk-${process.pid}`);
let world: InfraWorld;
let mounted = false;

beforeAll(async () => {
  mkdirSync(MOUNT, { recursive: true });
  // 4 MiB: room for the ledger of this test, small enough to fill in a moment.
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', MOUNT]);
  mounted = true;
  world = await InfraWorld.start({ ledgerDir: join(MOUNT, 'ledger') });
}, 240_000);
afterAll(async () => {
  await world?.stop();
  if (mounted) execFileSync('umount', [MOUNT]);
  rmSync(MOUNT, { recursive: true, force: true });
});

/** Fills the file system to its last byte with one file; returns its path. */
function fill(): string {
  const path = join(MOUNT, 'filler');
  const fd = openSync(path, 'a');
  try {
    for (const size of [65_536, 4_096, 1]) {
      const chunk = Buffer.alloc(size, 0x61);
      for (;;) {
        try {
          if (writeSync(fd, chunk) < size) break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

const duplicated = (name: string) => deploymentWorkload(name, { placement: { replicaScheduling: { type: 'Duplicated' } } });
const group = { group: 'cloudempire.eu', version: 'v1alpha1', plural: 'sovereignnodes' };

it('fails closed on a full disk and catches up once space is freed, with a ledger that replays cleanly', async () => {
  await world.apply(duplicated('before'));
  await eventually(async () => expect(condition(await world.fw('before'), 'Ready')).toMatchObject({ status: 'True' }), 90_000);

  const filler = fill();
  // The ledger's files still have the slack of their last pages: blocks that fit there are durable and
  // may be placed. Workloads go in one by one until the ledger runs out of space; from then on, nothing.
  const placedOnSlack: string[] = [];
  const pending: string[] = [];
  for (let i = 0; i < 12 && pending.length < 3; i++) {
    const name = `full-${i}`;
    await world.apply(duplicated(name));
    const scheduled = await eventually(async () => {
      const s = condition(await world.fw(name), 'Scheduled');
      expect(['Placed', 'LedgerUnavailable']).toContain(s?.reason);
      return s!;
    }, 30_000);
    (scheduled.reason === 'Placed' ? placedOnSlack : pending).push(name);
  }
  expect(pending).toHaveLength(3);
  // A node verified while the disk is full: its verdict cannot be recorded, so it must not count as verified.
  await createFakeNode(world.memberKc('paris'), { name: 'paris-n2', capacity: { cpu: '16', memory: '64Gi' } });
  await world.vouch('paris', 'paris-n2');
  await world.expectHeldBack(pending, 4_000);
  expect(condition(await world.fw(pending[0]), 'Scheduled')?.message).toMatch(/ENOSPC|no space left/);
  const node = await eventually(async () => {
    const sn = (await world.custom().getClusterCustomObject({ ...group, name: 'paris-paris-n2' })) as SovereignNode;
    expect(condition(sn, 'Verified')).toMatchObject({ status: 'False', reason: 'LedgerUnavailable' });
    return sn;
  }, 30_000);
  expect(node.status?.ledgerTxId).toBeUndefined();

  rmSync(filler);
  await eventually(
    async () => {
      for (const name of pending) expect({ name, ready: condition(await world.fw(name), 'Ready')?.status }).toEqual({ name, ready: 'True' });
      await world.expectConverged(['before', ...placedOnSlack, ...pending]);
      const verified = (await world.custom().getClusterCustomObject({ ...group, name: 'paris-paris-n2' })) as SovereignNode;
      expect(condition(verified, 'Verified')).toMatchObject({ status: 'True' });
      expect(verified.status?.ledgerTxId).toEqual(expect.any(String));
    },
    90_000,
    500,
  ).catch(async (error) => {
    throw new Error(`${(error as Error).message}\noperator warnings:\n${world.logs.slice(-4000)}`);
  });
  const attestations = world.recordedTransactions('TrustRegistry:RecordAttestation').filter((tx) => tx.args[0].includes('"paris-n2"'));
  expect(attestations).toHaveLength(1);

  // A fresh process opens what the full disk left: every block, private value and the checkpointed head verify.
  await world.stopOperator();
  const reopened = await EmbeddedLedger.open(world.ledgerDir, world.ledgerOpenOptions());
  expect(reopened.blocks).toBeGreaterThan(0);
  await reopened.close();
}, 300_000);
