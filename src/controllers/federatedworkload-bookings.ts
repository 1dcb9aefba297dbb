// What the FederatedWorkload controller knows of other workloads' GPU
// bookings between its own status write and the informer showing it, and the
// one-at-a-time order GPU decisions are made in. kube-scheduler "assumes" a
// pod it bound before the watch shows it, and Kueue admits from one loop, for
// the same reason: two decisions reading the same free devices concurrently
// (8 workers) or from a cache one write behind would both take them.
import type { FederatedWorkload } from '../api/generated/types.ts';

const keyOf = (fw: FederatedWorkload) => `${fw.metadata.namespace}/${fw.metadata.name}`;

/** Whether `a` is a later version than `b` of the same object; resourceVersions are etcd revisions, compared as numbers when they are. */
function newer(a: FederatedWorkload, b: FederatedWorkload): boolean {
  const x = Number(a.metadata.resourceVersion);
  const y = Number(b.metadata.resourceVersion);
  if (Number.isSafeInteger(x) && Number.isSafeInteger(y)) return x > y;
  return a.metadata.resourceVersion !== b.metadata.resourceVersion;
}

export class DecisionBookings {
  /** Per workload key, the object as this process last wrote a decision into it. */
  private readonly written = new Map<string, FederatedWorkload>();
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `decide` after every decision started before it has written its status: each sees the bookings of the ones before. */
  serialize<T>(decide: () => Promise<T>): Promise<T> {
    const run = this.tail.then(decide, decide);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Remembers a status this process wrote, until the informer shows it (or something newer). */
  wrote(fw: FederatedWorkload): void {
    this.written.set(keyOf(fw), fw);
  }

  forget(key: string): void {
    this.written.delete(key);
  }

  /** The cached workloads, each replaced by the version this process wrote when the cache has not caught up with it yet. */
  latest(cached: readonly FederatedWorkload[]): FederatedWorkload[] {
    return cached.map((fw) => {
      const key = keyOf(fw);
      const mine = this.written.get(key);
      if (!mine) return fw;
      if (mine.metadata.uid !== fw.metadata.uid || fw.metadata.deletionTimestamp || !newer(mine, fw)) {
        this.written.delete(key);
        return fw;
      }
      return mine;
    });
  }
}
