// The SovereignNode controller recording on a real Fabric network, and
// failing closed through a real outage: the peer it talks to is stopped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectionTo, LocalFabricNetwork } from '../../../src/fabric/local-network.ts';
import { LedgerOutbox, OutboxLedger } from '../../../src/ledger/outbox.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import type { SovereigntyLedger } from '../../../src/ledger/ledger.ts';
import { openFabricLedger } from '../../../src/ledger/open.ts';
import { registry } from '../../../src/runtime/metrics.ts';
import { TAINT_UNVERIFIED } from '../../../src/trust/node-labels.ts';
import { eventually } from '../federation.ts';
import { SovereignNodeFixture, taintKeys } from './sovereign-node-fixture.ts';

const fx = new SovereignNodeFixture();
let network: LocalFabricNetwork;
let ledger: OutboxLedger;
let reader: SovereigntyLedger;
let outboxDir: string;

beforeAll(async () => {
  network = await LocalFabricNetwork.start();
  const { info } = network;
  const deadlines = { evaluateMs: 2000, endorseMs: 3000, submitMs: 3000, commitStatusMs: 10_000 };
  // As the operator runs on Fabric: through an outbox on local disk.
  outboxDir = mkdtempSync(join(tmpdir(), 'cloud-empire-outbox-'));
  const fabric = await openFabricLedger({ ...connectionTo(info, info.peers.provider, info.identities.operator), deadlines });
  ledger = new OutboxLedger(fabric, LedgerOutbox.open(outboxDir), createLogger({ level: 'error' }));
  ledger.start(500);
  reader = await openFabricLedger(connectionTo(info, info.peers.tenant, info.identities.tenant));
  await fx.prepare();
  // On Fabric the trust authority's admin registers the anchors; the operator cannot.
  const admin = await openFabricLedger(connectionTo(info, info.peers.tenant, info.identities.trustAdmin));
  await admin.syncTrustAnchors(fx.anchors());
  await admin.close();
  await fx.start(ledger);
}, 180_000);

afterAll(async () => {
  await fx.stop();
  await Promise.allSettled([ledger?.close(), reader?.close()]);
  await network?.stop();
  if (outboxDir) rmSync(outboxDir, { recursive: true, force: true });
});

describe('SovereignNode controller on a Fabric ledger', () => {
  it('records a verified node on Fabric; the other organization reads the attestation', async () => {
    const node = await fx.admit('fabric', 'FR', 21);
    await fx.answerChallenge('fabric', node.identity);
    const txId = await eventually(async () => {
      const sn = await fx.sovereignNode('fabric');
      expect(fx.condition(sn, 'Verified')).toMatchObject({ status: 'True' });
      expect(fx.condition(sn, 'LedgerAvailable')).toMatchObject({ status: 'True', message: 'the fabric ledger answered' });
      return sn.status!.ledgerTxId!;
    }, 30_000);
    expect(await reader.getAttestation(fx.cluster, node.nodeName)).toMatchObject({
      txId,
      verified: true,
      countryCode: 'FR',
      recordedBy: expect.stringContaining('TrustAuthorityMSP/'),
    });
  });

  it('fails closed while its peer is down, and records every verdict made meanwhile, in order, when it is back', async () => {
    await network.stopPeer('provider');
    const pending = await fx.admit('pending', 'FR', 22);
    await fx.answerChallenge('pending', pending.identity);
    await eventually(async () => {
      const sn = await fx.sovereignNode('pending');
      expect(fx.condition(sn, 'Verified')).toMatchObject({ status: 'False', reason: 'LedgerUnavailable' });
      expect(fx.condition(sn, 'LedgerAvailable')).toMatchObject({ status: 'False', reason: 'LedgerUnavailable' });
      expect(fx.condition(sn, 'Recorded')).toMatchObject({ status: 'False' });
    }, 30_000);
    expect(taintKeys(await fx.memberNode(pending.nodeName))).toContain(`${TAINT_UNVERIFIED}:NoSchedule`);
    // Both verdicts of the outage wait on disk: the first (no proof yet) and the one after the proof.
    await eventually(async () =>
      expect(
        LedgerOutbox.open(outboxDir)
          .entries()
          .map((e) => e.record.reason),
      ).toEqual(['PROOF_MISSING', 'VERIFIED']),
    );
    expect(await registry.getSingleMetricAsString('cloud_empire_ledger_available')).toContain('cloud_empire_ledger_available{kind="fabric"} 0');

    await network.startPeer('provider');
    await eventually(
      async () => {
        const sn = await fx.sovereignNode('pending');
        expect(fx.condition(sn, 'Verified')).toMatchObject({ status: 'True' });
        expect(fx.condition(sn, 'LedgerAvailable')).toMatchObject({ status: 'True' });
      },
      60_000,
      250,
    );
    expect(await reader.getAttestation(fx.cluster, pending.nodeName)).toMatchObject({ verified: true });
    expect(ledger.pending).toBe(0);
    const stop = new AbortController();
    const reasons: string[] = [];
    setTimeout(() => stop.abort(), 3_000).unref();
    for await (const event of reader.events({ checkpoint: { blockNumber: 0 }, signal: stop.signal })) {
      const payload = JSON.parse(event.payload) as { nodeName?: string; reason?: string };
      if (event.name === 'AttestationRecorded' && payload.nodeName === pending.nodeName) reasons.push(payload.reason!);
      if (reasons.length === 2) stop.abort();
    }
    expect(reasons).toEqual(['PROOF_MISSING', 'VERIFIED']);
    expect(taintKeys(await fx.memberNode(pending.nodeName))).not.toContain(`${TAINT_UNVERIFIED}:NoSchedule`);
    expect(await registry.getSingleMetricAsString('cloud_empire_ledger_available')).toContain('cloud_empire_ledger_available{kind="fabric"} 1');
    expect(await registry.getSingleMetricAsString('cloud_empire_ledger_submissions_total')).toMatch(
      /transaction="RecordAttestation",outcome="unavailable"\} [1-9]/,
    );
  }, 120_000);
});
