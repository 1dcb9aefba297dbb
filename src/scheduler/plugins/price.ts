import { MAX_SCORE, type ScorePlugin } from '../framework.ts';

export const PRICE = 'Price';

/** Cheapest pool per GPU-hour scores 100, the dearest 0; a pool without a price counts as the dearest. */
export const price: ScorePlugin = {
  name: PRICE,
  applies: ({ request }) => request.gpu !== undefined,
  score: (_state, candidate) => candidate.pool?.price ?? Number.POSITIVE_INFINITY,
  normalize(scores) {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const s of scores) {
      if (!Number.isFinite(s)) continue;
      if (s < min) min = s;
      if (s > max) max = s;
    }
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i];
      scores[i] = !Number.isFinite(s) ? 0 : max === min ? MAX_SCORE : Math.round(((max - s) * MAX_SCORE) / (max - min));
    }
  },
};
