import { Counter, Gauge } from 'prom-client';
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
