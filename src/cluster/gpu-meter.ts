import type { Logger } from 'winston';
import { gpuPodsOf, type HostFacts } from '../audit/gpu-pods.ts';
import type { MeteringLog } from '../audit/metering-log.ts';
import { meter, observeMember } from '../audit/metering.ts';
import { Serial } from '../util/serial.ts';
import type { MemberCaches } from './member-watches.ts';

export interface GpuMeterOptions {
  members: MemberCaches;
  /** The host's objects the bill names (informer caches). */
  facts: () => HostFacts;
  journal: MeteringLog;
  log: Logger;
  now?: () => number;
  /** How long changes of one member are gathered before it is observed. */
  coalesceMs?: number;
}

/**
 * Meters GPU-hours from the member Pod caches: each time a member's Pods or
 * Nodes change (and once at start for every member with a pool or an open
 * interval) it observes that member, folds the difference into intervals
 * and appends them to the journal before going on. Level-based: after a
 * restart, pods still running resume their interval from the journal, and
 * intervals whose pods vanished while the operator was down are closed,
 * marked estimated.
 */
export class GpuMeter {
  private readonly options: GpuMeterOptions;
  private readonly serial = new Serial();
  private readonly pending = new Set<string>();
  private readonly firstSeen = new Set<string>();
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private stopped = false;

  constructor(options: GpuMeterOptions) {
    this.options = options;
  }

  start(): void {
    this.unsubscribe = this.options.members.onChange((cluster) => this.schedule(cluster));
    const clusters = new Set([
      ...this.options.facts().pools.map((p) => p.spec.memberCluster),
      ...[...this.options.journal.open.values()].map((i) => i.memberCluster),
    ]);
    for (const cluster of clusters) this.schedule(cluster);
  }

  private schedule(cluster: string): void {
    if (this.stopped) return;
    this.pending.add(cluster);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const clusters = [...this.pending];
      this.pending.clear();
      for (const c of clusters) {
        // A journal that cannot be written is logged and retried at the member's next change; the open intervals stay in memory.
        this.serial
          .run(() => this.observe(c))
          .catch((error: Error) => this.options.log.error('cannot meter member GPU pods', { component: 'gpu-meter', cluster: c, error: error.message }));
      }
    }, this.options.coalesceMs ?? 50);
  }

  /** Observes one member now; resolves once what changed is in the journal. */
  async observe(cluster: string): Promise<void> {
    const { members, journal, log } = this.options;
    let snapshot;
    try {
      snapshot = await members.snapshot(cluster);
    } catch (error) {
      // An unreachable member's pods are not known to have stopped: its intervals stay open.
      log.debug('member not metered now', { component: 'gpu-meter', cluster, error: (error as Error).message });
      return;
    }
    const now = (this.options.now ?? Date.now)();
    // The first observation after start closes what vanished while the operator was down: its end was not seen.
    const estimated = !this.firstSeen.has(cluster);
    this.firstSeen.add(cluster);
    const events = observeMember(journal.open, cluster, gpuPodsOf(cluster, snapshot, this.options.facts()), now, estimated);
    if (!events.length) return;
    const { opened, closed } = meter(events, journal.open);
    journal.append(opened, closed);
    if (opened.length || closed.length) log.info('GPU intervals metered', { component: 'gpu-meter', cluster, opened: opened.length, closed: closed.length });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    await this.serial.idle();
  }
}
