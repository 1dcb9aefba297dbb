import type { FilterPlugin, FilterResult, PoolFilterPlugin, CycleState } from '../framework.ts';

export const PROVIDER = 'Provider';

function check({ request }: CycleState, provider: string, what: string): FilterResult {
  if (request.providersExclude?.has(provider)) {
    return { plugin: PROVIDER, code: 'ProviderExcluded', reason: `${what} is run by ${provider}, which placement.providers.exclude lists` };
  }
  if (request.providersInclude && !request.providersInclude.has(provider)) {
    return {
      plugin: PROVIDER,
      code: 'ProviderNotIncluded',
      reason: `${what} is run by ${provider}, not one of placement.providers.include (${[...request.providersInclude].join(', ')})`,
    };
  }
  return undefined;
}

/** placement.providers against the cluster's provider and, for GPU workloads, the provider selling each pool. */
export const provider: FilterPlugin & PoolFilterPlugin = {
  name: PROVIDER,
  applies: ({ request }) => request.providersInclude !== undefined || request.providersExclude !== undefined,
  filter: (state, cluster) => check(state, cluster.provider, `cluster ${cluster.name}`),
  filterPool(state, _cluster, pool) {
    const refusal = check(state, pool.provider, `pool ${pool.name}`);
    return refusal && { ...refusal, code: 'PoolProviderNotAllowed' };
  },
};
