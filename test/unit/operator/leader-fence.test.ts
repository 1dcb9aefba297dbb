import type { FederatedWorkload } from '../../../src/api/generated/types.ts';
import { FederatedWorkloadKind } from '../../../src/api/schema/federatedworkload.ts';
import { fencedMemberNodes, type MemberNodes } from '../../../src/cluster/member-clients.ts';
import { fencedMemberWorkloads, fencedWorkloadEvents, type MemberWorkloads } from '../../../src/controllers/federatedworkload-members.ts';
import type { KindClient } from '../../../src/runtime/kind-client.ts';
import { fencedLedger } from '../../../src/ledger/fenced-ledger.ts';
import type { AttestationRecord, Ledger, PlacementRequest, RemovalRequest } from '../../../src/ledger/ledger.ts';
import { FencedWriteError, fencedKindClient } from '../../../src/runtime/write-fence.ts';
import { leaseLapse } from '../../../src/operator/leader.ts';

describe('leadership lapse, from the replica’s own clock', () => {
  it('allows a leader within its renew deadline, and refuses a standby or a leader past it', () => {
    expect(leaseLapse(true, 1_000, 2_999, 2_000)).toBeUndefined();
    expect(leaseLapse(true, 1_000, 3_000, 2_000)).toBeUndefined();
    expect(leaseLapse(true, 1_000, 3_001, 2_000)).toBe('this replica last renewed the leader lease 2001 ms ago, past its 2000 ms renew deadline');
    expect(leaseLapse(false, 1_000, 1_001, 2_000)).toBe('this replica is not the leader');
  });
});

describe('fenced member writes', () => {
  const calls: string[] = [];
  const inner: MemberWorkloads = {
    apply: async (cluster) => void calls.push(`apply ${cluster}`),
    prune: async (cluster) => (calls.push(`prune ${cluster}`), []),
    read: async (cluster) => (calls.push(`read ${cluster}`), undefined),
  };
  beforeEach(() => (calls.length = 0));

  it('writes while the fence allows it', async () => {
    const members = fencedMemberWorkloads(inner, () => undefined);
    await members.apply('paris', []);
    await members.prune('paris', 'team.a', []);
    expect(calls).toEqual(['apply paris', 'prune paris']);
  });

  it('refuses applies and prunes once leadership lapsed, naming why, and still reads', async () => {
    const members = fencedMemberWorkloads(inner, () => 'this replica is not the leader');
    await expect(members.apply('paris', [])).rejects.toThrow('member writes refused: this replica is not the leader');
    await expect(members.prune('paris', 'team.a', [])).rejects.toThrow('member writes refused');
    await members.read('paris', { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'team', name: 'a' });
    expect(calls).toEqual(['read paris']);
  });
});

// The frozen ex-leader of leader-kill.test.ts: its status replaces carry the resourceVersion it read, which
// still matches wherever the new leader has not written yet, so only its own lease clock can refuse them.
describe('fenced host writes, member Node writes and Events', () => {
  const calls: string[] = [];
  const fw = { metadata: { name: 'a', namespace: 'team' } } as FederatedWorkload;
  const inner: KindClient<FederatedWorkload> = {
    kind: FederatedWorkloadKind,
    get: async (key) => (calls.push(`get ${key}`), undefined),
    list: async () => (calls.push('list'), { items: [] }),
    create: async (o) => (calls.push('create'), o),
    update: async (o) => (calls.push('update'), o),
    updateStatus: async (o) => (calls.push('updateStatus'), o),
    delete: async (key) => void calls.push(`delete ${key}`),
  };
  const nodes: MemberNodes = {
    readNode: async (cluster, name) => (calls.push(`readNode ${cluster}/${name}`), { metadata: { name } }),
    replaceNode: async (cluster, node) => (calls.push(`replaceNode ${cluster}/${node.metadata?.name}`), node),
  };
  let lapse: string | undefined;
  const fence = () => lapse;
  beforeEach(() => {
    calls.length = 0;
    lapse = undefined;
  });

  it('passes every write while this replica leads', async () => {
    const client = fencedKindClient(inner, fence);
    await client.create(fw);
    await client.update(fw);
    await client.updateStatus(fw);
    await client.delete('team/a');
    await fencedMemberNodes(nodes, fence).replaceNode('paris', { metadata: { name: 'n1' } }, 'cloud-empire');
    await fencedWorkloadEvents({ emit: async (_w, _t, reason) => void calls.push(`emit ${reason}`) }, fence).emit(fw, 'Normal', 'Placed', 'm');
    expect(calls).toEqual(['create', 'update', 'updateStatus', 'delete team/a', 'replaceNode paris/n1', 'emit Placed']);
  });

  it('refuses every write once the lease lapsed, naming the kind and why; reads stay open; Events are dropped', async () => {
    lapse = 'this replica last renewed the leader lease 9000 ms ago, past its 2000 ms renew deadline';
    const client = fencedKindClient(inner, fence);
    expect(client.kind).toBe(FederatedWorkloadKind);
    await expect(client.updateStatus(fw)).rejects.toThrow(new FencedWriteError(`host writes of FederatedWorkload refused: ${lapse}`));
    await expect(client.update(fw)).rejects.toBeInstanceOf(FencedWriteError);
    await expect(client.create(fw)).rejects.toBeInstanceOf(FencedWriteError);
    await expect(client.delete('team/a')).rejects.toBeInstanceOf(FencedWriteError);
    const member = fencedMemberNodes(nodes, fence);
    await expect(member.replaceNode('paris', { metadata: { name: 'n1' } }, 'cloud-empire')).rejects.toThrow(`member Node writes refused: ${lapse}`);
    await fencedWorkloadEvents({ emit: async (_w, _t, reason) => void calls.push(`emit ${reason}`) }, fence).emit(fw, 'Normal', 'Placed', 'm');
    await client.get('team/a');
    await client.list();
    await member.readNode('paris', 'n1');
    expect(calls).toEqual(['get team/a', 'list', 'readNode paris/n1']);
  });
});

// Attack review: on Fabric nothing else stops a woken ex-leader's RecordRemoval from closing a decision the new leader
// keeps running (ending its grants); the embedded ledger has its block log's length check.
describe('fenced ledger writes', () => {
  it('refuses attestations, placements and removals once the lease lapsed; evaluations, reads and probes stay open', async () => {
    const calls: string[] = [];
    const inner = {
      kind: 'fabric' as const,
      recordAttestation: async () => (calls.push('recordAttestation'), { txId: 't' }),
      authorizePlacement: async () => (calls.push('authorizePlacement'), {}),
      recordPlacement: async () => (calls.push('recordPlacement'), {}),
      getPolicy: async () => (calls.push('getPolicy'), {}),
      getDecision: async () => (calls.push('getDecision'), {}),
      recordRemoval: async () => (calls.push('recordRemoval'), {}),
      probe: async () => void calls.push('probe'),
      close: async () => void calls.push('close'),
    } as unknown as Ledger;
    let lapse: string | undefined = undefined;
    const ledger = fencedLedger(inner, () => lapse);
    expect(ledger.kind).toBe('fabric');
    const request = {} as PlacementRequest;
    await ledger.recordPlacement(request);
    await ledger.recordRemoval({} as RemovalRequest);
    expect(calls).toEqual(['recordPlacement', 'recordRemoval']);
    calls.length = 0;
    lapse = 'this replica is not the leader';
    await expect(ledger.recordAttestation({} as AttestationRecord)).rejects.toThrow('ledger writes refused: this replica is not the leader');
    await expect(ledger.recordPlacement(request)).rejects.toBeInstanceOf(FencedWriteError);
    await expect(ledger.recordRemoval({} as RemovalRequest)).rejects.toBeInstanceOf(FencedWriteError);
    await ledger.authorizePlacement(request);
    await ledger.getPolicy('d');
    await ledger.getDecision('x');
    await ledger.probe();
    await ledger.close();
    expect(calls).toEqual(['authorizePlacement', 'getPolicy', 'getDecision', 'probe', 'close']);
  });
});
