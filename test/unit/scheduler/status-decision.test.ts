// The decision as status.decision stores it: each cluster's refused pools beside its refusal or its
// score, and every free-text field clipped to what the CRD schema allows.
import { validate } from '../../../src/api/validate.ts';
import { schedule, type Decision } from '../../../src/scheduler/schedule.ts';
import { toStatusDecision } from '../../../src/scheduler/status.ts';
import { member, pool, snapshotOf, workload } from './fixtures.ts';

const gpuWorkload = () => workload({ replicas: 1, gpu: { count: 1, resourceName: 'nvidia.com/gpu', model: 'NVIDIA-H100-80GB-HBM3' } });

describe('status.decision', () => {
  it('lists the refused pools of a refused cluster, and of a chosen one beside its score', () => {
    const snapshot = snapshotOf(
      [member('a'), member('b')],
      [
        pool('a-h100', 'a', { nodes: { 'a-n1': [8, 0] } }),
        pool('a-a100', 'a', { model: 'NVIDIA-A100-SXM4-80GB', nodes: { 'a-n1': [8, 0] } }),
        pool('b-a100', 'b', { model: 'NVIDIA-A100-SXM4-80GB', nodes: { 'b-n1': [8, 0] } }),
      ],
    );
    const status = toStatusDecision(schedule(gpuWorkload(), snapshot));
    expect(status.placements).toMatchObject([{ cluster: 'a', pool: 'a-h100', replicas: 1 }]);
    const modelMismatch = (name: string) => ({
      pool: name,
      plugin: 'GpuFit',
      code: 'ModelMismatch',
      reason: `pool ${name} has NVIDIA-A100-SXM4-80GB, the workload asks for NVIDIA-H100-80GB-HBM3`,
    });
    expect(status.refused).toEqual([expect.objectContaining({ cluster: 'b', pools: [modelMismatch('b-a100')] })]);
    expect(status.scores).toEqual([expect.objectContaining({ cluster: 'a', pool: 'a-h100', refusedPools: [modelMismatch('a-a100')] })]);
    expect(validate('FederatedWorkload', { ...gpuWorkload(), status: { decision: status } })).toMatchObject({ ok: true });
  });

  it('clips reasons to 1024 characters and the unschedulable message to 4096, ending in an ellipsis', () => {
    const long = (n: number) => 'x'.repeat(n);
    const decision = {
      workload: 'team/app',
      result: 'Unschedulable',
      placements: [],
      reservations: [],
      fallback: false,
      unschedulable: { code: 'InsufficientCapacity', message: long(5000) },
      evaluations: [
        {
          cluster: 'a',
          refusal: { plugin: 'ResourceFit', code: 'InsufficientCpu', reason: long(2000) },
          poolRefusals: [{ pool: 'p', plugin: 'GpuFit', code: 'InsufficientGpus', reason: long(1024) }],
        },
      ],
    } as unknown as Decision;
    const status = toStatusDecision(decision, { ledgerTxId: 'tx-1', decidedAt: '2026-12-01T00:00:00Z' });
    const [refused] = status.refused!;
    expect(refused.reason).toHaveLength(1024);
    expect(refused.reason.endsWith('x…')).toBe(true);
    // Exactly at the limit: kept whole.
    expect(refused.pools![0].reason).toBe(long(1024));
    expect(status.unschedulable!.message).toHaveLength(4096);
    expect(status.unschedulable!.message.endsWith('…')).toBe(true);
    expect(status).toMatchObject({ ledgerTxId: 'tx-1', decidedAt: '2026-12-01T00:00:00Z' });
    expect(status.scores).toBeUndefined();
    expect(status.placements).toEqual([]);
  });
});
