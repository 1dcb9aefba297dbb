import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { binaries } from './binaries.ts';
import { freePort, ManagedProcess, portTaken, START_ATTEMPTS, waitFor } from './process.ts';

export interface Etcd {
  clientUrl: string;
  /** The running etcd process (a new one after `restart`). */
  process: ManagedProcess;
  /** SIGKILLs etcd (a crash: no graceful shutdown). */
  kill(): Promise<void>;
  /** Starts a killed etcd again on the same ports and data directory, resolving once it is healthy. */
  start(): Promise<void>;
}

/**
 * One etcd serves every API server of a run, each under its own key prefix,
 * as envtest shares one per test process. fsync is off: test data need not
 * survive a power cut.
 */
export async function startEtcd(dir: string, options: { durable?: boolean } = {}): Promise<Etcd> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEtcdOnce(dir, options);
    } catch (error) {
      if (attempt >= START_ATTEMPTS || !portTaken(error)) throw error;
      // The data directory remembers the peer URL it was created with: start it anew on fresh ports.
      rmSync(join(dir, 'data'), { recursive: true, force: true });
    }
  }
}

async function startEtcdOnce(dir: string, options: { durable?: boolean }): Promise<Etcd> {
  mkdirSync(join(dir, 'data'), { recursive: true, mode: 0o700 });
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name=cloud-empire',
    `--data-dir=${join(dir, 'data')}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=cloud-empire=${peerUrl}`,
    '--listen-metrics-urls=',
    '--log-level=warn',
    ...(options.durable ? [] : ['--unsafe-no-fsync']),
  ];
  const launch = async () => {
    const process = new ManagedProcess('etcd', binaries.etcd(), args, join(dir, 'etcd.log'));
    await waitFor(
      'etcd',
      async () => {
        const response = await fetch(`${clientUrl}/health`);
        return response.ok && ((await response.json()) as { health?: string }).health === 'true';
      },
      { timeoutMs: 30_000, process },
    );
    return process;
  };
  const etcd: Etcd = {
    clientUrl,
    process: await launch(),
    kill: () => etcd.process.kill(),
    async start() {
      if (etcd.process.alive) throw new Error('etcd is running: kill() it first');
      etcd.process = await launch();
    },
  };
  return etcd;
}
