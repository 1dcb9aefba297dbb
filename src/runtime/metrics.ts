import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueAges } from './queue.ts';

/** The process's Prometheus registry: the runtime's metrics and those controllers register; `/metrics` serves it. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'cloud_empire_' });

export const reconcileTotal = new Counter({
  name: 'cloud_empire_reconcile_total',
  help: 'Reconciles by controller and result (success, error, conflict).',
  labelNames: ['controller', 'result'] as const,
  registers: [registry],
});

export const reconcileDuration = new Histogram({
  name: 'cloud_empire_reconcile_duration_seconds',
  help: 'Time spent in one reconcile.',
  labelNames: ['controller'] as const,
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const queueDepth = new Gauge({
  name: 'cloud_empire_workqueue_depth',
  help: 'Keys waiting in a controller work queue.',
  labelNames: ['controller'] as const,
  registers: [registry],
});

/** The running controllers' queues, read when /metrics is scraped so an age is never stale (a stuck key finishes no reconcile). */
const queues = new Map<string, () => QueueAges>();

/** Publishes a controller queue's ages under its name until the returned function is called. */
export function publishQueueAges(controller: string, ages: () => QueueAges): () => void {
  queues.set(controller, ages);
  return () => {
    if (queues.get(controller) === ages) queues.delete(controller);
  };
}

function ageGauge(name: string, help: string, pick: (ages: QueueAges) => number): Gauge<'controller'> {
  return new Gauge({
    name,
    help,
    labelNames: ['controller'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [controller, ages] of queues) this.set({ controller }, pick(ages()) / 1000);
    },
  });
}

// controller-runtime's names: a key that stays queued or a reconcile that never returns shows here as a growing age,
// where the depth alone cannot tell it from a busy queue.
ageGauge(
  'cloud_empire_workqueue_longest_running_processor_seconds',
  'How long the longest-running reconcile of a controller has been running.',
  (a) => a.longestRunningMs,
);
ageGauge('cloud_empire_workqueue_unfinished_work_seconds', 'Time the running reconciles of a controller have taken so far, summed.', (a) => a.unfinishedMs);
ageGauge('cloud_empire_workqueue_oldest_waiting_seconds', 'How long the key queued longest ago has waited for a worker.', (a) => a.oldestWaitingMs);

export const watchRestarts = new Counter({
  name: 'cloud_empire_watch_restarts_total',
  help: 'Watches restarted after an error.',
  labelNames: ['watch'] as const,
  registers: [registry],
});
