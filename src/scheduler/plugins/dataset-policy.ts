import type { CycleState, DatasetPolicyView, FilterPlugin, FilterResult } from '../framework.ts';

export const DATASET_POLICY = 'DatasetPolicy';

function placeRefusal(id: string, policy: DatasetPolicyView, country: string, jurisdiction: string | undefined): string | undefined {
  if (policy.allowedCountries.length && !policy.allowedCountries.includes(country))
    return `dataset ${id} may be placed in ${policy.allowedCountries.join(', ')}, not ${country}`;
  if (policy.allowedJurisdictions.length && (!jurisdiction || !policy.allowedJurisdictions.includes(jurisdiction))) {
    return `dataset ${id} may be placed in ${policy.allowedJurisdictions.join(', ')}, not ${jurisdiction ?? 'an unattested jurisdiction'}`;
  }
  return undefined;
}

/** Whether every dataset's public policy lets nodes attested in this country hold it. */
export function datasetsAllowPlace(state: CycleState, country: string, jurisdiction: string | undefined): boolean {
  const policies = state.options.datasetPolicies;
  if (!policies) return true;
  for (const id of state.request.datasets) {
    const policy = policies.get(id);
    if (!policy || placeRefusal(id, policy, country, jurisdiction)) return false;
  }
  return true;
}

/**
 * The datasets' public policies, as the ledger publishes them, checked before
 * asking the ledger: a placement the contract would refuse is never proposed.
 * The ledger's AuthorizePlacement stays the authority.
 */
export const datasetPolicy: FilterPlugin = {
  name: DATASET_POLICY,
  applies: ({ request, options }) => request.datasets.length > 0 && options.datasetPolicies !== undefined,
  filter(state, cluster): FilterResult {
    const policies = state.options.datasetPolicies!;
    const refuse = (reason: string): FilterResult => ({ plugin: DATASET_POLICY, code: 'DatasetPolicyRefuses', reason });
    for (const id of state.request.datasets) {
      const policy = policies.get(id);
      if (!policy) return refuse(`dataset ${id} has no policy on the ledger; its owner must publish one`);
      if (!state.request.purpose || !policy.allowedPurposes.includes(state.request.purpose)) {
        return refuse(`dataset ${id} may serve ${policy.allowedPurposes.join(', ') || 'no purpose'}, not ${state.request.purpose ?? 'an unstated purpose'}`);
      }
      if (policy.allowedProviders.length && !policy.allowedProviders.includes(cluster.provider)) {
        return refuse(`dataset ${id} may be placed with ${policy.allowedProviders.join(', ')}, not ${cluster.provider} (cluster ${cluster.name})`);
      }
    }
    let first: string | undefined;
    for (const group of cluster.countries) {
      let refusal: string | undefined;
      for (const id of state.request.datasets) {
        refusal = placeRefusal(id, policies.get(id)!, group.country, group.jurisdiction);
        if (refusal) break;
      }
      if (!refusal) return undefined;
      first ??= refusal;
    }
    return refuse(`cluster ${cluster.name}: ${first ?? 'no verified nodes'}`);
  },
};
