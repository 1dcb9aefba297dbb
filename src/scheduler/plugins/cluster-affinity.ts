import { matchesSelector } from '../../capacity/selector.ts';
import type { FilterPlugin } from '../framework.ts';

export const CLUSTER_AFFINITY = 'ClusterAffinity';

/** The workload's cluster names and label selector: a preference rule, so ordered fallback may pass over it. */
export const clusterAffinity: FilterPlugin = {
  name: CLUSTER_AFFINITY,
  preference: true,
  applies: ({ request }) => request.clusterNames !== undefined || request.labelSelector !== undefined,
  filter({ request }, cluster) {
    if (request.clusterNames && !request.clusterNames.has(cluster.name)) {
      return {
        plugin: CLUSTER_AFFINITY,
        code: 'ClusterNotSelected',
        reason: `cluster ${cluster.name} is not in placement.clusterAffinity.clusterNames (${[...request.clusterNames].join(', ')})`,
      };
    }
    if (request.labelSelector && !matchesSelector(cluster.labels, request.labelSelector)) {
      return {
        plugin: CLUSTER_AFFINITY,
        code: 'ClusterLabelsDoNotMatch',
        reason: `cluster ${cluster.name}'s labels do not match placement.clusterAffinity.labelSelector`,
      };
    }
    return undefined;
  },
};
