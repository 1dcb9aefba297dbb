import { fencedMemberWorkloads, type MemberWorkloads } from '../../../src/controllers/federatedworkload-members.ts';
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
