import { MAX_SCORE, type ScorePlugin } from '../framework.ts';

export const SPREAD = 'Spread';

/**
 * The share of the candidate's verified capacity still free (least allocated
 * first), so load spreads over the federation instead of piling onto the
 * largest member: AvailableCapacity counts pods, Spread counts utilization.
 */
export const spread: ScorePlugin = {
  name: SPREAD,
  score({ request }, { cluster, pool }) {
    if (request.gpu && pool) return pool.allocatable > 0 ? Math.round((Math.max(0, pool.free) * MAX_SCORE) / pool.allocatable) : 0;
    return cluster.cpuMillisBase > 0 ? Math.round((cluster.cpuMillisFree * MAX_SCORE) / cluster.cpuMillisBase) : 0;
  },
};
