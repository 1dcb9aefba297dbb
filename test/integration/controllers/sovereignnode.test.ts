import { CoreV1Api, CustomObjectsApi, type V1Node } from '@kubernetes/client-node';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SovereignNode } from '../../../src/api/generated/types.ts';
import { MemberClusterPool } from '../../../src/cluster/pool.ts';
import { createFakeNode } from '../../../src/controlplane/fake-nodes.ts';
import { kubeconfigYaml } from '../../../src/controlplane/kubeconfig.ts';
import { ADMIN_USER } from '../../../src/controlplane/local-cluster.ts';
import { startSovereignNodeController } from '../../../src/controllers/sovereignnode-controller.ts';
import { verifyChain } from '../../../src/ledger/embedded/block-log.ts';
import { openEmbeddedLedger } from '../../../src/ledger/open.ts';
import { LedgerUnavailableError, type Ledger, type SovereigntyLedger } from '../../../src/ledger/ledger.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import type { RunningController } from '../../../src/operator/controller.ts';
import { httpsFetcher } from '../../../src/trust/fetcher.ts';
import { issueNodeCredential, newIdentity, proveNode, publishStatusList, type Identity } from '../../../src/trust/issue.ts';
import { LABEL_COUNTRY, LABEL_JURISDICTION, LABEL_VERIFIED, TAINT_REVOKED, TAINT_UNVERIFIED } from '../../../src/trust/node-labels.ts';
import { decodeBitstring, encodeBitstring, setBit } from '../../../src/trust/status-list.ts';
import { TrustVerifier } from '../../../src/trust/verifier.ts';
import { AUDIENCE, TrustWorld } from '../../helpers/trust-world.ts';
import { ensureCrds, ensureNamespace, eventually, hostAccess, kubeConfig, memberAccess, uniqueName } from '../federation.ts';

const api = { group: 'cloudempire.eu', version: 'v1alpha1', plural: 'sovereignnodes' };
const host = () => kubeConfig(hostAccess());
const paris = () => kubeConfig(memberAccess('paris'));

let world: TrustWorld;
let controller: RunningController;
let ledger: SovereigntyLedger;

/** The real embedded ledger behind a switch that makes it unreachable, as a Fabric outage would. */
const outage = { down: false };
function switchable(inner: Ledger): Ledger {
  const gate = <T>(call: () => Promise<T>): Promise<T> => (outage.down ? Promise.reject(new LedgerUnavailableError('the ledger is unreachable (outage)')) : call());
  return {
    kind: inner.kind,
    recordAttestation: (record) => gate(() => inner.recordAttestation(record)),
    authorizePlacement: (request) => gate(() => inner.authorizePlacement(request)),
    recordPlacement: (request) => gate(() => inner.recordPlacement(request)),
    probe: () => gate(() => inner.probe()),
    close: () => inner.close(),
  };
}
let ledgerDir: string;
const cluster = uniqueName('paris');
const prefix = uniqueName('trust');

async function sovereignNode(name: string): Promise<SovereignNode> {
  return (await host().makeApiClient(CustomObjectsApi).getClusterCustomObject({ ...api, name })) as SovereignNode;
}

async function memberNode(name: string): Promise<V1Node> {
  return paris().makeApiClient(CoreV1Api).readNode({ name });
}

const taintKeys = (node: V1Node) => (node.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();

/** A node with its identity and a credential from the world's did:web issuer. */
async function admit(name: string, country: string, statusIndex: number): Promise<{ identity: Identity; nodeName: string }> {
  const identity = newIdentity({ method: 'key' });
  const nodeName = `${prefix}-${name}`;
  await createFakeNode(paris(), {
    name: nodeName,
    capacity: { cpu: '16', memory: '64Gi', 'nvidia.com/gpu': '4' },
    taints: [{ key: 'example.com/dedicated', value: 'inference', effect: 'NoSchedule' }],
  });
  const credential = await issueNodeCredential(
    world.issuer.key,
    world.request({ subject: identity.did, memberCluster: cluster, nodeName, countryCode: country, statusList: { url: world.statusList.url, index: statusIndex } }),
  );
  await host().makeApiClient(CustomObjectsApi).createClusterCustomObject({
    ...api,
    body: { apiVersion: 'cloudempire.eu/v1alpha1', kind: 'SovereignNode', metadata: { name: `${prefix}-${name}` }, spec: { memberCluster: cluster, nodeName, did: identity.did, credential } },
  });
  return { identity, nodeName };
}

/** The node agent's part: sign the challenge the operator published and hand in the proof. */
async function answerChallenge(name: string, identity: Identity): Promise<void> {
  const challenge = await eventually(async () => {
    const c = (await sovereignNode(`${prefix}-${name}`)).status?.challenge;
    if (!c) throw new Error('no challenge yet');
    return c;
  });
  expect(challenge.audience).toBe(AUDIENCE);
  const node = await sovereignNode(`${prefix}-${name}`);
  node.spec.proof = await proveNode(identity.key, challenge.nonce, AUDIENCE);
  await host().makeApiClient(CustomObjectsApi).replaceClusterCustomObject({ ...api, name: `${prefix}-${name}`, body: node });
}

async function republishStatusList(revokedIndex: number): Promise<void> {
  const bits = decodeBitstring(world.statusList.encodedList);
  setBit(bits, revokedIndex);
  world.statusList.encodedList = encodeBitstring(bits);
  world.server.serve('/status/1', await publishStatusList(world.issuer.key, world.statusList, 3600));
}

beforeAll(async () => {
  await ensureCrds();
  world = await TrustWorld.create();
  ledgerDir = mkdtempSync(join(tmpdir(), 'cloud-empire-ledger-'));
  ledger = openEmbeddedLedger(ledgerDir);
  // The member's kubeconfig as a user stores it: in a Secret the MemberCluster names.
  const core = host().makeApiClient(CoreV1Api);
  await ensureNamespace(host(), 'cloud-empire');
  const access = memberAccess('paris');
  await core.createNamespacedSecret({
    namespace: 'cloud-empire',
    body: { metadata: { name: `${cluster}-kubeconfig` }, stringData: { kubeconfig: kubeconfigYaml({ cluster: 'paris', server: access.server, caPem: access.caPem, user: ADMIN_USER, token: access.tokens[ADMIN_USER] }) } },
  });
  await host().makeApiClient(CustomObjectsApi).createClusterCustomObject({
    group: 'cloudempire.eu', version: 'v1alpha1', plural: 'memberclusters',
    body: { apiVersion: 'cloudempire.eu/v1alpha1', kind: 'MemberCluster', metadata: { name: cluster }, spec: { kubeconfigSecretRef: { name: `${cluster}-kubeconfig`, namespace: 'cloud-empire' }, country: 'FR', provider: 'ovhcloud' } },
  });
  const verifier = new TrustVerifier(world.config({ statusListMaxAgeSeconds: 1 }), { fetcher: httpsFetcher({ ca: world.pki.caPem }) });
  controller = await startSovereignNodeController({
    host: host(),
    members: new MemberClusterPool(host()),
    verifier,
    ledger: switchable(ledger),
    log: createLogger({ level: 'error' }),
    retryAfterMs: 500,
  });
});

afterAll(async () => {
  await controller?.stop();
  await ledger?.close();
  await world?.close();
  if (ledgerDir) rmSync(ledgerDir, { recursive: true, force: true });
});

describe('SovereignNode controller on real control planes', () => {
  let verified: { identity: Identity; nodeName: string };

  it('challenges a node, verifies it once it proves possession, labels its Node and records the attestation', async () => {
    verified = await admit('good', 'FR', 11);
    // Before the proof: unverified, tainted, waiting for the proof.
    await eventually(async () => {
      const sn = await sovereignNode(`${prefix}-good`);
      expect(sn.status?.conditions?.find((c) => c.type === 'Verified')).toMatchObject({ status: 'False', reason: 'ProofMissing' });
      expect(taintKeys(await memberNode(verified.nodeName))).toContain(`${TAINT_UNVERIFIED}:NoSchedule`);
    });
    await answerChallenge('good', verified.identity);
    await eventually(async () => {
      const sn = await sovereignNode(`${prefix}-good`);
      expect(sn.status?.conditions?.find((c) => c.type === 'Verified')).toMatchObject({ status: 'True', reason: 'Verified', observedGeneration: sn.metadata.generation });
      expect(sn.status).toMatchObject({ countryCode: 'FR', jurisdiction: 'EU', issuer: world.issuer.did, ledgerTxId: expect.stringMatching(/^[0-9a-f]{64}$/) });
    });
    const node = await memberNode(verified.nodeName);
    expect(node.metadata?.labels).toMatchObject({ [LABEL_VERIFIED]: 'true', [LABEL_COUNTRY]: 'FR', [LABEL_JURISDICTION]: 'EU' });
    // The operator's taints are gone; the owner's own taint stays.
    expect(taintKeys(node)).toEqual(['example.com/dedicated:NoSchedule']);
    const log = readFileSync(join(ledgerDir, 'blocks.log'), 'utf8');
    expect(verifyChain(log)).toMatchObject({ ok: true });
    expect(await ledger.getAttestation(cluster, verified.nodeName)).toMatchObject({ sovereignNode: `${prefix}-good`, verified: true, countryCode: 'FR', jurisdiction: 'EU' });
  });

  it('fails closed while the ledger is unreachable and writes the pending record when it returns', async () => {
    outage.down = true;
    const pending = await admit('pending', 'FR', 14);
    await answerChallenge('pending', pending.identity);
    await eventually(async () => {
      const sn = await sovereignNode(`${prefix}-pending`);
      expect(sn.status?.conditions?.find((c) => c.type === 'Verified')).toMatchObject({ status: 'False', reason: 'LedgerUnavailable' });
      expect(sn.status?.conditions?.find((c) => c.type === 'LedgerAvailable')).toMatchObject({ status: 'False', reason: 'LedgerUnavailable' });
      expect(sn.status?.conditions?.find((c) => c.type === 'Recorded')).toMatchObject({ status: 'False' });
    });
    expect(taintKeys(await memberNode(pending.nodeName))).toContain(`${TAINT_UNVERIFIED}:NoSchedule`);
    await expect(ledger.getAttestation(cluster, pending.nodeName)).rejects.toMatchObject({ code: 'NotFound' });

    outage.down = false;
    await eventually(async () => {
      const sn = await sovereignNode(`${prefix}-pending`);
      expect(sn.status?.conditions?.find((c) => c.type === 'Verified')).toMatchObject({ status: 'True' });
      expect(sn.status?.conditions?.find((c) => c.type === 'LedgerAvailable')).toMatchObject({ status: 'True' });
    });
    expect(await ledger.getAttestation(cluster, pending.nodeName)).toMatchObject({ verified: true });
    expect(taintKeys(await memberNode(pending.nodeName))).not.toContain(`${TAINT_UNVERIFIED}:NoSchedule`);
  });

  it('keeps a node attested outside the EU unverified and tainted, with the reason', async () => {
    const outside = await admit('london', 'GB', 12);
    await answerChallenge('london', outside.identity);
    await eventually(async () => {
      const sn = await sovereignNode(`${prefix}-london`);
      expect(sn.status?.conditions?.find((c) => c.type === 'Verified')).toMatchObject({ status: 'False', reason: 'JurisdictionDenied' });
      expect(sn.status?.countryCode).toBe('GB');
      const node = await memberNode(outside.nodeName);
      expect(node.metadata?.labels?.[LABEL_VERIFIED]).toBe('false');
      expect(node.metadata?.labels?.[LABEL_COUNTRY]).toBeUndefined();
      expect(taintKeys(node)).toEqual(['example.com/dedicated:NoSchedule', `${TAINT_UNVERIFIED}:NoSchedule`].sort());
    });
  });

  it('flips a revoked node to NoExecute within one status-list refresh', async () => {
    await republishStatusList(11);
    const started = Date.now();
    await eventually(async () => {
      const node = await memberNode(verified.nodeName);
      expect(taintKeys(node)).toContain(`${TAINT_REVOKED}:NoExecute`);
      expect(node.metadata?.labels?.[LABEL_VERIFIED]).toBe('false');
    }, 15_000, 100);
    // statusListMaxAgeSeconds is 1: the flip comes with the next refresh, not at the 10-minute resync.
    expect(Date.now() - started).toBeLessThan(5_000);
    // Status is written after the Node is marked: it reports what was done.
    await eventually(async () => {
      const sn = await sovereignNode(`${prefix}-good`);
      expect(sn.status?.conditions?.find((c) => c.type === 'Verified')).toMatchObject({ status: 'False', reason: 'Revoked' });
    });
  });

  it('returns the Node to unverified when its SovereignNode is deleted (finalizer)', async () => {
    const leaving = await admit('leaving', 'DE', 13);
    await answerChallenge('leaving', leaving.identity);
    await eventually(async () => expect((await memberNode(leaving.nodeName)).metadata?.labels?.[LABEL_VERIFIED]).toBe('true'));
    await host().makeApiClient(CustomObjectsApi).deleteClusterCustomObject({ ...api, name: `${prefix}-leaving` });
    await eventually(async () => {
      const node = await memberNode(leaving.nodeName);
      expect(node.metadata?.labels?.[LABEL_VERIFIED]).toBe('false');
      expect(taintKeys(node)).toContain(`${TAINT_UNVERIFIED}:NoSchedule`);
      await expect(sovereignNode(`${prefix}-leaving`)).rejects.toMatchObject({ code: 404 });
    });
  });
});
