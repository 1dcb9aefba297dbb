import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import type { SovereignNode } from '../api/generated/types.ts';
import { clusterCollection } from './objects.ts';
import { watchCollection, type WatchedCollection } from './watch.ts';

/**
 * One watch of the host's SovereignNodes for every controller that counts
 * verified nodes: their verdicts are the facts capacity is built on, and at
 * 15,000 nodes one cache is cheaper than one per controller.
 */
export class SovereignNodeCache {
  private readonly listeners: ((cluster: string) => void)[] = [];
  private readonly watch: WatchedCollection<SovereignNode>;

  constructor(host: KubeConfig, log: Logger) {
    this.watch = watchCollection<SovereignNode>({
      name: 'sovereignnodes-cache',
      kubeConfig: host,
      ...clusterCollection<SovereignNode>(host, 'sovereignnodes'),
      onChange: (node) => {
        for (const listener of this.listeners) listener(node.spec.memberCluster);
      },
      log,
    });
  }

  get synced(): Promise<void> {
    return this.watch.synced;
  }

  list(): readonly SovereignNode[] {
    return this.watch.list();
  }

  /** Calls `listener` with the member cluster of every SovereignNode that changes. */
  onChange(listener: (cluster: string) => void): void {
    this.listeners.push(listener);
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }
}
