import { LocalFederation } from '../src/controlplane/federation.ts';
import { rssMiB, summarize, sumByKind } from './stats.ts';

const GOAL_WARM_START_MS = 15_000;

/** Warm start of host + 2 members (binaries built), their memory, and stop time. */
export async function benchControlPlane(iterations = 3): Promise<Record<string, unknown>> {
  const starts: number[] = [];
  const stops: number[] = [];
  let memory: Record<string, number> = {};
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    const federation = await LocalFederation.start({ members: [{ name: 'paris' }, { name: 'madrid' }] });
    starts.push(performance.now() - t0);
    if (i === iterations - 1) {
      // Let post-start hooks and controllers settle before reading RSS.
      await new Promise((r) => setTimeout(r, 10_000));
      memory = sumByKind(federation.processes, rssMiB);
    }
    const t1 = performance.now();
    await federation.stop();
    stops.push(performance.now() - t1);
  }
  const totalMiB = Number(
    Object.values(memory)
      .reduce((a, b) => a + b, 0)
      .toFixed(1),
  );
  const startSummary = summarize(starts, 0);
  return {
    topology: 'host (kube-apiserver) + 2 members (kube-apiserver, kube-scheduler, kube-controller-manager, kwok), one shared etcd',
    warmStartMs: startSummary,
    goalWarmStartMs: GOAL_WARM_START_MS,
    meetsGoal: startSummary.max <= GOAL_WARM_START_MS,
    stopMs: summarize(stops, 0),
    rssMiBByComponent: memory,
    rssMiBTotal: totalMiB,
  };
}
