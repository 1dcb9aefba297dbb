import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { GpuPool, MemberCluster, SovereignNode } from '../../../src/api/generated/types.ts';
import { slimPod } from '../../../src/cluster/member-watches.ts';
import { gpuPoolStatus, nodesClaimedByOtherPools, poolLabelChanges } from '../../../src/controllers/gpupool-status.ts';
import { memberClusterStatus, memberStatusWorthWriting } from '../../../src/controllers/membercluster-status.ts';
import { alreadyRecorded, currentChallenge, nextLookMs, sovereignNodeStatus, type SovereignNodeFacts } from '../../../src/controllers/sovereignnode-status.ts';
import type { Verdict } from '../../../src/trust/verifier.ts';

const now = new Date('2026-12-01T09:00:00Z');
const nowMs = now.getTime();
const GFD = { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' };
const node = (name: string, labels: Record<string, string>, gpus = 4): V1Node => ({
  metadata: { name, labels },
  status: { capacity: { 'nvidia.com/gpu': String(gpus) }, allocatable: { 'nvidia.com/gpu': String(gpus) } },
});
const sovereign = (nodeName: string, verified: boolean, countryCode = 'FR', cluster = 'paris'): SovereignNode => ({
  apiVersion: 'cloudempire.eu/v1alpha1',
  kind: 'SovereignNode',
  metadata: { name: `${cluster}-${nodeName}`, generation: 2 },
  spec: { memberCluster: cluster, nodeName, did: 'did:key:z', credential: 'a.b.c' },
  status: {
    countryCode: countryCode as 'FR',
    conditions: [
      { type: 'Verified', status: verified ? 'True' : 'False', reason: 'x', message: '', observedGeneration: 2, lastTransitionTime: '2026-01-01T00:00:00Z' },
    ],
  },
});
const pool: GpuPool = {
  apiVersion: 'cloudempire.eu/v1alpha1',
  kind: 'GpuPool',
  metadata: { name: 'paris-h100', generation: 3 },
  spec: {
    memberCluster: 'paris',
    nodeSelector: { matchLabels: { pool: 'h100' } },
    resourceName: 'nvidia.com/gpu',
    model: 'NVIDIA-H100-80GB-HBM3',
    provider: 'ovhcloud',
  },
};
const condition = (status: { conditions?: { type: string }[] } | undefined, type: string) => status?.conditions?.find((c) => c.type === type);

describe('gpuPoolStatus', () => {
  const nodes = [
    node('a', { pool: 'h100', ...GFD }),
    node('b', { pool: 'h100', 'nvidia.com/gpu.product': 'NVIDIA-A100' }),
    node('c', { pool: 'h100', 'trust.cloudempire.eu/verified': 'true', ...GFD }),
    node('d', { other: 'x' }),
  ];
  const pods: V1Pod[] = [
    {
      metadata: { name: 'p' },
      spec: { nodeName: 'a', containers: [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': '3' } } }] },
      status: { phase: 'Running' },
    },
  ];

  it('counts the verified selected nodes only, whatever member labels say, and reports hardware that disagrees', () => {
    const plan = gpuPoolStatus(pool, { nodes, pods }, [sovereign('a', true), sovereign('b', true, 'DE'), sovereign('c', false)], now);
    expect(plan.poolNodes).toEqual(['a', 'b']);
    expect(plan.status).toMatchObject({
      observedGeneration: 3,
      nodes: 3,
      verifiedNodes: 2,
      capacity: 8,
      allocatable: 8,
      allocated: 3,
      countries: ['DE', 'FR'],
    });
    expect(condition(plan.status, 'Ready')).toMatchObject({
      status: 'True',
      reason: 'PoolAvailable',
      message: '5 of 8 nvidia.com/gpu free on 2 verified node(s)',
      observedGeneration: 3,
    });
    expect(condition(plan.status, 'HardwareMatches')).toMatchObject({
      status: 'False',
      reason: 'FeatureDiscoveryMismatch',
      message: expect.stringContaining('b: nvidia.com/gpu.product=NVIDIA-A100'),
    });
  });

  it('is not Ready without verified nodes, and ignores verdicts of another member or an older generation', () => {
    const stale = sovereign('a', true);
    stale.metadata.generation = 3;
    const plan = gpuPoolStatus(pool, { nodes, pods: [] }, [stale, sovereign('b', true, 'FR', 'madrid')], now);
    expect(plan.status).toMatchObject({ verifiedNodes: 0, capacity: 0, countries: [] });
    expect(condition(plan.status, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'NoVerifiedNodes',
      message: '3 node(s) match the selector, none verified',
    });
  });

  it('keeps the last counts and says why when the member cannot be read', () => {
    const counted = { ...pool, status: gpuPoolStatus(pool, { nodes, pods }, [sovereign('a', true)], now).status };
    const plan = gpuPoolStatus(counted, { reason: 'KubeconfigSecretNotFound', message: 'Secret x does not exist' }, [], now);
    expect(plan.poolNodes).toBeUndefined();
    expect(plan.status).toMatchObject({ verifiedNodes: 1, capacity: 4 });
    expect(condition(plan.status, 'Ready')).toMatchObject({ status: 'False', reason: 'KubeconfigSecretNotFound' });
  });

  it('counts the federation’s own pods apart from foreign ones, per node', () => {
    const gpuPod = (name: string, nodeName: string, gpus: number, labels: Record<string, string> = {}, phase = 'Running'): V1Pod => ({
      metadata: { name, labels },
      spec: { nodeName, containers: [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': String(gpus) } } }] },
      status: { phase },
    });
    const own = { 'cloudempire.eu/managed-by': 'cloud-empire', 'cloudempire.eu/workload': 'team.llm' };
    const mixed = [
      gpuPod('own', 'a', 2, own),
      gpuPod('foreign', 'a', 1),
      // Carries the managed-by label without naming a workload: not the operator's.
      gpuPod('lookalike', 'b', 1, { 'cloudempire.eu/managed-by': 'cloud-empire' }),
      gpuPod('done', 'b', 3, own, 'Succeeded'),
    ];
    const plan = gpuPoolStatus(pool, { nodes, pods: mixed }, [sovereign('a', true), sovereign('b', true)], now);
    expect(plan.status).toMatchObject({ allocated: 4, federationAllocated: 2 });
    // The same, from pods as the member cache keeps them (slim projections): the real API server run found the label dropped there.
    expect(gpuPoolStatus(pool, { nodes, pods: mixed.map(slimPod) }, [sovereign('a', true), sovereign('b', true)], now).status).toEqual(plan.status);
    expect(plan.status.nodeCapacity).toEqual([
      { name: 'a', allocatable: 4, allocated: 3, federationAllocated: 2 },
      { name: 'b', allocatable: 4, allocated: 1, federationAllocated: 0 },
    ]);
  });

  it('leaves out nodes another pool counts, and names them and that pool', () => {
    const plan = gpuPoolStatus(pool, { nodes, pods }, [sovereign('a', true), sovereign('b', true)], now, new Map([['a', 'paris-all']]));
    expect(plan.poolNodes).toEqual(['b']);
    expect(plan.status).toMatchObject({ verifiedNodes: 1, capacity: 4, allocated: 0, claimedNodes: [{ name: 'a', pool: 'paris-all' }] });
    expect(condition(plan.status, 'NodesExclusive')).toMatchObject({
      status: 'False',
      reason: 'NodesClaimedByOtherPool',
      message: '1 verified node(s) the selector matches belong to another pool, which labelled them first, and count there, not here: a to pool paris-all',
    });
    const alone = gpuPoolStatus(pool, { nodes, pods }, [sovereign('b', true)], now, new Map([['b', 'paris-all']]));
    expect(condition(alone.status, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'NoVerifiedNodes',
      message: '3 node(s) match the selector, none verified outside other pools (1 count in another pool)',
    });
  });

  it('finds the nodes other live pools labelled', () => {
    const labelled = [
      node('a', { 'gpu.cloudempire.eu/pool': 'paris-all' }),
      node('b', { 'gpu.cloudempire.eu/pool': 'paris-h100' }),
      node('c', { 'gpu.cloudempire.eu/pool': 'deleted-pool' }),
      node('d', {}),
    ];
    expect(nodesClaimedByOtherPools(labelled, 'gpu.cloudempire.eu/pool', 'paris-h100', new Set(['paris-all']))).toEqual(new Map([['a', 'paris-all']]));
  });

  it('labels exactly the pool’s nodes: adds, removes, and leaves other pools’ labels', () => {
    const labelled = [
      node('a', {}),
      node('b', { 'gpu.cloudempire.eu/pool': 'paris-h100' }),
      node('c', { 'gpu.cloudempire.eu/pool': 'other' }),
      node('d', { 'gpu.cloudempire.eu/pool': 'paris-h100' }),
    ];
    expect(poolLabelChanges(labelled, 'gpu.cloudempire.eu/pool', 'paris-h100', new Set(['a', 'd']))).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });

  it('leaves a node another live pool labelled first, and takes over one whose pool is gone', () => {
    const claimed = [node('a', { 'gpu.cloudempire.eu/pool': 'paris-a100' }), node('b', { 'gpu.cloudempire.eu/pool': 'deleted-pool' })];
    const members = new Set(['a', 'b']);
    expect(poolLabelChanges(claimed, 'gpu.cloudempire.eu/pool', 'paris-h100', members, new Set(['paris-a100']))).toEqual([['b', true]]);
    // The pool that labelled it keeps it: no change either way, so two overlapping pools never relabel a node in turn.
    expect(poolLabelChanges(claimed, 'gpu.cloudempire.eu/pool', 'paris-a100', members, new Set(['paris-h100']))).toEqual([['b', true]]);
  });
});

describe('memberClusterStatus', () => {
  const member: MemberCluster = {
    apiVersion: 'cloudempire.eu/v1alpha1',
    kind: 'MemberCluster',
    metadata: { name: 'paris', generation: 4 },
    spec: {
      kubeconfigSecretRef: { name: 's', namespace: 'cloud-empire' },
      country: 'FR',
      provider: 'ovhcloud',
      taints: [{ key: 'team.example/gpu', effect: 'NoSchedule' }],
    },
  };
  const timing = { intervalMs: 10_000, graceMs: 60_000 };
  const down = { reason: 'Unreachable', message: 'the API server of paris did not answer within 5000 ms' };

  it('reports a reachable member: version, node counts and verified GPU capacity', () => {
    const plan = memberClusterStatus(member, { version: 'v1.34.4', nodes: [node('a', {}), node('b', {})] }, [sovereign('a', true)], nowMs, timing);
    expect(plan.status).toMatchObject({
      kubernetesVersion: 'v1.34.4',
      nodeCount: 2,
      verifiedNodeCount: 1,
      gpus: [{ resourceName: 'nvidia.com/gpu', capacity: 4, allocatable: 4 }],
      observedGeneration: 4,
    });
    expect(condition(plan.status, 'Ready')).toMatchObject({ status: 'True', reason: 'Reachable' });
    expect(plan).toMatchObject({ taints: undefined, requeueAfterMs: 10_000 });
  });

  it('is Ready=False at the first failed probe, taints only after the grace period, and looks again when it ends', () => {
    const first = memberClusterStatus(member, down, [], nowMs, timing);
    expect(condition(first.status, 'Ready')).toMatchObject({ status: 'False', reason: 'Unreachable', lastTransitionTime: '2026-12-01T09:00:00Z' });
    expect(first.status.unreachableSince).toBe(now.toISOString());
    expect(first.taints).toBeUndefined();
    const later = { ...member, status: first.status };
    expect(memberClusterStatus(later, down, [], nowMs + 55_000, timing)).toMatchObject({ taints: undefined, requeueAfterMs: 5_000 });
    const past = memberClusterStatus(later, down, [], nowMs + 60_000, timing);
    expect(past.taints).toEqual([
      { key: 'team.example/gpu', effect: 'NoSchedule' },
      { key: 'cloudempire.eu/unreachable', effect: 'NoSchedule' },
    ]);
    expect(past.status.unreachableSince).toBe(now.toISOString());
  });

  it('removes only its own taint on recovery', () => {
    const tainted = {
      ...member,
      spec: { ...member.spec, taints: [...member.spec.taints!, { key: 'cloudempire.eu/unreachable', effect: 'NoSchedule' as const }] },
      status: { unreachableSince: now.toISOString() },
    };
    const plan = memberClusterStatus(tainted, { version: 'v1.34.4', nodes: [] }, [], nowMs + 120_000, timing);
    expect(plan.taints).toEqual([{ key: 'team.example/gpu', effect: 'NoSchedule' }]);
    expect(plan.status.unreachableSince).toBeUndefined();
  });

  it('does not write a status whose only news is the probe time, unless the last write is stale', () => {
    const status = memberClusterStatus(member, { version: 'v1', nodes: [] }, [], nowMs, timing).status;
    expect(memberStatusWorthWriting({ ...status, lastProbeTime: new Date(nowMs + 10_000).toISOString() }, status, nowMs + 10_000, 10_000)).toBe(false);
    expect(memberStatusWorthWriting(status, status, nowMs + 51_000, 10_000)).toBe(true);
    expect(memberStatusWorthWriting({ ...status, nodeCount: 1 }, status, nowMs + 1, 10_000)).toBe(true);
  });
});

describe('SovereignNode decisions', () => {
  const config = { requireProofOfPossession: true, challengeTtlSeconds: 3600, audience: 'urn:op', clockSkewSeconds: 60 };
  const verdict: Verdict = {
    verified: true,
    reason: 'VERIFIED',
    message: 'ok',
    issuer: 'did:key:i',
    countryCode: 'FR',
    jurisdiction: 'EU',
    expiresAt: '2026-12-02T09:00:00.000Z',
    recheckAt: '2026-12-02T09:01:00.000Z',
  };
  const facts = (over: Partial<SovereignNodeFacts> = {}): SovereignNodeFacts => ({
    generation: 2,
    previous: {},
    challenge: undefined,
    verdict,
    recorded: { ok: true, txId: 'tx1' },
    bound: { ok: true },
    ledgerKind: 'embedded',
    memberCluster: 'paris',
    nodeName: 'n1',
    now,
    ...over,
  });

  it('keeps a challenge until it lapses, then issues a fresh one; none when proofs are off', () => {
    let n = 0;
    const nonce = () => `nonce-${++n}-0123456789abcdef`;
    const first = currentChallenge(undefined, config, nowMs, nonce)!;
    expect(first).toEqual({ nonce: 'nonce-1-0123456789abcdef', audience: 'urn:op', issuedAt: now.toISOString() });
    expect(currentChallenge(first, config, nowMs + 3_599_999, nonce)).toBe(first);
    expect(currentChallenge(first, config, nowMs + 3_600_000, nonce)?.nonce).toBe('nonce-2-0123456789abcdef');
    expect(currentChallenge(first, { ...config, requireProofOfPossession: false }, nowMs, nonce)).toBeUndefined();
  });

  it('admits a recorded positive verdict, with the ledger transaction', () => {
    const status = sovereignNodeStatus(facts());
    expect(status).toMatchObject({ observedGeneration: 2, ledgerTxId: 'tx1', countryCode: 'FR', jurisdiction: 'EU', verifiedAt: now.toISOString() });
    expect(status.conditions!.map((c) => `${c.type}=${c.status}:${c.reason}`)).toEqual([
      'Verified=True:Verified',
      'Recorded=True:AttestationRecorded',
      'LedgerAvailable=True:LedgerAnswered',
      'NodeBound=True:NodeMarked',
    ]);
  });

  it('fails closed: a positive verdict the ledger refused or could not take is not Verified', () => {
    const refused = sovereignNodeStatus(facts({ recorded: { ok: false, reason: 'LedgerRefused', error: 'issuer is not an anchor' } }));
    expect(condition(refused, 'Verified')).toMatchObject({
      status: 'False',
      reason: 'LedgerRefused',
      message: expect.stringContaining('the node stays unverified'),
    });
    expect(condition(refused, 'LedgerAvailable')).toMatchObject({ status: 'True' });
    expect(refused.verifiedAt).toBeUndefined();
    const down = sovereignNodeStatus(facts({ recorded: { ok: false, reason: 'LedgerUnavailable', error: 'could not commit' } }));
    expect(condition(down, 'Verified')).toMatchObject({ status: 'False', reason: 'LedgerUnavailable' });
    expect(condition(down, 'LedgerAvailable')).toMatchObject({ status: 'False', reason: 'LedgerUnavailable' });
  });

  it('skips a record already on the ledger for this generation and verdict, not for another', () => {
    const previous = sovereignNodeStatus(facts());
    expect(alreadyRecorded(previous, 2, { reason: 'VERIFIED' })).toBe('tx1');
    expect(alreadyRecorded(previous, 3, { reason: 'VERIFIED' })).toBeUndefined();
    expect(alreadyRecorded(previous, 2, { reason: 'EXPIRED' })).toBeUndefined();
  });

  it('looks again before the credential expires, then at the verifier’s recheck, never busier than once a second', () => {
    const input = {
      verdict,
      recorded: { ok: true as const, txId: 't' },
      bound: { ok: true as const },
      challenge: undefined,
      config,
      nowMs,
      resyncMs: 10 * 86_400_000,
      retryMs: 10_000,
    };
    const expiresAt = Date.parse(verdict.expiresAt!);
    expect(nowMs + nextLookMs(input)).toBe(expiresAt - 60_000);
    const justBefore = expiresAt - 30_000;
    expect(justBefore + nextLookMs({ ...input, nowMs: justBefore })).toBe(Date.parse(verdict.recheckAt!));
    expect(nextLookMs({ ...input, nowMs: Date.parse(verdict.recheckAt!) })).toBe(1000);
    expect(nextLookMs({ ...input, bound: { ok: false, reason: 'NodeNotFound', message: '' } })).toBe(10_000);
  });
});
