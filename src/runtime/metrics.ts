import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

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

export const watchRestarts = new Counter({
  name: 'cloud_empire_watch_restarts_total',
  help: 'Watches restarted after an error.',
  labelNames: ['watch'] as const,
  registers: [registry],
});
