import { MAX_SCORE, MIN_SCORE, type ScorePlugin } from '../framework.ts';

export const STABILITY = 'Stability';

/** Where the workload runs now (same cluster and pool) scores 100: no flapping while the rules still allow it. */
export const stability: ScorePlugin = {
  name: STABILITY,
  applies: ({ options }) => (options.current?.length ?? 0) > 0,
  score({ options }, { cluster, pool }) {
    return options.current!.some((c) => c.cluster === cluster.name && c.replicas > 0 && c.pool === pool?.name) ? MAX_SCORE : MIN_SCORE;
  },
};
