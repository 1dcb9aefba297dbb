/** A seeded PRNG (mulberry32): a chaos run's choices and timings replay from its printed seed. */
export class SeededRandom {
  readonly seed: number;
  private state: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.state = this.seed;
  }

  /** The seed from `CHAOS_SEED` when set (a replay), otherwise a fresh one. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): SeededRandom {
    const given = env.CHAOS_SEED;
    return new SeededRandom(given ? Number(given) : Math.floor(Math.random() * 2 ** 32));
  }

  /** In [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  /** A non-empty subset, in the items' order. */
  subset<T>(items: readonly T[]): T[] {
    const chosen = items.filter(() => this.next() < 0.5);
    return chosen.length ? chosen : [this.pick(items)];
  }
}

/** A count from the environment (e.g. CHAOS_KILLS), or the default; refuses anything but a positive integer. */
export function countFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}=${text}: give a positive whole number`);
  return value;
}
