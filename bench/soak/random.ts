// Choices for the churn from a seeded generator (bench/scheduler-world.ts's), so a run can be replayed with its seed.
export { rng as seededRandom } from '../scheduler-world.ts';

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

/** An integer in [min, max]. */
export function between(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
