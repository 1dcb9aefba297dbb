// Ledger submit throughput and latency with durability on: every transaction
// is acknowledged only after the fdatasync of its signed block and the
// checkpoint of the head. The same workload runs against the embedded ledger
// and the local Fabric network (BENCH_LEDGER_SKIP_FABRIC=1 skips it).
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, realpathSync, rmSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedLedger } from '../src/ledger/embedded/embedded-ledger.ts';
import { FileHeadCheckpoint } from '../src/ledger/embedded/head-checkpoint.ts';
import { newIdentity } from '../src/trust/issue.ts';
import { signingKeyOf } from '../src/trust/signing-key.ts';
import type { AttestationRecord, SovereigntyLedger } from '../src/ledger/ledger.ts';
import { openEmbeddedLedger, openFabricLedger } from '../src/ledger/open.ts';
import { connectionTo, LocalFabricNetwork } from '../src/fabric/local-network.ts';
import { summarize } from './stats.ts';

const BENCH_ANCHORS = [{ did: 'did:web:issuer.example.eu', name: 'Benchmark issuer', countries: ['FR', 'ES'] }];

function attestation(run: string, i: number): AttestationRecord {
  return {
    sovereignNode: `bench-${run}-${i}`,
    memberCluster: i % 2 ? 'paris' : 'madrid',
    nodeName: `bench-${run}-${i}`,
    did: `did:web:nodes.example.eu:bench-${run}-${i}`,
    verified: true,
    reason: 'VERIFIED',
    issuer: 'did:web:issuer.example.eu',
    countryCode: i % 2 ? 'FR' : 'ES',
    jurisdiction: 'EU',
    expiresAt: '2099-01-01T00:00:00Z',
    credentialDigest: 'c'.repeat(64),
    observedAt: new Date().toISOString(),
  };
}

/** Submits `count` distinct attestations keeping `concurrency` in flight; returns throughput and per-transaction latency. */
export async function submitLoad(ledger: SovereigntyLedger, count: number, concurrency: number) {
  const run = Math.random().toString(36).slice(2, 8);
  const latencies: number[] = [];
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const start = performance.now();
        await ledger.recordAttestation(attestation(run, i));
        latencies.push(performance.now() - start);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // CPU of this process over wall time: for the embedded ledger, the cores the ledger itself used.
  const clientProcessCores = Number(((cpu.user + cpu.system) / 1e6 / seconds).toFixed(2));
  return {
    transactions: count,
    concurrency,
    seconds: Number(seconds.toFixed(2)),
    txPerSecond: Math.round(count / seconds),
    clientProcessCores,
    latencyMs: summarize(latencies, 2),
  };
}

/** The same workload through a peer's gateway on the local network: endorse, order (Raft, 100 ms batches), validate, commit. */
async function benchFabric(): Promise<Record<string, unknown>> {
  const startedAt = performance.now();
  const network = await LocalFabricNetwork.start();
  const startSeconds = Number(((performance.now() - startedAt) / 1000).toFixed(1));
  const admin = await openFabricLedger(connectionTo(network.info, network.info.peers.provider, network.info.identities.trustAdmin));
  await admin.syncTrustAnchors(BENCH_ANCHORS);
  await admin.close();
  const ledger = await openFabricLedger(connectionTo(network.info, network.info.peers.provider, network.info.identities.operator));
  try {
    await submitLoad(ledger, 200, 32); // warm-up
    const serial = await submitLoad(ledger, 50, 1);
    const concurrent64 = await submitLoad(ledger, 3_000, 64);
    const concurrent = await submitLoad(ledger, 5_000, 256);
    return {
      networkStartSeconds: startSeconds,
      topology: '1 Raft orderer (BatchTimeout 100 ms), 2 peers (LevelDB), chaincode as a service, endorsement by either peer',
      serial,
      concurrent64,
      concurrent,
    };
  } finally {
    await ledger.close();
    await network.stop();
  }
}

export async function benchLedger(): Promise<Record<string, unknown>> {
  const embedded = await benchEmbedded();
  return { ...embedded, fabric: process.env.BENCH_LEDGER_SKIP_FABRIC === '1' ? 'skipped (BENCH_LEDGER_SKIP_FABRIC=1)' : await benchFabric() };
}

/** The file system holding `path`: the mount with the longest matching mount point in /proc/mounts. */
function fileSystemOf(path: string): { mountPoint: string; type: string; device: string } | string {
  try {
    const real = realpathSync(path);
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' '));
    const matching = mounts.filter(([, point]) => real === point || real.startsWith(point === '/' ? '/' : `${point}/`));
    const [device, mountPoint, type] = matching.sort((a, b) => b[1].length - a[1].length)[0];
    return { mountPoint, type, device };
  } catch (error) {
    return `unknown (${(error as Error).message})`;
  }
}

/** What one small write plus fdatasync costs on this file system, to tell stable storage (~ms) from a write-back cache (~µs). */
function rawWriteSync(dir: string, samples = 300): ReturnType<typeof summarize> {
  const fd = openSync(join(dir, 'raw-fdatasync.probe'), 'a');
  const record = `${'x'.repeat(511)}\n`;
  const latencies: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const start = performance.now();
      writeSync(fd, record);
      fdatasyncSync(fd);
      latencies.push(performance.now() - start);
    }
  } finally {
    closeSync(fd);
  }
  return summarize(latencies, 3);
}

async function benchEmbedded(): Promise<Record<string, unknown>> {
  const root = mkdtempSync(join(tmpdir(), 'bench-ledger-'));
  const dir = join(root, 'ledger');
  // The operator's signing key and a head checkpoint off the ledger's directory, as in production (there a ConfigMap).
  const integrity = () => ({ signer: signingKeyOf(operatorKey), checkpoint: new FileHeadCheckpoint(join(root, 'checkpoint', 'head.json')) });
  const operatorKey = newIdentity({ method: 'key' }).key;
  try {
    const rawWriteFdatasyncMs = rawWriteSync(root);
    const ledger = await openEmbeddedLedger(dir, { trustAnchors: BENCH_ANCHORS, ...integrity() });
    await submitLoad(ledger, 2_000, 256); // warm-up: JIT, file growth
    const serial = await submitLoad(ledger, 500, 1);
    const concurrent64 = await submitLoad(ledger, 10_000, 64);
    const concurrent = await submitLoad(ledger, 30_000, 512);
    await ledger.close();
    const reopen0 = performance.now();
    const reopenCpu0 = process.cpuUsage();
    const reopened = await EmbeddedLedger.open(dir, integrity());
    const reopenMs = Math.round(performance.now() - reopen0);
    // CPU time too: on a shared machine the wall clock says more about the neighbours than the replay.
    const reopenCpu = process.cpuUsage(reopenCpu0);
    const blocks = reopened.blocks;
    await reopened.close();
    return {
      embedded: {
        durability:
          'each acknowledgement follows the fdatasync of its block (group commit) and the checkpoint of the head (a file here, a ConfigMap in production)',
        signedBlocks: `${operatorKey.crv} (${operatorKey.kid.split('#')[0].slice(0, 20)}…)`,
        fileSystem: fileSystemOf(root),
        rawWriteFdatasyncMs,
        loadAverage1mAtEnd: Number(loadavg()[0].toFixed(2)),
        serial,
        concurrent64,
        concurrent,
        goalTxPerSecond: 5000,
        blocks,
        reopenWithReplayMs: reopenMs,
        reopenWithReplayCpuMs: Math.round((reopenCpu.user + reopenCpu.system) / 1000),
      },
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
