import { MAX_SCORE, type ScorePlugin } from '../framework.ts';

export const AVAILABLE_CAPACITY = 'AvailableCapacity';

/** More pods that fit on free verified capacity, higher score; the largest candidate scores 100. */
export const availableCapacity: ScorePlugin = {
  name: AVAILABLE_CAPACITY,
  score: (_state, candidate) => candidate.slots,
  normalize(scores) {
    let max = 0;
    for (const s of scores) if (s > max) max = s;
    for (let i = 0; i < scores.length; i++) scores[i] = max > 0 ? Math.round((scores[i] * MAX_SCORE) / max) : 0;
  },
};
