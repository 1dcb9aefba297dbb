import type { ClusterTaint, ClusterToleration } from '../../api/generated/types.ts';
import { MAX_SCORE, MIN_SCORE, type FilterPlugin, type ScorePlugin } from '../framework.ts';

export const TAINT_TOLERATION = 'TaintToleration';

/** core/v1 toleration semantics: an empty key with Exists tolerates everything; an empty effect matches every effect. */
export function tolerates(toleration: ClusterToleration, taint: ClusterTaint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (!toleration.key) return toleration.operator === 'Exists';
  if (toleration.key !== taint.key) return false;
  return toleration.operator === 'Exists' || (toleration.value ?? '') === (taint.value ?? '');
}

const untolerated = (tolerations: readonly ClusterToleration[], taint: ClusterTaint) => !tolerations.some((t) => tolerates(t, taint));

/**
 * NoSchedule and NoExecute cluster taints (the operator's own
 * `cloudempire.eu/unreachable` included) refuse a workload that does not
 * tolerate them; PreferNoSchedule only lowers the score.
 */
export const taintToleration: FilterPlugin & ScorePlugin = {
  name: TAINT_TOLERATION,
  filter({ request }, cluster) {
    for (const taint of cluster.taints) {
      if (taint.effect !== 'PreferNoSchedule' && untolerated(request.tolerations, taint)) {
        const shown = taint.value ? `${taint.key}=${taint.value}:${taint.effect}` : `${taint.key}:${taint.effect}`;
        return {
          plugin: TAINT_TOLERATION,
          code: 'UntoleratedTaint',
          reason: `cluster ${cluster.name} has the taint ${shown}, which placement.clusterTolerations does not tolerate`,
        };
      }
    }
    return undefined;
  },
  score({ request }, { cluster }) {
    for (const taint of cluster.taints) if (taint.effect === 'PreferNoSchedule' && untolerated(request.tolerations, taint)) return MIN_SCORE;
    return MAX_SCORE;
  },
};
