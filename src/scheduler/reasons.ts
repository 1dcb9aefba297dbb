/** Why a cluster or pool was refused, or why a workload could not be placed: the codes decisions carry. */
export const REASON_CODES = [
  // cluster filters
  'ClusterNotSelected',
  'ClusterLabelsDoNotMatch',
  'UntoleratedTaint',
  'ProviderNotIncluded',
  'ProviderExcluded',
  'NoVerifiedNodes',
  'JurisdictionNotAllowed',
  'CountryNotAllowed',
  'CountryExcluded',
  'ImageRegistryNotAllowed',
  'InvalidImage',
  'InsufficientCpu',
  'InsufficientMemory',
  'DatasetPolicyRefuses',
  // pool filters
  'NoGpuPools',
  'ResourceNameMismatch',
  'ModelMismatch',
  'GpuMemoryTooSmall',
  'PoolNotRequested',
  'PoolProviderNotAllowed',
  'PoolNotVerified',
  'PoolNotReady',
  'PoolOutsideAllowedCountries',
  'InsufficientGpus',
  'PodDoesNotFitOnANode',
  'PriceAboveCap',
  'PriceUnknown',
  // whole decision
  'NoFeasibleCluster',
  'InsufficientCapacity',
  'SpreadUnsatisfiable',
  'NoWeightedClusterFeasible',
  'InvalidWorkload',
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];
