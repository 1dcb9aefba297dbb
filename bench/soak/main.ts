// `npm run soak [-- --minutes 30 --seed 1 --out docs/reliability]`: the real
// operator process on real local control planes under a seeded churn of
// FederatedWorkloads, node revocations and member outages. Samples its
// memory, reconcile latency and queue depths; prints a JSON summary on
// stdout, writes the samples and a PNG plot, and exits 1 when a check fails.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../../src/controlplane/binaries.ts';
import { freePort, ManagedProcess } from '../../src/controlplane/process.ts';
import { OPERATOR_NODE_FLAGS } from '../../src/operator/runtime-flags.ts';
import { procStats } from '../operator.ts';
import { summarize } from '../stats.ts';
import { analyzeSoak, DEFAULT_THRESHOLDS, dueFrom, histogramDelta, histogramQuantile, slope, windowFloors, type Phase, type Sample } from './analysis.ts';
import { Churn } from './churn.ts';
import { observe, type Observation } from './observe.ts';
import { renderPng, soakSvg } from './plot.ts';
import { procNative, scrape } from './scrape.ts';
import { between, seededRandom } from './random.ts';
import { NAMESPACE, SoakWorld } from './world.ts';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: join(REPO_ROOT, 'docs', 'reliability') },
    // Which member outages to inject, to tell their effects apart: apiserver, secret, both, or none.
    faults: { type: 'string', default: 'apiserver,secret' },
    // Seconds between member outages (each lasts 20–40 s); shorter runs more of them to amplify their effect.
    'outage-every': { type: 'string', default: '150' },
  },
});
const FAULT_KINDS = ['apiserver', 'secret'] as const;
const faults = (args.faults === 'none' ? [] : args.faults!.split(',')) as (typeof FAULT_KINDS)[number][];
const minutes = Number(args.minutes);
const seed = Number(args.seed);
if (faults.some((f) => !FAULT_KINDS.includes(f))) {
  console.error(`soak: --faults ${args.faults}: give a comma-separated list of ${FAULT_KINDS.join(', ')}, or none`);
  process.exit(2);
}
if (!(Number(args['outage-every']) >= 45)) {
  console.error(`soak: --outage-every ${args['outage-every']}: give at least 45 seconds (an outage lasts up to 40 s)`);
  process.exit(2);
}
if (!(minutes > 0) || !Number.isInteger(seed)) {
  console.error(`soak: --minutes ${args.minutes} --seed ${args.seed}: give a positive number of minutes and an integer seed`);
  process.exit(2);
}
const out = resolve(args.out!);
const SAMPLE_EVERY_MS = 5_000;
const OBSERVE_EVERY_MS = 2_000;
/** A member outage every this long, alternating a stopped API server and a broken kubeconfig Secret. */
const OUTAGE_EVERY_S = Math.min(Number(args['outage-every']), (minutes * 60) / 3);
const DRAIN_S = 120;
const log = (line: string) => console.error(`soak: ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

mkdirSync(out, { recursive: true });
const random = seededRandom(seed);
const world = await SoakWorld.start(log);
let operator: ManagedProcess | undefined;
let exitCode = 1;
try {
  const caFile = join(world.federation.dir, 'soak-ca.pem');
  writeFileSync(caFile, world.pki.caPem);
  const port = await freePort();
  operator = new ManagedProcess(
    'operator',
    process.execPath,
    [
      ...OPERATOR_NODE_FLAGS,
      // Diagnosis only, e.g. --heapsnapshot-signal=SIGUSR2 to compare heap snapshots of a run.
      ...(process.env.SOAK_OPERATOR_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
      join(REPO_ROOT, 'bench', 'soak', 'operator-process.ts'),
      world.federation.host.access.kubeconfigPath,
      NAMESPACE,
      join(world.federation.dir, 'ledger'),
      String(port),
      caFile,
    ],
    join(world.federation.dir, 'operator.log'),
    { ...process.env, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', NODE_OPTIONS: '' },
  );
  const t0 = performance.now();
  const now = () => (performance.now() - t0) / 1000;
  const churn = new Churn(world, random, now);
  let phase: Phase = 'warmup';
  const samples: Sample[] = [];
  let observation: Observation = { mismatches: ['not observed yet'] };
  let failure: Error | undefined;
  let running = true;

  const sampler = (async () => {
    while (running) {
      const at = now();
      try {
        if (!operator!.alive) throw new Error(`the operator exited: ${operator!.tail()}`);
        const [proc, native, { externalMB, arrayBuffersMB, ...metrics }] = [procStats(operator!.pid), procNative(operator!.pid!), await scrape(port)];
        samples.push({
          t: at,
          phase,
          rssMB: proc.rssMB,
          ...metrics,
          native: { externalMB, arrayBuffersMB, ...native },
          memberObjects: observation.memberObjects,
        });
      } catch (error) {
        // Until /metrics listens the first samples fail; afterwards a failure ends the run.
        if (samples.length || !operator!.alive) failure ??= error as Error;
      }
      await sleep(SAMPLE_EVERY_MS - (((now() - at) * 1000) % SAMPLE_EVERY_MS));
    }
  })();
  const observer = (async () => {
    while (running) {
      try {
        observation = await observe(world, churn, now);
      } catch (error) {
        log(`observation failed (retrying): ${(error as Error).message.split('\n')[0]}`);
      }
      await sleep(OBSERVE_EVERY_MS);
    }
  })();
  const healthy = () => {
    if (failure) throw failure;
  };

  log('warm-up: five workloads, every node verified');
  for (let i = 0; i < 5; i++) await churn.create();
  const warmupDeadline = now() + 180;
  while (churn.changes.pendingKeys().length || observation.mismatches.length) {
    healthy();
    if (now() > warmupDeadline) throw new Error(`warm-up did not converge within 180 s: ${observation.mismatches.slice(0, 5).join('; ')}`);
    await sleep(1000);
  }
  const warmupS = now();
  log(`warm-up converged at ${warmupS.toFixed(0)} s; churning for ${minutes} min (seed ${seed})`);

  phase = 'churn';
  const churnEnd = now() + minutes * 60;
  let nextOutage = now() + OUTAGE_EVERY_S / 2;
  let outageEnd = 0;
  let outageIndex = 0;
  let lastReport = now();
  while (now() < churnEnd) {
    healthy();
    await churn.step();
    if (faults.length && !churn.outage && now() >= nextOutage) {
      const kind = faults[outageIndex++ % faults.length];
      await churn.breakMember(kind);
      log(`outage: ${churn.outage!.member} (${kind})`);
      outageEnd = now() + between(random, 20, 40);
      nextOutage = now() + OUTAGE_EVERY_S;
    }
    if (churn.outage && now() >= outageEnd) {
      log(`mended: ${churn.outage.member}`);
      await churn.mendMember();
    }
    if (now() - lastReport > 60) {
      const last = samples[samples.length - 1];
      log(
        `${((now() - warmupS) / 60).toFixed(1)} min: ${churn.desired.size} workloads, ${churn.changes.pendingKeys().length} changes pending, rss ${last?.rssMB.toFixed(0)} MB, heap ${last?.heapUsedMB.toFixed(0)} MB`,
      );
      lastReport = now();
    }
    await sleep(between(random, 1000, 4000));
  }
  await churn.mendMember();

  phase = 'drain';
  const drainStart = now();
  log('churn stopped; draining');
  while (now() < drainStart + DRAIN_S || (churn.changes.pendingKeys().length && now() < drainStart + 2 * DRAIN_S)) {
    healthy();
    await sleep(1000);
  }
  running = false;
  await Promise.all([sampler, observer]);
  healthy();
  const final = await observe(world, churn, now);

  const churnS = minutes * 60;
  // Two-minute floors over a 30-minute run: long enough to hold a major collection each, 7 of them in the second half.
  const thresholds = { ...DEFAULT_THRESHOLDS, floorWindowS: Math.min(120, Math.max(10, churnS / 15)) };
  const changes = churn.changes.all();
  const checks = analyzeSoak({ samples, changes, outages: churn.outages, mismatches: final.mismatches, thresholds });
  exitCode = checks.every((c) => c.ok) ? 0 : 1;

  const inChurn = samples.filter((s) => s.phase === 'churn');
  const secondHalf = inChurn.slice(Math.floor(inChurn.length / 2));
  const floorSlope = (read: (s: Sample) => number) =>
    Number(
      slope(
        windowFloors(
          secondHalf.map((s) => ({ x: s.t / 60, y: read(s) })),
          thresholds.floorWindowS / 60,
        ),
      ).toFixed(3),
    );
  const memory = (read: (s: Sample) => number) => ({
    atChurnStart: Math.round(read(inChurn[0])),
    atEnd: Math.round(read(samples[samples.length - 1])),
    max: Math.round(Math.max(...samples.map(read))),
    floorSlopeMBPerMinSecondHalf: floorSlope(read),
  });
  const first = inChurn[0];
  const last = inChurn[inChurn.length - 1];
  const reconcileP99Ms = Object.fromEntries(
    Object.keys(last.reconcile)
      .sort()
      .map((c) => {
        const delta = histogramDelta(first.reconcile[c], last.reconcile[c]);
        const q = (x: number) => Math.round((histogramQuantile(delta, x) ?? NaN) * 1000);
        return [c, { reconciles: delta.count, p50: q(0.5), p99: q(0.99) }];
      }),
  );
  const took = changes.filter((c) => c.convergedAt !== undefined).map((c) => c.convergedAt! - c.changedAt);
  // Deletions split where the operator's part ends: every member copy marked for deletion; the rest is the member's garbage collector.
  const deletions = changes.filter((c) => c.what === 'deleted' && c.convergedAt !== undefined && c.memberDeletingAt !== undefined);
  const deletionSplit = {
    marked: deletions.length,
    untilMemberMarkedSeconds: summarize(
      deletions.map((c) => Math.max(0, c.memberDeletingAt! - dueFrom({ ...c, convergedAt: c.memberDeletingAt }, churn.outages))),
      1,
    ),
    memberGarbageCollectionSeconds: summarize(
      deletions.map((c) => c.convergedAt! - c.memberDeletingAt!),
      1,
    ),
  };
  const summary = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    seed,
    churnMinutes: minutes,
    faults,
    outageEveryS: OUTAGE_EVERY_S,
    mallocArenaMax: process.env.MALLOC_ARENA_MAX,
    topology: `host + ${[...world.federation.members.keys()].join(', ')} (KWOK nodes), ${world.nodes.length} SovereignNodes, embedded ledger, operator in its own process (${OPERATOR_NODE_FLAGS.join(' ')})`,
    actions: churn.counts,
    outages: churn.outages.map((o) => ({ ...o, from: Math.round(o.from), to: Math.round(o.to) })),
    changes: { total: changes.length, superseded: churn.changes.superseded, convergenceSeconds: summarize(took, 1), deletions: deletionSplit },
    samples: samples.length,
    rssMB: memory((s) => s.rssMB),
    heapUsedMB: memory((s) => s.heapUsedMB),
    ...(inChurn[0].native
      ? {
          externalMB: memory((s) => s.native!.externalMB),
          arrayBuffersMB: memory((s) => s.native!.arrayBuffersMB),
          rssAnonMB: memory((s) => s.native!.rssAnonMB),
          sockets: memory((s) => s.native!.sockets),
        }
      : {}),
    reconcileDuringChurnMs: reconcileP99Ms,
    thresholds,
    checks,
    ok: exitCode === 0,
  };
  writeFileSync(join(out, 'soak-samples.json'), `${JSON.stringify({ seed, minutes, outages: churn.outages, changes, samples })}\n`);
  writeFileSync(join(out, 'soak-summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(
    join(out, 'soak.png'),
    renderPng(soakSvg(samples, `Cloud Empire operator, ${minutes}-min churn soak (seed ${seed}): ${exitCode === 0 ? 'all checks pass' : 'CHECKS FAILED'}`)),
  );
  console.log(JSON.stringify(summary, null, 2));
  for (const check of checks) log(`${check.ok ? 'ok  ' : 'FAIL'} ${check.message}`);
  log(`samples, summary and plot in ${out}`);
} catch (error) {
  log(`failed: ${(error as Error).message}`);
  if (operator) log(`operator log tail:\n${operator.tail()}`);
  exitCode = 1;
} finally {
  await operator?.stop();
  // The operator's warnings and errors, for whoever reads a failed run (the run directory goes with the federation).
  if (operator && exitCode !== 0) copyFileSync(join(world.federation.dir, 'operator.log'), join(out, 'soak-operator.log'));
  await world.stop();
}
process.exit(exitCode);
