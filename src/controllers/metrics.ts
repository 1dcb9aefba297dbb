import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from '../runtime/metrics.ts';

export const verificationOutcomes = new Counter({
  name: 'cloud_empire_node_verifications_total',
  help: 'Node verification verdicts by reason code.',
  labelNames: ['reason'] as const,
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

export const placementDecisions = new Counter({
  name: 'cloud_empire_placement_decisions_total',
  help: 'FederatedWorkload placement decisions by result (Placed, Kept, Unschedulable, LedgerRefused, LedgerUnavailable) and the plugin or ledger that refused.',
  labelNames: ['result', 'plugin'] as const,
  registers: [registry],
});

export const scheduleSeconds = new Histogram({
  name: 'cloud_empire_schedule_duration_seconds',
  help: 'Time to decide one FederatedWorkload: snapshot and scheduler, without the ledger.',
  buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5],
  registers: [registry],
});

export const propagateSeconds = new Histogram({
  name: 'cloud_empire_propagation_duration_seconds',
  help: 'Time to bring one FederatedWorkload into its members: stale removal, dependencies and workload applied.',
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  registers: [registry],
});

export const memberObjects = new Gauge({
  name: 'cloud_empire_member_objects',
  help: 'Objects the operator keeps in each member cluster (workloads and their ConfigMaps and Secrets).',
  labelNames: ['cluster'] as const,
  registers: [registry],
});
