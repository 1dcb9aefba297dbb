import { CustomObjectsApi } from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyLedger } from '../../../src/ledger/embedded/verify.ts';
import type { SovereigntyLedger } from '../../../src/ledger/ledger.ts';
import { openEmbeddedLedger } from '../../../src/ledger/open.ts';
import { publishStatusList, type Identity } from '../../../src/trust/issue.ts';
import { LABEL_COUNTRY, LABEL_JURISDICTION, LABEL_VERIFIED, TAINT_REVOKED, TAINT_UNVERIFIED } from '../../../src/trust/node-labels.ts';
import { decodeBitstring, encodeBitstring, setBit } from '../../../src/trust/status-list.ts';
import { expectNoLeaks } from '../../helpers/secret-scan.ts';
import { ledgerOptions, operatorKey } from '../../ledger/ledger-keys.ts';
import { eventually } from '../federation.ts';
import { host, SovereignNodeFixture, taintKeys } from './sovereign-node-fixture.ts';

const api = { group: 'cloudempire.eu', version: 'v1alpha1', plural: 'sovereignnodes' };
const fx = new SovereignNodeFixture();
let ledger: SovereigntyLedger;
let ledgerDir: string;
const signer = operatorKey();

async function republishStatusList(revokedIndex: number): Promise<void> {
  const bits = decodeBitstring(fx.world.statusList.encodedList);
  setBit(bits, revokedIndex);
  fx.world.statusList.encodedList = encodeBitstring(bits);
  fx.world.server.serve('/status/1', await publishStatusList(fx.world.issuer.key, fx.world.statusList, 3600));
}

beforeAll(async () => {
  ledgerDir = mkdtempSync(join(tmpdir(), 'cloud-empire-ledger-'));
  await fx.prepare();
  ledger = await openEmbeddedLedger(join(ledgerDir, 'ledger'), { trustAnchors: fx.anchors(), ...ledgerOptions(join(ledgerDir, 'head.json'), signer) });
  await fx.start(ledger);
});

afterAll(async () => {
  await fx.stop();
  await ledger?.close();
  if (ledgerDir) rmSync(ledgerDir, { recursive: true, force: true });
});

describe('SovereignNode controller on real control planes', () => {
  let verified: { identity: Identity; nodeName: string };

  it('challenges a node, verifies it once it proves possession, labels its Node and records the attestation', async () => {
    verified = await fx.admit('good', 'FR', 11);
    // Before the proof: unverified, tainted, waiting for the proof.
    await eventually(async () => {
      const sn = await fx.sovereignNode('good');
      expect(sn.status?.conditions?.find((c) => c.type === 'Verified')).toMatchObject({ status: 'False', reason: 'ProofMissing' });
      expect(taintKeys(await fx.memberNode(verified.nodeName))).toContain(`${TAINT_UNVERIFIED}:NoSchedule`);
    });
    await fx.answerChallenge('good', verified.identity);
    await eventually(async () => {
      const sn = await fx.sovereignNode('good');
      expect(sn.status?.conditions?.find((c) => c.type === 'Verified')).toMatchObject({
        status: 'True',
        reason: 'Verified',
        observedGeneration: sn.metadata.generation,
      });
      expect(sn.status).toMatchObject({
        countryCode: 'FR',
        jurisdiction: 'EU',
        issuer: fx.world.issuer.did,
        ledgerTxId: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    });
    const node = await fx.memberNode(verified.nodeName);
    expect(node.metadata?.labels).toMatchObject({ [LABEL_VERIFIED]: 'true', [LABEL_COUNTRY]: 'FR', [LABEL_JURISDICTION]: 'EU' });
    // The operator's taints are gone; the owner's own taint stays.
    expect(taintKeys(node)).toEqual(['example.com/dedicated:NoSchedule']);
    expect(verifyLedger(join(ledgerDir, 'ledger'), { operator: signer })).toMatchObject({ ok: true });
    expect(await ledger.getAttestation(fx.cluster, verified.nodeName)).toMatchObject({
      sovereignNode: `${fx.prefix}-good`,
      verified: true,
      countryCode: 'FR',
      jurisdiction: 'EU',
    });
  });

  it('keeps a node attested outside the EU unverified and tainted, with the reason', async () => {
    const outside = await fx.admit('london', 'GB', 12);
    await fx.answerChallenge('london', outside.identity);
    await eventually(async () => {
      const sn = await fx.sovereignNode('london');
      expect(sn.status?.conditions?.find((c) => c.type === 'Verified')).toMatchObject({ status: 'False', reason: 'JurisdictionDenied' });
      expect(sn.status?.countryCode).toBe('GB');
      const node = await fx.memberNode(outside.nodeName);
      expect(node.metadata?.labels?.[LABEL_VERIFIED]).toBe('false');
      expect(node.metadata?.labels?.[LABEL_COUNTRY]).toBeUndefined();
      expect(taintKeys(node)).toEqual(['example.com/dedicated:NoSchedule', `${TAINT_UNVERIFIED}:NoSchedule`].sort());
    });
  });

  it('flips a revoked node to NoExecute within one status-list refresh', async () => {
    await republishStatusList(11);
    const started = Date.now();
    await eventually(
      async () => {
        const node = await fx.memberNode(verified.nodeName);
        expect(taintKeys(node)).toContain(`${TAINT_REVOKED}:NoExecute`);
        expect(node.metadata?.labels?.[LABEL_VERIFIED]).toBe('false');
      },
      15_000,
      100,
    );
    // statusListMaxAgeSeconds is 1: the flip comes with the next refresh, not at the 10-minute resync.
    expect(Date.now() - started).toBeLessThan(5_000);
    // Status is written after the Node is marked: it reports what was done.
    await eventually(async () => {
      const sn = await fx.sovereignNode('good');
      expect(sn.status?.conditions?.find((c) => c.type === 'Verified')).toMatchObject({ status: 'False', reason: 'Revoked' });
    });
  });

  it('returns the Node to unverified when its SovereignNode is deleted (finalizer)', async () => {
    const leaving = await fx.admit('leaving', 'DE', 13);
    await fx.answerChallenge('leaving', leaving.identity);
    await eventually(async () => expect((await fx.memberNode(leaving.nodeName)).metadata?.labels?.[LABEL_VERIFIED]).toBe('true'));
    await host()
      .makeApiClient(CustomObjectsApi)
      .deleteClusterCustomObject({ ...api, name: `${fx.prefix}-leaving` });
    await eventually(async () => {
      const node = await fx.memberNode(leaving.nodeName);
      expect(node.metadata?.labels?.[LABEL_VERIFIED]).toBe('false');
      expect(taintKeys(node)).toContain(`${TAINT_UNVERIFIED}:NoSchedule`);
      await expect(fx.sovereignNode('leaving')).rejects.toMatchObject({ code: 404 });
    });
  });

  it('leaks no kubeconfig token, private key or credential JWT into its logs, status or Events', async () => {
    expect(fx.logs.text().length).toBeGreaterThan(0);
    await expectNoLeaks(host(), fx.logs.text(), fx.knownSecrets());
  });
});
