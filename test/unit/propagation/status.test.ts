import type { V1Deployment, V1Job, V1StatefulSet } from '@kubernetes/client-node';
import type { ConditionInput } from '../../../src/runtime/conditions.ts';
import { aggregateStatus } from '../../../src/cluster/propagation/status.ts';

const deployment = (replicas: number, status: V1Deployment['status'], generation = 2): V1Deployment => ({
  metadata: { name: 'agent', generation },
  spec: { replicas, selector: {}, template: {} },
  status: { observedGeneration: generation, ...status },
});
const rolledOut = (n: number) => deployment(n, { replicas: n, updatedReplicas: n, readyReplicas: n, availableReplicas: n });
const job = (status: V1Job['status']): V1Job => ({ metadata: { name: 'infer', generation: 1 }, spec: { template: {} }, status });
const complete = (succeeded: number) => job({ succeeded, conditions: [{ type: 'Complete', status: 'True' }] });

function byType(conditions: ConditionInput[]): Record<string, Pick<ConditionInput, 'status' | 'reason'>> {
  return Object.fromEntries(conditions.map((c) => [c.type, { status: c.status, reason: c.reason }]));
}

describe('aggregateStatus', () => {
  it('is Ready when every cluster has rolled out, with per-cluster counts, totals and the workload generation', () => {
    const status = aggregateStatus(7, 'Deployment', [
      { cluster: 'warsaw', desired: 2, object: rolledOut(2) },
      { cluster: 'paris', desired: 4, object: rolledOut(4) },
    ]);
    expect(status.clusters).toEqual([
      { name: 'paris', replicas: 4, readyReplicas: 4, message: '4 of 4 replicas ready' },
      { name: 'warsaw', replicas: 2, readyReplicas: 2, message: '2 of 2 replicas ready' },
    ]);
    expect([status.replicas, status.readyReplicas]).toEqual([6, 6]);
    expect(byType(status.conditions)).toEqual({
      Progressing: { status: 'False', reason: 'Complete' },
      Ready: { status: 'True', reason: 'AllClustersReady' },
      Degraded: { status: 'False', reason: 'AsExpected' },
    });
    expect(status.conditions.every((c) => c.observedGeneration === 7)).toBe(true);
  });

  it.each<[string, V1Deployment | undefined, string]>([
    ['not created yet', undefined, 'Creating'],
    ['a rollout under way', deployment(4, { replicas: 4, updatedReplicas: 2, readyReplicas: 4, availableReplicas: 4 }), 'RollingOut'],
    ['old replicas still terminating', deployment(2, { replicas: 3, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }), 'RollingOut'],
    ['replicas not yet available', deployment(2, { replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 }), 'RollingOut'],
    [
      'a spec the member has not observed',
      { ...rolledOut(2), metadata: { generation: 3 }, status: { ...rolledOut(2).status, observedGeneration: 2 } },
      'MemberNotObserved',
    ],
  ])('is Progressing, not Ready, with %s', (_what, object, reason) => {
    const status = aggregateStatus(1, 'Deployment', [
      { cluster: 'paris', desired: 2, object: rolledOut(2) },
      { cluster: 'madrid', desired: 2, object },
    ]);
    expect(byType(status.conditions)).toEqual({
      Progressing: { status: 'True', reason },
      Ready: { status: 'False', reason },
      Degraded: { status: 'False', reason: 'AsExpected' },
    });
    expect(status.conditions.find((c) => c.type === 'Ready')!.message).toMatch(/^madrid: /);
  });

  it.each<[string, Parameters<typeof aggregateStatus>[2][number], string]>([
    ['an unreachable cluster', { cluster: 'madrid', desired: 2, unreachable: 'connect ECONNREFUSED 127.0.0.1:6443' }, 'ClusterUnreachable'],
    [
      'a rollout past its deadline',
      {
        cluster: 'madrid',
        desired: 2,
        object: deployment(2, {
          conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "a" has timed out progressing.' }],
        }),
      },
      'ProgressDeadlineExceeded',
    ],
    [
      'pods that cannot be created',
      {
        cluster: 'madrid',
        desired: 2,
        object: deployment(2, { conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota' }] }),
      },
      'FailedCreate',
    ],
  ])('is Degraded and not Ready with %s, and still counts the healthy clusters', (_what, observation, reason) => {
    const status = aggregateStatus(1, 'Deployment', [{ cluster: 'paris', desired: 2, object: rolledOut(2) }, observation]);
    expect(byType(status.conditions)).toEqual({
      Progressing: { status: 'False', reason: 'Stalled' },
      Ready: { status: 'False', reason },
      Degraded: { status: 'True', reason },
    });
    expect(status.readyReplicas).toBe(2);
    expect(status.clusters.find((c) => c.name === 'madrid')!.message).toBeTruthy();
  });

  it('is Ready for Jobs only when every member Job is Complete, with succeeded and failed counts', () => {
    const running = aggregateStatus(1, 'Job', [
      { cluster: 'paris', desired: 1, object: complete(1) },
      { cluster: 'madrid', desired: 1, object: job({ active: 1, ready: 1, failed: 1 }) },
    ]);
    expect(byType(running.conditions).Ready).toEqual({ status: 'False', reason: 'JobRunning' });
    expect(running.clusters).toEqual([
      { name: 'madrid', replicas: 1, readyReplicas: 1, succeeded: 0, failed: 1, message: '1 active, 0 succeeded, 1 failed' },
      { name: 'paris', replicas: 1, readyReplicas: 0, succeeded: 1, failed: 0, message: '1 pods succeeded' },
    ]);
    const done = aggregateStatus(1, 'Job', [
      { cluster: 'paris', desired: 1, object: complete(1) },
      { cluster: 'madrid', desired: 1, object: complete(3) },
    ]);
    expect(byType(done.conditions)).toMatchObject({ Ready: { status: 'True', reason: 'JobsComplete' }, Progressing: { status: 'False' } });
    const failed = aggregateStatus(1, 'Job', [
      {
        cluster: 'paris',
        desired: 1,
        object: job({
          failed: 3,
          conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }],
        }),
      },
    ]);
    expect(byType(failed.conditions)).toMatchObject({ Degraded: { status: 'True', reason: 'JobFailed' }, Ready: { status: 'False', reason: 'JobFailed' } });
    expect(failed.conditions.find((c) => c.type === 'Degraded')!.message).toContain('BackoffLimitExceeded');
  });

  it('follows StatefulSet revisions and readiness', () => {
    const set = (status: V1StatefulSet['status']): V1StatefulSet => ({
      metadata: { generation: 1 },
      spec: { replicas: 3, selector: {}, serviceName: 's', template: {} },
      status,
    });
    const current = { replicas: 3, observedGeneration: 1, readyReplicas: 3, updatedReplicas: 3, currentRevision: 'r2', updateRevision: 'r2' };
    expect(byType(aggregateStatus(1, 'StatefulSet', [{ cluster: 'paris', desired: 3, object: set(current) }]).conditions).Ready.status).toBe('True');
    expect(
      byType(aggregateStatus(1, 'StatefulSet', [{ cluster: 'paris', desired: 3, object: set({ ...current, currentRevision: 'r1' }) }]).conditions).Ready,
    ).toEqual({
      status: 'False',
      reason: 'RollingOut',
    });
    expect(
      byType(aggregateStatus(1, 'StatefulSet', [{ cluster: 'paris', desired: 3, object: set({ ...current, readyReplicas: 2 }) }]).conditions).Progressing
        .status,
    ).toBe('True');
  });

  it('says NoPlacement for an empty decision', () => {
    expect(byType(aggregateStatus(1, 'Job', []).conditions).Ready).toEqual({ status: 'False', reason: 'NoPlacement' });
  });
});
