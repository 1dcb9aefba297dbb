// Replica division: how many of a workload's pods each selected cluster runs.
// Inputs are in preference order (score, then name); every tie goes to the
// earlier one, so the same input always gives the same split.
import type { Division } from './workload.ts';

/**
 * Splits `pods` in proportion to `weights`, never past `capacity`; what a
 * full cluster cannot take goes to the others by their weights (largest
 * remainder method, ties to the earlier cluster). Returns undefined when the
 * clusters with weight cannot hold them all.
 */
export function proportional(capacity: readonly number[], weights: readonly number[], pods: number, start?: readonly number[]): number[] | undefined {
  const counts = start ? [...start] : new Array<number>(capacity.length).fill(0);
  let active = capacity.map((_, i) => i).filter((i) => weights[i] > 0 && capacity[i] > counts[i]);
  let left = pods;
  while (left > 0 && active.length) {
    const total = active.reduce((sum, i) => sum + weights[i], 0);
    const share = active.map((i) => Math.floor((left * weights[i]) / total));
    let rest = left - share.reduce((a, b) => a + b, 0);
    const byRemainder = active.map((i, k) => ({ k, remainder: (left * weights[i]) / total - share[k] })).sort((a, b) => b.remainder - a.remainder || a.k - b.k);
    for (const { k } of byRemainder) {
      if (!rest) break;
      share[k]++;
      rest--;
    }
    const over = active.filter((i, k) => counts[i] + share[k] > capacity[i]);
    if (!over.length) {
      active.forEach((i, k) => (counts[i] += share[k]));
      left = 0;
      break;
    }
    // Fill the clusters that overflow to their capacity, then share the rest again.
    for (const i of over) {
      left -= capacity[i] - counts[i];
      counts[i] = capacity[i];
    }
    active = active.filter((i) => counts[i] < capacity[i]);
  }
  return left > 0 ? undefined : counts;
}

/** Fewest clusters: the largest first (ties in preference order), each filled before the next. */
export function aggregated(capacity: readonly number[], pods: number, start?: readonly number[]): number[] | undefined {
  const counts = start ? [...start] : new Array<number>(capacity.length).fill(0);
  const order = capacity.map((_, i) => i).sort((a, b) => capacity[b] - counts[b] - (capacity[a] - counts[a]) || a - b);
  let left = pods;
  for (const i of order) {
    if (!left) break;
    const take = Math.min(left, capacity[i] - counts[i]);
    counts[i] += take;
    left -= take;
  }
  return left > 0 ? undefined : counts;
}

/** The split for a division preference; `weights` only for Weighted (0 for clusters it does not list). */
export function divide(
  preference: Division,
  capacity: readonly number[],
  pods: number,
  weights?: readonly number[],
  start?: readonly number[],
): number[] | undefined {
  switch (preference) {
    case 'Aggregated':
      return aggregated(capacity, pods, start);
    case 'Weighted':
      return proportional(capacity, weights ?? capacity.map(() => 0), pods, start);
    case 'Dynamic':
      // In proportion to what is free now.
      return proportional(
        capacity,
        capacity.map((c, i) => Math.max(0, c - (start?.[i] ?? 0))),
        pods,
        start,
      );
    case 'Balanced':
      return proportional(
        capacity,
        capacity.map(() => 1),
        pods,
        start,
      );
  }
}

/** Completions in proportion to each cluster's parallelism share (largest remainder, ties to the earlier cluster). */
export function splitCompletions(shares: readonly number[], completions: number): number[] {
  return (
    proportional(
      shares.map(() => completions),
      shares,
      completions,
    ) ?? shares.map(() => 0)
  );
}
