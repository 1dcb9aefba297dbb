import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd, type Etcd } from './etcd.ts';
import { LocalCluster, type ClusterAccess, type TokenUser } from './local-cluster.ts';
import type { ManagedProcess } from './process.ts';

export interface MemberOptions {
  name: string;
  /** kube-scheduler, kube-controller-manager and kwok, so workloads become pods that run (default true). */
  workloads?: boolean;
}

export interface FederationOptions {
  members: MemberOptions[];
  /** Token identities created in every cluster (e.g. the operator's). */
  users?: TokenUser[];
  /** Keep certificates, kubeconfigs and logs after stop (default: remove them). */
  keepDir?: boolean;
  /** Parent of the run directory (default: the OS temp dir). */
  baseDir?: string;
}

/** Everything a test worker or a CLI needs to reach the federation; JSON-safe. */
export interface FederationAccess {
  dir: string;
  host: ClusterAccess;
  members: ClusterAccess[];
}

/**
 * A host control plane and N member control planes on loopback, sharing one
 * etcd. Stopping it leaves no process and (unless asked) no file behind.
 */
export class LocalFederation {
  readonly dir: string;
  readonly host: LocalCluster;
  readonly members: Map<string, LocalCluster>;
  /** The etcd every API server of the federation stores in (`etcd.kill()`/`etcd.start()` crash and restart it). */
  readonly etcd: Etcd;
  private readonly keepDir: boolean;

  private constructor(dir: string, etcd: Etcd, host: LocalCluster, members: LocalCluster[], keepDir: boolean) {
    this.dir = dir;
    this.etcd = etcd;
    this.host = host;
    this.members = new Map(members.map((m) => [m.name, m]));
    this.keepDir = keepDir;
  }

  static async start(options: FederationOptions): Promise<LocalFederation> {
    const dir = mkdtempSync(join(options.baseDir ?? tmpdir(), 'cloud-empire-'));
    let etcd: Etcd | undefined;
    const started: LocalCluster[] = [];
    const track = (p: Promise<LocalCluster>) => p.then((c) => (started.push(c), c));
    try {
      etcd = await startEtcd(join(dir, 'etcd'));
      const [host, ...members] = await Promise.all([
        track(LocalCluster.start({ name: 'host', dir: join(dir, 'host'), etcd, users: options.users })),
        ...options.members.map((m) =>
          track(
            LocalCluster.start({
              name: m.name,
              dir: join(dir, m.name),
              etcd: etcd!,
              scheduler: m.workloads ?? true,
              controllerManager: m.workloads ?? true,
              kwok: m.workloads ?? true,
              users: options.users,
            }),
          ),
        ),
      ]);
      return new LocalFederation(dir, etcd, host, members, options.keepDir ?? false);
    } catch (error) {
      // Promise.all rejects at the first failure; the others may still be starting.
      await new Promise((r) => setTimeout(r, 100));
      await Promise.allSettled(started.map((c) => c.stop()));
      await etcd?.process.kill();
      if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  member(name: string): LocalCluster {
    const member = this.members.get(name);
    if (!member) throw new Error(`no member cluster ${name}; members: ${[...this.members.keys()].join(', ')}`);
    return member;
  }

  /** Every process of the federation, etcd included (for measurements). */
  get processes(): ManagedProcess[] {
    return [this.etcd.process, ...[this.host, ...this.members.values()].flatMap((c) => c.processes)];
  }

  get access(): FederationAccess {
    return { dir: this.dir, host: this.host.access, members: [...this.members.values()].map((m) => m.access) };
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.host, ...this.members.values()].map((c) => c.stop()));
    await this.etcd.process.stop();
    if (!this.keepDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
