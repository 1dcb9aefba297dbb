import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { Gauge } from 'prom-client';
import type { Logger } from 'winston';
import { describeError, isConflict, isNotFound } from '../runtime/api-errors.ts';
import { registry } from '../runtime/metrics.ts';

const leaderGauge = new Gauge({ name: 'cloud_empire_leader', help: '1 while this replica holds the leader lease.', registers: [registry] });

export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  log: Logger;
  onStartedLeading: () => Promise<void>;
  onStoppedLeading: () => Promise<void>;
}

/**
 * Lease times are metav1.MicroTime, which the API server parses with exactly
 * six fractional digits; client-node serializes a Date with three and the
 * request is refused. Its serializer calls toISOString, so pad there.
 */
class MicroTime extends Date {
  override toISOString(): string {
    return super.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  }
}
const microTime = (ms: number): Date => new MicroTime(ms);

/** Why a replica that last renewed at `lastRenewMs` may not lead at `nowMs`, or undefined while it may. */
export function leaseLapse(leading: boolean, lastRenewMs: number, nowMs: number, renewDeadlineMs: number): string | undefined {
  if (!leading) return 'this replica is not the leader';
  const since = nowMs - lastRenewMs;
  return since > renewDeadlineMs ? `this replica last renewed the leader lease ${since} ms ago, past its ${renewDeadlineMs} ms renew deadline` : undefined;
}

/**
 * Leader election on a Lease, as client-go's leaderelection: one replica
 * holds the lease and runs the controllers; the others retry and take over
 * once the holder has not renewed for a lease duration. Every write carries
 * the resourceVersion read, so two replicas can never both win a round.
 */
export class LeaderElector {
  private readonly options: Required<Omit<LeaderElectionOptions, 'onStartedLeading' | 'onStoppedLeading' | 'log' | 'kubeConfig'>> & LeaderElectionOptions;
  private readonly api: CoordinationV1Api;
  private leading = false;
  private lastRenew = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private transition: Promise<void> = Promise.resolve();

  constructor(options: LeaderElectionOptions) {
    this.options = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...options };
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Why this replica must not act as leader now, from its own clock: not leading, or its last renewal is
   * older than the renew deadline (a standby may take the lease once it lapses). A process frozen past its
   * lease sees that at once on waking, before its next election round has even reached the API server.
   */
  leadershipLapse(now = Date.now()): string | undefined {
    return leaseLapse(this.leading, this.lastRenew, now, this.options.renewDeadlineMs);
  }

  start(): void {
    void this.tick();
  }

  private schedule(): void {
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.options.retryPeriodMs);
  }

  private async tick(): Promise<void> {
    try {
      // The renewal counts from before the round: the renewTime written is taken before the read, and a standby
      // counts the lease from that time; counted from the answer, the fence would allow writes a round trip too long.
      const started = Date.now();
      const acquired = await this.tryAcquireOrRenew();
      const now = Date.now();
      if (acquired) {
        this.lastRenew = started;
        // Starting the controllers takes a while (trust config, ledger, informer syncs): the
        // rounds go on meanwhile, so the lease is renewed and never lapses under a starting leader.
        if (!this.leading) this.startLeading();
      } else if (this.leading && now - this.lastRenew > this.options.renewDeadlineMs) {
        await this.become(false);
      }
    } catch (error) {
      this.options.log.warn('leader election round failed', { component: 'leader', error: describeError(error) });
      if (this.leading && Date.now() - this.lastRenew > this.options.renewDeadlineMs) await this.become(false);
    }
    this.schedule();
  }

  private startLeading(): void {
    this.become(true).catch(async (error) => {
      // Holding a lease without running controllers would block every standby: step down and retry later.
      this.options.log.error('could not start leading; releasing the lease', { component: 'leader', error: describeError(error) });
      await this.become(false).catch(() => undefined);
      await this.release().catch(() => undefined);
    });
  }

  private async become(leading: boolean): Promise<void> {
    this.leading = leading;
    leaderGauge.set(leading ? 1 : 0);
    this.options.log.info(leading ? 'became leader' : 'lost the lease; stopping controllers', { component: 'leader', identity: this.options.identity });
    this.transition = this.transition.catch(() => undefined).then(leading ? this.options.onStartedLeading : this.options.onStoppedLeading);
    await this.transition;
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationMs } = this.options;
    const now = Date.now();
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      try {
        await this.api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
              acquireTime: microTime(now),
              renewTime: microTime(now),
              leaseTransitions: 0,
            },
          },
        });
        return true;
      } catch (createError) {
        if ((createError as { code?: number }).code === 409) return false;
        throw createError;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity;
    const renewedAt = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    const expired = renewedAt + (spec.leaseDurationSeconds ?? 0) * 1000 < now;
    if (holder && holder !== identity && !expired) return false;
    const taking = holder !== identity;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
      renewTime: microTime(now),
      ...(taking ? { acquireTime: microTime(now), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
    };
    try {
      await this.api.replaceNamespacedLease({ name, namespace, body: lease });
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  /** Stops electing; a leader stops its controllers and releases the lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.transition.catch(() => undefined);
    if (!this.leading) return;
    await this.become(false);
    await this.release();
  }

  private async release(): Promise<void> {
    try {
      const lease = await this.api.readNamespacedLease({ name: this.options.name, namespace: this.options.namespace });
      if (lease.spec?.holderIdentity === this.options.identity) {
        lease.spec = { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1, renewTime: microTime(Date.now() - 2000) };
        await this.api.replaceNamespacedLease({ name: this.options.name, namespace: this.options.namespace, body: lease });
      }
    } catch (error) {
      this.options.log.warn('could not release the lease', { component: 'leader', error: describeError(error) });
    }
  }
}
