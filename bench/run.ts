// `npm run bench [-- name ...]`: runs the named benchmarks (default: all) and
// prints one JSON document on stdout; progress goes to stderr.
import { cpus, totalmem } from 'node:os';
import { benchAudit } from './audit.ts';
import { benchControlPlane } from './controlplane.ts';
import { benchLedger } from './ledger.ts';
import { benchMembers } from './members.ts';
import { benchOperator } from './operator.ts';
import { benchPropagation } from './propagation.ts';
import { benchScheduler } from './scheduler.ts';
import { benchTrust } from './trust.ts';

const BENCHMARKS: Record<string, () => Promise<Record<string, unknown>>> = {
  controlplane: () => benchControlPlane(),
  trust: () => benchTrust(),
  operator: () => benchOperator(),
  ledger: () => benchLedger(),
  scheduler: () => benchScheduler(),
  members: () => benchMembers(),
  audit: () => benchAudit(),
  propagation: () => benchPropagation(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((name) => !(name in BENCHMARKS));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(2);
}

const results: Record<string, unknown> = {};
for (const name of wanted.length ? wanted : Object.keys(BENCHMARKS)) {
  console.error(`bench: ${name}…`);
  const t0 = performance.now();
  results[name] = await BENCHMARKS[name]();
  console.error(`bench: ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
      results,
    },
    null,
    2,
  ),
);
