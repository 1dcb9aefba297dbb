import type { V1Node } from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GpuPool, MemberCluster, SovereignNode } from '../../../src/api/generated/types.ts';
import { GpuPoolKind } from '../../../src/api/schema/gpupool.ts';
import { MemberClusterKind } from '../../../src/api/schema/membercluster.ts';
import { SovereignNodeKind } from '../../../src/api/schema/sovereignnode.ts';
import type { MemberCaches } from '../../../src/cluster/member-watches.ts';
import { GpuPoolReconciler } from '../../../src/controllers/gpupool.ts';
import { MemberClusterReconciler } from '../../../src/controllers/membercluster.ts';
import { SOVEREIGN_NODE_FINALIZER, SovereignNodeReconciler } from '../../../src/controllers/sovereignnode.ts';
import { LedgerUnavailableError, anchorsOf, type Ledger, type SovereigntyLedger } from '../../../src/ledger/ledger.ts';
import { openEmbeddedLedger } from '../../../src/ledger/open.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { trustConfigFrom, type TrustConfig } from '../../../src/trust/anchors.ts';
import { issueNodeCredential, newIdentity, proveNode } from '../../../src/trust/issue.ts';
import { TAINT_REVOKED, TAINT_UNVERIFIED } from '../../../src/trust/node-labels.ts';
import { TrustVerifier } from '../../../src/trust/verifier.ts';
import { FakeKind, FakeMemberNodes } from '../../helpers/fake-kube.ts';
import { ledgerOptions } from '../../ledger/ledger-keys.ts';

const log = createLogger({ level: 'error' });
const signal = new AbortController().signal;
const issuer = newIdentity({ method: 'key' });
const T0 = Date.parse('2026-12-01T09:00:00Z');
const condition = (o: { status?: { conditions?: { type: string; status: string; reason: string }[] } } | undefined, type: string) =>
  o?.status?.conditions?.find((c) => c.type === type);
const taints = (node: V1Node | undefined) => (node?.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

/** A SovereignNode, its member Node, a real verifier and a clock the test moves. */
async function world(
  options: { ledger?: (config: TrustConfig) => Promise<Ledger & { close(): Promise<void> }>; proofs?: boolean; validForSeconds?: number } = {},
) {
  const config = trustConfigFrom({
    issuers: [{ did: issuer.did, name: 'French trust authority' }],
    audience: 'urn:test',
    requireProofOfPossession: options.proofs ?? false,
  });
  const clock = { now: T0 };
  const identity = newIdentity({ method: 'key' });
  const credential = await issueNodeCredential(issuer.key, {
    subject: identity.did,
    memberCluster: 'paris',
    nodeName: 'n1',
    countryCode: 'FR',
    validFrom: T0 / 1000 - 60,
    validForSeconds: options.validForSeconds ?? 86_400,
  });
  const nodes = new FakeKind<SovereignNode>(SovereignNodeKind);
  nodes.seed({
    apiVersion: 'cloudempire.eu/v1alpha1',
    kind: 'SovereignNode',
    metadata: { name: 'paris-n1' },
    spec: { memberCluster: 'paris', nodeName: 'n1', did: identity.did, credential },
  });
  const memberNodes = new FakeMemberNodes();
  memberNodes.add('paris', { metadata: { name: 'n1', labels: { team: 'ml' } }, spec: { taints: [{ key: 'example.com/dedicated', effect: 'NoSchedule' }] } });
  let ledger: Ledger & { close(): Promise<void> };
  if (options.ledger) ledger = await options.ledger(config);
  else {
    const dir = mkdtempSync(join(tmpdir(), 'cloud-empire-unit-'));
    dirs.push(dir);
    ledger = await openEmbeddedLedger(join(dir, 'ledger'), { trustAnchors: anchorsOf(config), ...ledgerOptions(join(dir, 'head.json')) });
  }
  const records: string[] = [];
  const counted: Ledger = {
    kind: ledger.kind,
    recordAttestation: async (r) => (records.push(r.reason), ledger.recordAttestation(r)),
    authorizePlacement: ledger.authorizePlacement,
    recordPlacement: ledger.recordPlacement,
    getPolicy: ledger.getPolicy,
    getDecision: ledger.getDecision,
    recordRemoval: ledger.recordRemoval,
    probe: ledger.probe,
    close: ledger.close,
  };
  const verifier = new TrustVerifier(config, { fetcher: async (url) => Promise.reject(new Error(`no fetch expected: ${url}`)), now: () => clock.now });
  const reconciler = new SovereignNodeReconciler({ nodes, memberNodes, verifier, ledger: counted, log, now: () => clock.now, retryAfterMs: 500 });
  return {
    config,
    clock,
    identity,
    nodes,
    memberNodes,
    ledger,
    records,
    reconciler,
    sn: () => nodes.get('paris-n1'),
    member: () => memberNodes.node('paris', 'n1'),
  };
}

describe('SovereignNode reconciler', () => {
  it('verifies, records once, marks the Node and writes nothing more on a second pass', async () => {
    const w = await world();
    await w.reconciler.reconcile('paris-n1', signal);
    expect(condition(await w.sn(), 'Verified')).toMatchObject({ status: 'True', reason: 'Verified' });
    expect((await w.sn())?.metadata.finalizers).toEqual([SOVEREIGN_NODE_FINALIZER]);
    expect(w.member()?.metadata?.labels).toMatchObject({ team: 'ml', 'trust.cloudempire.eu/verified': 'true', 'trust.cloudempire.eu/country': 'FR' });
    const writes = w.nodes.writes.length;
    const replaced = w.memberNodes.replaced;
    w.clock.now += 60_000;
    await w.reconciler.reconcile('paris-n1', signal);
    // The record dedupe: the same verdict of the same generation is not sent to the ledger again.
    expect(w.records).toEqual(['VERIFIED']);
    expect({ writes: w.nodes.writes.length, replaced: w.memberNodes.replaced }).toEqual({ writes, replaced });
    await w.ledger.close();
  });

  it('keeps a node the ledger refuses unverified and tainted (no anchors registered)', async () => {
    const w = await world({
      ledger: async () => {
        const dir = mkdtempSync(join(tmpdir(), 'cloud-empire-unit-'));
        dirs.push(dir);
        return openEmbeddedLedger(join(dir, 'ledger'), ledgerOptions(join(dir, 'head.json')));
      },
    });
    const result = await w.reconciler.reconcile('paris-n1', signal);
    const sn = await w.sn();
    expect(condition(sn, 'Verified')).toMatchObject({ status: 'False', reason: 'LedgerRefused' });
    expect(condition(sn, 'Recorded')).toMatchObject({ status: 'False', reason: 'LedgerRefused' });
    expect(condition(sn, 'LedgerAvailable')).toMatchObject({ status: 'True' });
    expect(w.member()?.metadata?.labels?.['trust.cloudempire.eu/verified']).toBe('false');
    expect(taints(w.member())).toContain(`${TAINT_UNVERIFIED}:NoSchedule`);
    expect(result.requeueAfterMs).toBe(1000);
    await w.ledger.close();
  });

  it('fails closed when the embedded ledger cannot write, and admits the node once it can', async () => {
    let broken = true;
    const w = await world({
      ledger: async (config) => {
        const dir = mkdtempSync(join(tmpdir(), 'cloud-empire-unit-'));
        dirs.push(dir);
        const real: SovereigntyLedger = await openEmbeddedLedger(join(dir, 'ledger'), {
          trustAnchors: anchorsOf(config),
          ...ledgerOptions(join(dir, 'head.json')),
        });
        // What the embedded ledger throws when its block's fdatasync fails.
        return {
          kind: real.kind,
          recordAttestation: (r) =>
            broken ? Promise.reject(new LedgerUnavailableError('the embedded ledger could not commit: EIO: i/o error, fdatasync')) : real.recordAttestation(r),
          authorizePlacement: (r) => real.authorizePlacement(r),
          recordPlacement: (r) => real.recordPlacement(r),
          getPolicy: (id) => real.getPolicy(id),
          getDecision: (id) => real.getDecision(id),
          recordRemoval: (r) => real.recordRemoval(r),
          probe: () => real.probe(),
          close: () => real.close(),
        };
      },
    });
    const result = await w.reconciler.reconcile('paris-n1', signal);
    expect(condition(await w.sn(), 'Verified')).toMatchObject({ status: 'False', reason: 'LedgerUnavailable' });
    expect(condition(await w.sn(), 'LedgerAvailable')).toMatchObject({ status: 'False', reason: 'LedgerUnavailable' });
    expect((await w.sn())?.status?.ledgerTxId).toBeUndefined();
    expect(w.member()?.metadata?.labels?.['trust.cloudempire.eu/verified']).toBe('false');
    expect(result.requeueAfterMs).toBe(1000);
    broken = false;
    await w.reconciler.reconcile('paris-n1', signal);
    expect(condition(await w.sn(), 'Verified')).toMatchObject({ status: 'True' });
    expect(w.member()?.metadata?.labels?.['trust.cloudempire.eu/verified']).toBe('true');
    await w.ledger.close();
  });

  it('rotates a lapsed challenge: a proof of the old one no longer verifies', async () => {
    const w = await world({ proofs: true, validForSeconds: 30 * 86_400 });
    await w.reconciler.reconcile('paris-n1', signal);
    const first = (await w.sn())!.status!.challenge!;
    expect(condition(await w.sn(), 'Verified')).toMatchObject({ reason: 'ProofMissing' });
    const sn = (await w.sn())!;
    sn.spec.proof = await proveNode(w.identity.key, first.nonce, 'urn:test', T0 / 1000);
    await w.nodes.update(sn);
    await w.reconciler.reconcile('paris-n1', signal);
    expect(condition(await w.sn(), 'Verified')).toMatchObject({ status: 'True' });
    expect((await w.sn())!.status!.challenge).toEqual(first);
    w.clock.now = T0 + w.config.challengeTtlSeconds * 1000;
    await w.reconciler.reconcile('paris-n1', signal);
    const rotated = (await w.sn())!.status!.challenge!;
    expect(rotated.nonce).not.toBe(first.nonce);
    expect(rotated.issuedAt).toBe(new Date(w.clock.now).toISOString());
    expect(condition(await w.sn(), 'Verified')).toMatchObject({ status: 'False', reason: 'ProofInvalid' });
    expect(w.member()?.metadata?.labels?.['trust.cloudempire.eu/verified']).toBe('false');
    await w.ledger.close();
  });

  it('re-verifies a verified node before its credential expires, and evicts it once expired', async () => {
    const w = await world({ validForSeconds: 3600 });
    const looks: number[] = [];
    let result = await w.reconciler.reconcile('paris-n1', signal);
    const expiresAt = Date.parse((await w.sn())!.status!.expiresAt!);
    const skewMs = w.config.clockSkewSeconds * 1000;
    // Follow the requeues as the queue would, until the verdict flips.
    while (condition(await w.sn(), 'Verified')?.status === 'True' && looks.length < 20) {
      w.clock.now += result.requeueAfterMs!;
      looks.push(w.clock.now);
      result = await w.reconciler.reconcile('paris-n1', signal);
    }
    // A look one clock skew before expiry (not only at expiry plus the skew), and the flip no later than the verifier allows.
    expect(looks).toContain(expiresAt - skewMs);
    expect(looks.at(-1)).toBeLessThanOrEqual(expiresAt + skewMs);
    expect(condition(await w.sn(), 'Verified')).toMatchObject({ status: 'False', reason: 'Expired' });
    expect(taints(w.member())).toEqual(['example.com/dedicated:NoSchedule', `${TAINT_REVOKED}:NoExecute`, `${TAINT_UNVERIFIED}:NoSchedule`].sort());
    expect(w.records).toEqual(['VERIFIED', 'EXPIRED']);
    await w.ledger.close();
  });

  it('reports a member Node that does not exist yet and tries again soon', async () => {
    const w = await world();
    w.memberNodes.nodes.clear();
    const result = await w.reconciler.reconcile('paris-n1', signal);
    expect(condition(await w.sn(), 'NodeBound')).toMatchObject({ status: 'False', reason: 'NodeNotFound' });
    expect(result.requeueAfterMs).toBe(1000);
    await w.ledger.close();
  });

  it('returns the Node to unverified when its SovereignNode is deleted, then lets it go', async () => {
    const w = await world();
    await w.reconciler.reconcile('paris-n1', signal);
    await w.nodes.delete('paris-n1');
    await w.reconciler.reconcile('paris-n1', signal);
    expect(await w.sn()).toBeUndefined();
    expect(w.member()?.metadata?.labels?.['trust.cloudempire.eu/verified']).toBe('false');
    expect(await w.reconciler.reconcile('paris-n1', signal)).toEqual({});
    await w.ledger.close();
  });
});

const pool: GpuPool = {
  apiVersion: 'cloudempire.eu/v1alpha1',
  kind: 'GpuPool',
  metadata: { name: 'paris-h100' },
  spec: { memberCluster: 'paris', nodeSelector: { matchLabels: { pool: 'h100' } }, resourceName: 'nvidia.com/gpu', model: 'H100', provider: 'ovhcloud' },
};
const verifiedSn = (nodeName: string): SovereignNode => ({
  apiVersion: 'cloudempire.eu/v1alpha1',
  kind: 'SovereignNode',
  metadata: { name: nodeName, generation: 1 },
  spec: { memberCluster: 'paris', nodeName, did: 'did:key:z', credential: 'a.b.c' },
  status: {
    countryCode: 'FR',
    conditions: [{ type: 'Verified', status: 'True', reason: 'Verified', message: '', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z' }],
  },
});

describe('GpuPool reconciler', () => {
  it('counts and labels the verified nodes, and takes its label off every node when the pool goes', async () => {
    const pools = new FakeKind<GpuPool>(GpuPoolKind);
    pools.seed(pool);
    const memberNodes = new FakeMemberNodes();
    for (const name of ['a', 'b'])
      memberNodes.add('paris', {
        metadata: { name, labels: { pool: 'h100' } },
        status: { capacity: { 'nvidia.com/gpu': '4' }, allocatable: { 'nvidia.com/gpu': '4' } },
      });
    const members: MemberCaches = { snapshot: async () => ({ nodes: [...memberNodes.nodes.values()], pods: [] }), onChange: () => () => undefined };
    const reconciler = new GpuPoolReconciler({ pools, members, memberNodes, sovereignNodes: () => [verifiedSn('a')], log });
    expect(await reconciler.reconcile('paris-h100')).toEqual({ requeueAfterMs: 300_000 });
    expect((await pools.get('paris-h100'))?.status).toMatchObject({ verifiedNodes: 1, capacity: 4 });
    expect(memberNodes.node('paris', 'a')?.metadata?.labels?.['gpu.cloudempire.eu/pool']).toBe('paris-h100');
    expect(memberNodes.node('paris', 'b')?.metadata?.labels?.['gpu.cloudempire.eu/pool']).toBeUndefined();
    await pools.delete('paris-h100');
    await reconciler.reconcile('paris-h100');
    expect(await pools.get('paris-h100')).toBeUndefined();
    expect(memberNodes.node('paris', 'a')?.metadata?.labels).toEqual({ pool: 'h100' });
  });

  it('counts a node two overlapping pools select in one pool only: the one that labelled it first; the other says so', async () => {
    const pools = new FakeKind<GpuPool>(GpuPoolKind);
    pools.seed(pool);
    // A second pool whose selector (every GPU node) takes in the first pool's nodes.
    pools.seed({ ...pool, metadata: { name: 'paris-all' }, spec: { ...pool.spec, nodeSelector: { matchExpressions: [{ key: 'pool', operator: 'Exists' }] } } });
    const memberNodes = new FakeMemberNodes();
    for (const [name, label] of [
      ['a', 'h100'],
      ['b', 'h100'],
      ['c', 'other'],
    ])
      memberNodes.add('paris', {
        metadata: { name, labels: { pool: label } },
        status: { capacity: { 'nvidia.com/gpu': '4' }, allocatable: { 'nvidia.com/gpu': '4' } },
      });
    const members: MemberCaches = { snapshot: async () => ({ nodes: [...memberNodes.nodes.values()], pods: [] }), onChange: () => () => undefined };
    const reconciler = new GpuPoolReconciler({
      pools,
      members,
      memberNodes,
      sovereignNodes: () => ['a', 'b', 'c'].map(verifiedSn),
      livePools: () => new Set(['paris-h100', 'paris-all']),
      log,
    });
    await reconciler.reconcile('paris-h100');
    await reconciler.reconcile('paris-all');
    // Each again, as the label writes would wake them: counts stay where they settled.
    await reconciler.reconcile('paris-h100');
    await reconciler.reconcile('paris-all');
    const h100 = (await pools.get('paris-h100'))!.status!;
    const all = (await pools.get('paris-all'))!.status!;
    expect(h100).toMatchObject({ verifiedNodes: 2, capacity: 8, allocatable: 8 });
    expect(all).toMatchObject({
      verifiedNodes: 1,
      capacity: 4,
      allocatable: 4,
      claimedNodes: [
        { name: 'a', pool: 'paris-h100' },
        { name: 'b', pool: 'paris-h100' },
      ],
    });
    expect(all.nodeCapacity!.map((n) => n.name)).toEqual(['c']);
    expect(condition(pools.objects.get('paris-all'), 'NodesExclusive')).toMatchObject({ status: 'False', reason: 'NodesClaimedByOtherPool' });
    expect(pools.objects.get('paris-all')!.status!.conditions!.find((c) => c.type === 'NodesExclusive')!.message).toContain('a, b to pool paris-h100');
    expect(condition(pools.objects.get('paris-h100'), 'NodesExclusive')).toMatchObject({ status: 'True', reason: 'NoOverlap' });
    expect(memberNodes.node('paris', 'c')?.metadata?.labels?.['gpu.cloudempire.eu/pool']).toBe('paris-all');
    // Once the first pool is gone, the other takes its nodes over and counts them.
    await pools.delete('paris-h100');
    await reconciler.reconcile('paris-h100');
    const live = new GpuPoolReconciler({
      pools,
      members,
      memberNodes,
      sovereignNodes: () => ['a', 'b', 'c'].map(verifiedSn),
      livePools: () => new Set(['paris-all']),
      log,
    });
    await live.reconcile('paris-all');
    expect((await pools.get('paris-all'))!.status).toMatchObject({ verifiedNodes: 3, capacity: 12 });
    expect((await pools.get('paris-all'))!.status!.claimedNodes).toBeUndefined();
    expect(condition(pools.objects.get('paris-all'), 'NodesExclusive')).toMatchObject({ status: 'True' });
  });

  it('leaves out a node another pool labels between its snapshot and its label write', async () => {
    const pools = new FakeKind<GpuPool>(GpuPoolKind);
    pools.seed(pool);
    const memberNodes = new FakeMemberNodes();
    memberNodes.add('paris', { metadata: { name: 'a', labels: { pool: 'h100' } }, status: { allocatable: { 'nvidia.com/gpu': '4' } } });
    // The snapshot (a cache) does not show the label another pool has just written.
    const stale = { nodes: [structuredClone(memberNodes.node('paris', 'a')!)], pods: [] };
    memberNodes.node('paris', 'a')!.metadata!.labels!['gpu.cloudempire.eu/pool'] = 'paris-a100';
    const reconciler = new GpuPoolReconciler({
      pools,
      members: { snapshot: async () => stale, onChange: () => () => undefined },
      memberNodes,
      sovereignNodes: () => [verifiedSn('a')],
      livePools: () => new Set(['paris-h100', 'paris-a100']),
      log,
    });
    await reconciler.reconcile('paris-h100');
    expect((await pools.get('paris-h100'))!.status).toMatchObject({ verifiedNodes: 0, capacity: 0, claimedNodes: [{ name: 'a', pool: 'paris-a100' }] });
    expect(memberNodes.node('paris', 'a')!.metadata!.labels!['gpu.cloudempire.eu/pool']).toBe('paris-a100');
  });

  it('keeps its counts and retries soon when a label write fails', async () => {
    const pools = new FakeKind<GpuPool>(GpuPoolKind);
    pools.seed(pool);
    const memberNodes = new FakeMemberNodes();
    memberNodes.add('paris', { metadata: { name: 'a', labels: { pool: 'h100' } }, status: { capacity: { 'nvidia.com/gpu': '4' } } });
    const snapshot = { nodes: [...memberNodes.nodes.values()], pods: [] };
    memberNodes.failWith.set('paris', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const reconciler = new GpuPoolReconciler({
      pools,
      members: { snapshot: async () => snapshot, onChange: () => () => undefined },
      memberNodes,
      sovereignNodes: () => [verifiedSn('a')],
      log,
    });
    expect(await reconciler.reconcile('paris-h100')).toEqual({ requeueAfterMs: 10_000 });
    expect(condition(await pools.get('paris-h100'), 'Ready')).toMatchObject({ status: 'False', reason: 'MemberUnreachable' });
  });
});

describe('MemberCluster reconciler', () => {
  it('taints an unreachable member after the grace period through a spec write, and untaints it on recovery', async () => {
    const memberClusters = new FakeKind<MemberCluster>(MemberClusterKind);
    memberClusters.seed({
      apiVersion: 'cloudempire.eu/v1alpha1',
      kind: 'MemberCluster',
      metadata: { name: 'paris' },
      spec: { kubeconfigSecretRef: { name: 's', namespace: 'ns' }, country: 'FR', provider: 'ovhcloud' },
    });
    const clock = { now: T0, up: false };
    const reconciler = new MemberClusterReconciler({
      memberClusters,
      members: {
        probe: async () =>
          clock.up ? { version: 'v1.34.4', nodes: [], pods: [] } : Promise.reject(new Error('the API server of paris did not answer within 5000 ms')),
      },
      sovereignNodes: () => [],
      log,
      unreachableGraceMs: 2_000,
      now: () => clock.now,
    });
    expect(await reconciler.reconcile('paris')).toEqual({ requeueAfterMs: 2_000 });
    expect(condition(await memberClusters.get('paris'), 'Ready')).toMatchObject({ status: 'False', reason: 'Unreachable' });
    expect((await memberClusters.get('paris'))?.spec.taints).toBeUndefined();
    clock.now += 2_000;
    await reconciler.reconcile('paris');
    const tainted = (await memberClusters.get('paris'))!;
    expect(tainted.spec.taints).toEqual([{ key: 'cloudempire.eu/unreachable', effect: 'NoSchedule' }]);
    expect(tainted.status?.observedGeneration).toBe(tainted.metadata.generation);
    clock.up = true;
    await reconciler.reconcile('paris');
    expect((await memberClusters.get('paris'))?.spec.taints).toEqual([]);
    expect(condition(await memberClusters.get('paris'), 'Ready')).toMatchObject({ status: 'True', reason: 'Reachable' });
  });
});
