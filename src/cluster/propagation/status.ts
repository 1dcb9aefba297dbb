// FederatedWorkload status from what the members report about their copies:
// per-cluster counts, totals and kstatus-style conditions (Progressing, Ready,
// Degraded), so `kubectl wait --for=condition=Ready` works. Pure.
import type { V1Deployment, V1Job, V1StatefulSet } from '@kubernetes/client-node';
import type { Condition, MemberWorkloadStatus } from '../../api/generated/types.ts';
import type { ConditionInput } from '../../runtime/conditions.ts';

export type MemberWorkload = V1Deployment | V1StatefulSet | V1Job;
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'Job';

/** What the controller saw of one cluster of the decision. */
export type MemberObservation =
  | { cluster: string; /** Replicas the decision gives this cluster. */ desired: number; object: MemberWorkload }
  | { cluster: string; desired: number; object: undefined }
  | { cluster: string; desired: number; unreachable: string };

export interface AggregatedStatus {
  clusters: MemberWorkloadStatus[];
  replicas: number;
  readyReplicas: number;
  /** Progressing, Ready, Degraded, each with the workload's generation. */
  conditions: ConditionInput[];
}

type Phase = 'done' | 'progressing' | 'degraded';

interface ClusterVerdict {
  status: MemberWorkloadStatus;
  phase: Phase;
  reason: string;
  message: string;
}

function deploymentVerdict(d: V1Deployment): Omit<ClusterVerdict, 'status'> & { ready: number } {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const ready = s.readyReplicas ?? 0;
  const conditions = s.conditions ?? [];
  const deadline = conditions.find((c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded');
  if (deadline)
    return { ready, phase: 'degraded', reason: 'ProgressDeadlineExceeded', message: deadline.message ?? 'the rollout exceeded its progress deadline' };
  const failure = conditions.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  if (failure) return { ready, phase: 'degraded', reason: failure.reason ?? 'ReplicaFailure', message: failure.message ?? 'pods cannot be created' };
  const updated = s.updatedReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const total = s.replicas ?? 0;
  if (updated < want) return { ready, phase: 'progressing', reason: 'RollingOut', message: `${updated} of ${want} replicas updated` };
  if (total > updated) return { ready, phase: 'progressing', reason: 'RollingOut', message: `${total - updated} old replicas pending termination` };
  if (available < want) return { ready, phase: 'progressing', reason: 'RollingOut', message: `${available} of ${want} replicas available` };
  return { ready, phase: 'done', reason: 'Available', message: `${ready} of ${want} replicas ready` };
}

function statefulSetVerdict(st: V1StatefulSet): Omit<ClusterVerdict, 'status'> & { ready: number } {
  const want = st.spec?.replicas ?? 1;
  const s = st.status ?? { replicas: 0 };
  const ready = s.readyReplicas ?? 0;
  if (st.spec?.updateStrategy?.type !== 'OnDelete' && (s.updatedReplicas ?? 0) < want) {
    return { ready, phase: 'progressing', reason: 'RollingOut', message: `${s.updatedReplicas ?? 0} of ${want} replicas updated` };
  }
  if (ready < want) return { ready, phase: 'progressing', reason: 'RollingOut', message: `${ready} of ${want} replicas ready` };
  if (s.updateRevision && s.currentRevision !== s.updateRevision && st.spec?.updateStrategy?.type !== 'OnDelete') {
    return { ready, phase: 'progressing', reason: 'RollingOut', message: `revision ${s.updateRevision} not yet current` };
  }
  return { ready, phase: 'done', reason: 'Available', message: `${ready} of ${want} replicas ready` };
}

function jobVerdict(job: V1Job): Omit<ClusterVerdict, 'status'> & { ready: number } {
  const s = job.status ?? {};
  const ready = s.ready ?? 0;
  const failed = s.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed) return { ready, phase: 'degraded', reason: 'JobFailed', message: `${failed.reason ?? 'Failed'}: ${failed.message ?? 'the Job failed'}` };
  const complete = s.conditions?.find((c) => c.type === 'Complete' && c.status === 'True');
  if (complete) return { ready, phase: 'done', reason: 'JobComplete', message: `${s.succeeded ?? 0} pods succeeded` };
  const suspended = s.conditions?.find((c) => c.type === 'Suspended' && c.status === 'True');
  if (suspended) return { ready, phase: 'progressing', reason: 'JobSuspended', message: 'the Job is suspended' };
  return { ready, phase: 'progressing', reason: 'JobRunning', message: `${s.active ?? 0} active, ${s.succeeded ?? 0} succeeded, ${s.failed ?? 0} failed` };
}

function clusterVerdict(kind: WorkloadKind, observation: MemberObservation): ClusterVerdict {
  const base: MemberWorkloadStatus = { name: observation.cluster, replicas: observation.desired };
  if ('unreachable' in observation) {
    const message = `cluster unreachable: ${observation.unreachable}`;
    return { status: { ...base, message }, phase: 'degraded', reason: 'ClusterUnreachable', message };
  }
  const object = observation.object;
  if (!object) {
    const message = 'not yet created in the member';
    return { status: { ...base, readyReplicas: 0, message }, phase: 'progressing', reason: 'Creating', message };
  }
  const isJob = kind === 'Job';
  const verdict = isJob
    ? jobVerdict(object as V1Job)
    : kind === 'StatefulSet'
      ? statefulSetVerdict(object as V1StatefulSet)
      : deploymentVerdict(object as V1Deployment);
  const jobCounts = isJob ? { succeeded: (object as V1Job).status?.succeeded ?? 0, failed: (object as V1Job).status?.failed ?? 0 } : {};
  const generation = object.metadata?.generation;
  const observed = isJob ? undefined : (object as V1Deployment | V1StatefulSet).status?.observedGeneration;
  // The member's controller has not acted on the latest spec yet: its status says nothing about it.
  const stale = !isJob && generation !== undefined && (observed === undefined || observed < generation);
  const { phase, reason, message } = stale
    ? { phase: 'progressing' as const, reason: 'MemberNotObserved', message: `the member has not yet observed generation ${generation}` }
    : verdict;
  return { status: { ...base, readyReplicas: verdict.ready, ...jobCounts, message }, phase, reason, message };
}

function summary(verdicts: ClusterVerdict[], phase: Phase): { reason: string; message: string } {
  const matching = verdicts.filter((v) => v.phase === phase);
  return { reason: matching[0].reason, message: matching.map((v) => `${v.status.name}: ${v.message}`).join('; ') };
}

/**
 * Status for a FederatedWorkload of `generation` (its template of `kind`) from
 * one observation per cluster of its decision. Degraded wins over progressing: a cluster that is
 * unreachable or a failed Job keeps Ready False until it is fixed or placed
 * elsewhere.
 */
export function aggregateStatus(generation: number, kind: WorkloadKind, observations: readonly MemberObservation[]): AggregatedStatus {
  const verdicts = [...observations].sort((a, b) => a.cluster.localeCompare(b.cluster)).map((o) => clusterVerdict(kind, o));
  const clusters = verdicts.map((v) => v.status);
  const replicas = clusters.reduce((n, c) => n + c.replicas, 0);
  const readyReplicas = clusters.reduce((n, c) => n + (c.readyReplicas ?? 0), 0);
  const observedGeneration = generation;
  const condition = (type: string, status: Condition['status'], reason: string, message: string): ConditionInput => ({
    type,
    status,
    reason,
    message,
    observedGeneration,
  });

  if (verdicts.length === 0) {
    return {
      clusters,
      replicas,
      readyReplicas,
      conditions: [
        condition('Progressing', 'False', 'NoPlacement', 'no cluster is placed'),
        condition('Ready', 'False', 'NoPlacement', 'no cluster is placed'),
        condition('Degraded', 'False', 'NoPlacement', 'no cluster is placed'),
      ],
    };
  }
  const degraded = verdicts.some((v) => v.phase === 'degraded');
  const progressing = verdicts.some((v) => v.phase === 'progressing');
  const conditions: ConditionInput[] = [];
  if (progressing) {
    const p = summary(verdicts, 'progressing');
    conditions.push(condition('Progressing', 'True', p.reason, p.message));
  } else {
    conditions.push(
      condition('Progressing', 'False', degraded ? 'Stalled' : 'Complete', degraded ? 'no cluster is making progress' : 'every cluster is up to date'),
    );
  }
  if (degraded) {
    const d = summary(verdicts, 'degraded');
    conditions.push(condition('Ready', 'False', d.reason, d.message), condition('Degraded', 'True', d.reason, d.message));
  } else if (progressing) {
    const p = summary(verdicts, 'progressing');
    conditions.push(condition('Ready', 'False', p.reason, p.message), condition('Degraded', 'False', 'AsExpected', 'no cluster reports a failure'));
  } else {
    const done = verdicts.every((v) => v.reason === 'JobComplete') ? 'JobsComplete' : 'AllClustersReady';
    conditions.push(
      condition('Ready', 'True', done, `${verdicts.length} cluster(s): ${readyReplicas} of ${replicas} replicas ready`),
      condition('Degraded', 'False', 'AsExpected', 'no cluster reports a failure'),
    );
  }
  return { clusters, replicas, readyReplicas, conditions };
}
