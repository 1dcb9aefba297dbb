// Which plugins run, in which order, with which default weights.
import type { FilterPlugin, PoolFilterPlugin, ScorePlugin } from './framework.ts';
import { AVAILABLE_CAPACITY, availableCapacity } from './plugins/available-capacity.ts';
import { clusterAffinity } from './plugins/cluster-affinity.ts';
import { DATASET_LOCALITY, datasetLocality } from './plugins/dataset-locality.ts';
import { datasetPolicy } from './plugins/dataset-policy.ts';
import { gpuFit } from './plugins/gpu-fit.ts';
import { imageRegistry } from './plugins/image-registry.ts';
import { jurisdiction } from './plugins/jurisdiction.ts';
import { PRICE, price } from './plugins/price.ts';
import { priceCap } from './plugins/price-cap.ts';
import { provider } from './plugins/provider.ts';
import { resourceFit } from './plugins/resource-fit.ts';
import { SPREAD, spread } from './plugins/spread.ts';
import { STABILITY, stability } from './plugins/stability.ts';
import { TAINT_TOLERATION, taintToleration } from './plugins/taint-toleration.ts';

/** Cheap and decisive first: the first plugin that refuses is the one a decision names. */
export const CLUSTER_FILTERS: readonly FilterPlugin[] = [clusterAffinity, taintToleration, provider, jurisdiction, datasetPolicy, imageRegistry, resourceFit];

export const POOL_FILTERS: readonly PoolFilterPlugin[] = [provider, jurisdiction, gpuFit, priceCap];

export const SCORE_PLUGINS: readonly ScorePlugin[] = [availableCapacity, price, spread, datasetLocality, stability, taintToleration];

/** Stability outweighs the rest so a running workload stays put; data locality matters more than load. */
export const DEFAULT_WEIGHTS: Readonly<Record<string, number>> = {
  [AVAILABLE_CAPACITY]: 1,
  [PRICE]: 1,
  [SPREAD]: 1,
  [DATASET_LOCALITY]: 2,
  [STABILITY]: 4,
  [TAINT_TOLERATION]: 1,
};

export const PLUGIN_NAMES: readonly string[] = [...new Set([...CLUSTER_FILTERS, ...POOL_FILTERS, ...SCORE_PLUGINS].map((p) => p.name))];
