import { MS_PER_HOUR, type MeteringRecord } from './records.ts';

// Metering as a pure fold: observations of which member pods hold GPUs
// become intervals, opened when a pod is first seen running with GPUs and
// closed when it no longer is. The adapter (src/cluster/gpu-meter.ts) makes
// the observations from the member Pod watches and persists the result.

/** A member pod that holds GPUs, with what the bill needs to say about it. */
export interface GpuPod {
  uid: string;
  memberCluster: string;
  /** The pod's own namespace and name in the member. */
  pod: string;
  /** The FederatedWorkload, from the pod's cloudempire.eu/workload label. */
  namespace: string;
  name: string;
  nodeName: string;
  pool: string;
  resourceName: string;
  gpus: number;
  /** When the pod started running (status.startTime), epoch ms. */
  startedAt: number;
  country?: string;
  provider?: string;
  nodeDid?: string;
  gpuModel?: string;
  pricePerGpuHour?: number;
  currency?: string;
  /** The placement transaction that put the workload on this cluster. */
  txId?: string;
}

export interface OpenInterval extends GpuPod {
  intervalId: string;
}

export type PodEvent =
  | { type: 'running'; at: number; pod: GpuPod }
  /** `estimated`: the end was not seen, only noticed (after a restart). */
  | { type: 'stopped'; at: number; uid: string; estimated?: boolean };

export const intervalIdOf = (pod: Pick<GpuPod, 'uid' | 'startedAt'>) => `${pod.uid}@${new Date(pod.startedAt).toISOString()}`;

/** The closed interval of `open` ending at `end` (never before its start). */
export function closeInterval(open: OpenInterval, end: number, estimated: boolean): MeteringRecord {
  const stop = Math.max(end, open.startedAt);
  const gpuHours = (open.gpus * (stop - open.startedAt)) / MS_PER_HOUR;
  return {
    kind: 'metering',
    intervalId: open.intervalId,
    txId: open.txId,
    namespace: open.namespace,
    name: open.name,
    pod: open.pod,
    memberCluster: open.memberCluster,
    pool: open.pool,
    country: open.country,
    provider: open.provider,
    nodeName: open.nodeName,
    nodeDid: open.nodeDid,
    gpuModel: open.gpuModel,
    resourceName: open.resourceName,
    gpus: open.gpus,
    start: open.startedAt,
    end: stop,
    gpuHours,
    pricePerGpuHour: open.pricePerGpuHour,
    currency: open.currency,
    cost: open.pricePerGpuHour === undefined ? undefined : gpuHours * open.pricePerGpuHour,
    endEstimated: estimated,
  };
}

/**
 * Folds pod events into intervals. `open` (uid → interval) is the state
 * carried between calls; it is not modified. A pod seen running again
 * changes nothing; a pod restarted under the same uid with a new start time
 * closes the old interval at the new start and opens another.
 */
export function meter(
  events: Iterable<PodEvent>,
  open: ReadonlyMap<string, OpenInterval> = new Map(),
): { open: Map<string, OpenInterval>; opened: OpenInterval[]; closed: MeteringRecord[] } {
  const state = new Map(open);
  const opened: OpenInterval[] = [];
  const closed: MeteringRecord[] = [];
  for (const event of events) {
    if (event.type === 'running') {
      const current = state.get(event.pod.uid);
      if (current && current.startedAt === event.pod.startedAt) continue;
      if (current) {
        closed.push(closeInterval(current, event.pod.startedAt, false));
        state.delete(current.uid);
      }
      const interval = { ...event.pod, intervalId: intervalIdOf(event.pod) };
      state.set(interval.uid, interval);
      opened.push(interval);
    } else {
      const current = state.get(event.uid);
      if (!current) continue;
      closed.push(closeInterval(current, event.at, event.estimated === true));
      state.delete(event.uid);
    }
  }
  return { open: state, opened, closed };
}

/**
 * The events that bring `open` to what one member's pods show now: each
 * GPU pod not yet open starts, each open interval of that member whose pod
 * no longer holds GPUs stops at `at`. Level-based: observing the same pods
 * twice yields nothing the second time.
 */
export function observeMember(
  open: ReadonlyMap<string, OpenInterval>,
  memberCluster: string,
  running: readonly GpuPod[],
  at: number,
  estimated = false,
): PodEvent[] {
  const events: PodEvent[] = [];
  const seen = new Set<string>();
  for (const pod of running) {
    seen.add(pod.uid);
    const current = open.get(pod.uid);
    if (!current || current.startedAt !== pod.startedAt) events.push({ type: 'running', at, pod });
  }
  for (const interval of open.values()) {
    if (interval.memberCluster === memberCluster && !seen.has(interval.uid)) events.push({ type: 'stopped', at, uid: interval.uid, estimated });
  }
  return events;
}
