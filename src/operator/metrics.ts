import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The operator's Prometheus registry; `/metrics` serves it. */
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

export const verificationOutcomes = new Counter({
  name: 'cloud_empire_node_verifications_total',
  help: 'Node verification verdicts by reason code.',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const leader = new Gauge({
  name: 'cloud_empire_leader',
  help: '1 while this replica holds the leader lease.',
  registers: [registry],
});

export const ledgerAvailable = new Gauge({
  name: 'cloud_empire_ledger_available',
  help: '1 when the ledger answered the last call, 0 while it cannot be reached (records are pending).',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export const ledgerSubmissions = new Counter({
  name: 'cloud_empire_ledger_submissions_total',
  help: 'Ledger transactions the operator submitted, by transaction and outcome (committed, refused, unavailable).',
  labelNames: ['transaction', 'outcome'] as const,
  registers: [registry],
});
