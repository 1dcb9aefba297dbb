import { KubeConfig } from '@kubernetes/client-node';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { binaries } from './binaries.ts';
import type { Etcd } from './etcd.ts';
import { kubeconfigYaml } from './kubeconfig.ts';
import { startKwok } from './kwok.ts';
import { freePort, ManagedProcess, portTaken, START_ATTEMPTS, waitFor } from './process.ts';

export interface TokenUser {
  name: string;
  groups?: string[];
}

export interface LocalClusterOptions {
  name: string;
  /** A directory owned by this cluster for certs, keys, kubeconfigs and logs. */
  dir: string;
  etcd: Etcd;
  /** Run kube-scheduler, so pods are bound to nodes. */
  scheduler?: boolean;
  /** Run kube-controller-manager, so Deployments and Jobs create pods. */
  controllerManager?: boolean;
  /** Run kwok, so the fake nodes heartbeat and pods bound to them run (Job pods succeed). */
  kwok?: boolean;
  /** Token identities besides the admin, e.g. a least-privilege operator user. */
  users?: TokenUser[];
}

/** What a client needs to reach the cluster; plain data, so it can be handed to another process. */
export interface ClusterAccess {
  name: string;
  server: string;
  caPem: string;
  /** Kubeconfig file of the `system:masters` admin. */
  kubeconfigPath: string;
  tokens: Record<string, string>;
}

export const ADMIN_USER = 'cloud-empire-admin';

// Only what workloads need to turn into pods, and what evicts them from nodes
// tainted NoExecute (a revoked credential). The taint eviction controller
// needs the node lifecycle controller (its pod index by node comes from it),
// which in turn taints nodes whose heartbeats stop: kwok heartbeats every fake
// node of a cluster that runs a controller-manager, except the ones described
// as not ready (a dead kubelet is tainted, as in a real cluster).
const CONTROLLERS = [
  'deployment-controller',
  'replicaset-controller',
  'statefulset-controller',
  'job-controller',
  'garbage-collector-controller',
  'node-lifecycle-controller',
  'taint-eviction-controller',
  'namespace-controller',
  'serviceaccount-controller',
];

function get(url: string, options: { ca?: string; token?: string; insecure?: boolean }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca: options.ca,
        rejectUnauthorized: !options.insecure,
        headers: options.token ? { Authorization: `Bearer ${options.token}` } : {},
        timeout: 2000,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

export function kubeConfigFromAccess(access: ClusterAccess, user = ADMIN_USER): KubeConfig {
  const token = access.tokens[user];
  if (!token) throw new Error(`cluster ${access.name} has no token user ${user}`);
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigYaml({ cluster: access.name, server: access.server, caPem: access.caPem, user, token }));
  return kc;
}

export class LocalCluster {
  readonly name: string;
  private readonly options: LocalClusterOptions;
  private readonly port: number;
  private readonly tokens: Record<string, string>;
  private apiServer?: ManagedProcess;
  private components: ManagedProcess[] = [];
  private caPem = '';

  private constructor(options: LocalClusterOptions, port: number) {
    this.name = options.name;
    this.options = options;
    this.port = port;
    this.tokens = {};
  }

  static async start(options: LocalClusterOptions): Promise<LocalCluster> {
    for (let attempt = 1; ; attempt++) {
      const cluster = new LocalCluster(options, await freePort());
      try {
        cluster.prepare();
        await cluster.startApiServer();
        await cluster.startComponents();
        return cluster;
      } catch (error) {
        await cluster.stop();
        // Fresh ports rather than a failed run when the ones found free were taken meanwhile.
        if (attempt < START_ATTEMPTS && portTaken(error)) continue;
        throw error;
      }
    }
  }

  get server(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get access(): ClusterAccess {
    return {
      name: this.name,
      server: this.server,
      caPem: this.caPem,
      kubeconfigPath: join(this.options.dir, `${ADMIN_USER}.kubeconfig`),
      tokens: { ...this.tokens },
    };
  }

  kubeConfig(user = ADMIN_USER): KubeConfig {
    return kubeConfigFromAccess(this.access, user);
  }

  kubeconfigFor(user = ADMIN_USER): string {
    return kubeconfigYaml({ cluster: this.name, server: this.server, caPem: this.caPem, user, token: this.tokens[user] });
  }

  get processes(): ManagedProcess[] {
    return [...(this.apiServer ? [this.apiServer] : []), ...this.components];
  }

  private prepare(): void {
    const { dir } = this.options;
    mkdirSync(join(dir, 'certs'), { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const users: TokenUser[] = [
      { name: ADMIN_USER, groups: ['system:masters'] },
      { name: 'system:kube-scheduler' },
      { name: 'system:kube-controller-manager' },
      ...(this.options.users ?? []),
    ];
    const lines = users.map((user, i) => {
      const token = randomBytes(24).toString('hex');
      this.tokens[user.name] = token;
      return `${token},${user.name},uid-${i},"${(user.groups ?? []).join(',')}"`;
    });
    writeFileSync(join(dir, 'tokens.csv'), `${lines.join('\n')}\n`, { mode: 0o600 });
  }

  /** Starts (or starts again, on the same port and data) the kube-apiserver. */
  async startApiServer(): Promise<void> {
    const { dir, etcd, name } = this.options;
    const certDir = join(dir, 'certs');
    const args = [
      '--advertise-address=127.0.0.1',
      '--bind-address=127.0.0.1',
      `--secure-port=${this.port}`,
      `--cert-dir=${certDir}`,
      `--etcd-servers=${etcd.clientUrl}`,
      `--etcd-prefix=/clusters/${name}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      `--service-account-issuer=https://${name}.cloud-empire.local`,
      `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--allow-privileged=true',
      '--enable-priority-and-fairness=false',
      '--profiling=false',
      '--v=1',
    ];
    this.apiServer = new ManagedProcess(`kube-apiserver(${name})`, binaries.kubeApiserver(), args, join(dir, 'kube-apiserver.log'));
    const certFile = join(certDir, 'apiserver.crt');
    await waitFor(
      `kube-apiserver of ${name}`,
      async () => {
        if (!existsSync(certFile)) return false;
        // The self-signed serving certificate file carries its signing CA after it.
        this.caPem = readFileSync(certFile, 'utf8');
        return (await get(`${this.server}/readyz`, { ca: this.caPem, token: this.tokens[ADMIN_USER] })) === 200;
      },
      { timeoutMs: 60_000, intervalMs: 200, process: this.apiServer },
    );
    writeFileSync(join(dir, `${ADMIN_USER}.kubeconfig`), this.kubeconfigFor(ADMIN_USER), { mode: 0o600 });
  }

  async stopApiServer(): Promise<void> {
    await this.apiServer?.stop();
    this.apiServer = undefined;
  }

  /** SIGKILLs the kube-apiserver (a crash: no graceful shutdown, open connections reset); `startApiServer()` brings it back on the same port and data. */
  async killApiServer(): Promise<void> {
    await this.apiServer?.kill();
    this.apiServer = undefined;
  }

  private async startComponents(): Promise<void> {
    const { dir, name } = this.options;
    const starts: Promise<void>[] = [];
    const component = async (binary: string, user: string, extra: string[]) => {
      const short = binary.split('/').pop()!;
      const kubeconfig = join(dir, `${short}.kubeconfig`);
      writeFileSync(kubeconfig, this.kubeconfigFor(user), { mode: 0o600 });
      const port = await freePort();
      const componentCertDir = join(dir, `${short}-certs`);
      mkdirSync(componentCertDir, { recursive: true });
      const proc = new ManagedProcess(
        `${short}(${name})`,
        binary,
        [
          `--kubeconfig=${kubeconfig}`,
          '--bind-address=127.0.0.1',
          `--secure-port=${port}`,
          `--cert-dir=${componentCertDir}`,
          '--leader-elect=false',
          '--v=1',
          ...extra,
        ],
        join(dir, `${short}.log`),
      );
      this.components.push(proc);
      // A self-signed certificate of a process we just started on loopback: only /healthz is read.
      await waitFor(`${short} of ${name}`, async () => (await get(`https://127.0.0.1:${port}/healthz`, { insecure: true })) === 200, {
        timeoutMs: 60_000,
        intervalMs: 200,
        process: proc,
      });
    };
    // client-go's default client limits (20 QPS for the controller-manager, 50 for the
    // scheduler) would make them, not the operator, the bottleneck of benchmarks with
    // thousands of pods on loopback.
    const clientLimits = ['--kube-api-qps=1000', '--kube-api-burst=2000'];
    if (this.options.scheduler) starts.push(component(binaries.kubeScheduler(), 'system:kube-scheduler', clientLimits));
    if (this.options.controllerManager) {
      starts.push(
        component(binaries.kubeControllerManager(), 'system:kube-controller-manager', [
          `--controllers=${CONTROLLERS.join(',')}`,
          '--use-service-account-credentials=true',
          '--concurrent-job-syncs=10',
          '--concurrent-deployment-syncs=10',
          '--concurrent-replicaset-syncs=10',
          // kwok heartbeats at most every 22 s; a slow shared machine must not look like dead nodes.
          '--node-monitor-grace-period=60s',
          ...clientLimits,
        ]),
      );
    }
    if (this.options.kwok) {
      starts.push(
        startKwok({ cluster: name, dir, kubeconfigPath: join(dir, `${ADMIN_USER}.kubeconfig`) }).then((proc) => {
          this.components.push(proc);
        }),
      );
    }
    await Promise.all(starts);
  }

  async stop(): Promise<void> {
    await Promise.all(this.components.map((p) => p.stop()));
    this.components = [];
    await this.stopApiServer();
  }
}
