// The churn: seeded changes to FederatedWorkloads and SovereignNodes, and
// member outages, each recorded with the time it was made so the observer can
// tell when the federation reflects it.
import { CoreV1Api } from '@kubernetes/client-node';
import type { FederatedWorkload } from '../../src/api/generated/types.ts';
import { FederatedWorkloadKind } from '../../src/api/schema/federatedworkload.ts';
import { kubeconfigYaml } from '../../src/controlplane/kubeconfig.ts';
import { isConflict } from '../../src/runtime/api-errors.ts';
import { kindClient, type KindClient } from '../../src/runtime/kind-client.ts';
import type { Convergence } from './analysis.ts';
import { federatedWorkload, RULES, type DesiredWorkload, type Rule } from './desired.ts';
import { between, pick } from './random.ts';
import { NAMESPACE, WORKLOAD_NAMESPACE, type SoakNode, type SoakWorld } from './world.ts';

export const MAX_WORKLOADS = 10;
const MIN_WORKLOADS = 3;

export type Outage = { member: string; how: 'apiserver' | 'secret'; since: number };

/** Pending and settled changes: a newer change to the same key replaces a pending one (the older can no longer be seen on its own). */
export class ChangeLog {
  readonly settled: Convergence[] = [];
  private readonly pending = new Map<string, Convergence>();
  superseded = 0;

  record(key: string, what: string, at: number): void {
    if (this.pending.has(key)) this.superseded++;
    this.pending.set(key, { key, what, changedAt: at });
  }

  /** The deletion reached every member that still holds a copy; the first sighting counts. */
  memberDeleting(key: string, at: number): void {
    const change = this.pending.get(key);
    if (change && change.what === 'deleted') change.memberDeletingAt ??= at;
  }

  pendingKeys(): string[] {
    return [...this.pending.keys()];
  }

  converged(key: string, at: number): void {
    const change = this.pending.get(key);
    if (!change) return;
    this.pending.delete(key);
    this.settled.push({ ...change, convergedAt: at });
  }

  /** Settled and still-pending changes, for the analysis. */
  all(): Convergence[] {
    return [...this.settled, ...this.pending.values()];
  }
}

export class Churn {
  readonly desired = new Map<string, DesiredWorkload>();
  /** Member outages that ended, for the analysis. */
  readonly outages: { member: string; how: Outage['how']; from: number; to: number }[] = [];
  readonly changes = new ChangeLog();
  readonly counts: Record<string, number> = {};
  outage?: Outage;
  private serial = 0;
  private readonly workloads: KindClient<FederatedWorkload>;
  private readonly world: SoakWorld;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(world: SoakWorld, random: () => number, now: () => number) {
    this.world = world;
    this.random = random;
    this.now = now;
    this.workloads = kindClient<FederatedWorkload>(world.host, FederatedWorkloadKind);
  }

  private count(action: string): void {
    this.counts[action] = (this.counts[action] ?? 0) + 1;
  }

  private randomWorkload(): DesiredWorkload {
    return {
      replicas: between(this.random, 1, 4),
      image: `registry.example.eu/soak/app:v${between(this.random, 1, 9)}`,
      rule: pick(this.random, Object.keys(RULES) as Rule[]),
    };
  }

  async create(): Promise<void> {
    const name = `w${++this.serial}`;
    const want = this.randomWorkload();
    this.desired.set(name, want);
    this.changes.record(`fw/${name}`, `created ${want.replicas}×${want.image.split(':')[1]} ${want.rule}`, this.now());
    await this.workloads.create(federatedWorkload(name, want));
    this.count('create');
  }

  /** Rewrites the spec from the desired state; on a conflict (the operator's finalizer or status) reads again. */
  private async write(name: string, want: DesiredWorkload, what: string): Promise<void> {
    this.desired.set(name, want);
    this.changes.record(`fw/${name}`, what, this.now());
    for (let attempt = 0; ; attempt++) {
      const current = (await this.workloads.get(`${WORKLOAD_NAMESPACE}/${name}`))!;
      current.spec = federatedWorkload(name, want).spec;
      try {
        await this.workloads.update(current);
        return;
      } catch (error) {
        if (!isConflict(error) || attempt > 5) throw error;
      }
    }
  }

  async change(): Promise<void> {
    const name = pick(this.random, [...this.desired.keys()]);
    const want = { ...this.desired.get(name)! };
    const aspect = pick(this.random, ['replicas', 'image', 'placement'] as const);
    if (aspect === 'replicas') want.replicas = (want.replicas + between(this.random, 1, 4)) % 6;
    if (aspect === 'image') want.image = `registry.example.eu/soak/app:v${between(this.random, 10, 99)}`;
    if (aspect === 'placement')
      want.rule = pick(
        this.random,
        (Object.keys(RULES) as Rule[]).filter((r) => r !== want.rule),
      );
    await this.write(name, want, `${aspect} → ${aspect === 'replicas' ? want.replicas : aspect === 'image' ? want.image.split(':')[1] : want.rule}`);
    this.count(`change-${aspect}`);
  }

  async remove(): Promise<void> {
    const name = pick(this.random, [...this.desired.keys()]);
    this.desired.delete(name);
    this.changes.record(`fw/${name}`, 'deleted', this.now());
    await this.workloads.delete(`${WORKLOAD_NAMESPACE}/${name}`);
    this.count('delete');
  }

  /** Revokes a verified node of a member that keeps at least one other verified node. */
  async revoke(): Promise<boolean> {
    const candidates = this.world.nodes.filter((n) => !n.revoked && this.world.nodes.filter((o) => o.member === n.member && !o.revoked).length > 1);
    if (!candidates.length) return false;
    const node = pick(this.random, candidates);
    this.changes.record(`sn/${node.name}`, 'revoked', this.now());
    await this.world.revoke(node);
    this.count('revoke');
    return true;
  }

  async reverify(): Promise<boolean> {
    const revoked = this.world.nodes.filter((n) => n.revoked);
    if (!revoked.length) return false;
    const node: SoakNode = pick(this.random, revoked);
    this.changes.record(`sn/${node.name}`, 'fresh credential', this.now());
    await this.world.reissue(node);
    this.count('reverify');
    return true;
  }

  /** One step of workload or node churn, weighted towards workload changes. */
  async step(): Promise<void> {
    const roll = this.random();
    if (this.desired.size < MIN_WORKLOADS || (roll < 0.2 && this.desired.size < MAX_WORKLOADS)) return this.create();
    if (roll < 0.65) return this.change();
    if (roll < 0.8) return this.remove();
    if (roll < 0.9 && (await this.revoke())) return;
    if (await this.reverify()) return;
    return this.change();
  }

  /** Takes a member away: its API server stopped, or its kubeconfig Secret broken (a wrong token). */
  async breakMember(how: Outage['how']): Promise<void> {
    const member = pick(this.random, [...this.world.federation.members.keys()]);
    this.outage = { member, how, since: this.now() };
    if (how === 'apiserver') await this.world.federation.member(member).stopApiServer();
    else await this.writeSecret(member, true);
    this.count(`outage-${how}`);
  }

  async mendMember(): Promise<void> {
    const outage = this.outage;
    if (!outage) return;
    if (outage.how === 'apiserver') await this.world.federation.member(outage.member).startApiServer();
    else await this.writeSecret(outage.member, false);
    this.outages.push({ member: outage.member, how: outage.how, from: outage.since, to: this.now() });
    this.outage = undefined;
  }

  private async writeSecret(member: string, broken: boolean): Promise<void> {
    const access = this.world.federation.member(member).access;
    const kubeconfig = broken
      ? kubeconfigYaml({ cluster: member, server: access.server, caPem: access.caPem, user: 'soak-broken', token: 'not-a-valid-token' })
      : this.world.kubeconfig(member);
    await this.world.host.makeApiClient(CoreV1Api).replaceNamespacedSecret({
      name: `${member}-kubeconfig`,
      namespace: NAMESPACE,
      body: { metadata: { name: `${member}-kubeconfig` }, stringData: { kubeconfig } },
    });
  }
}
