import type { CycleState, FilterPlugin, FilterResult, PoolFilterPlugin } from '../framework.ts';
import type { ClusterInfo, Place } from '../snapshot.ts';

export const JURISDICTION = 'Jurisdiction';

const list = (values: Iterable<string>) => [...values].join(', ') || 'none';

/** Why nodes attested in this country and jurisdiction may not run the workload, or undefined when they may (once per country in a decision). */
function placeRefusal(state: CycleState, place: Place): FilterResult {
  let verdict = state.jurisdictionVerdicts.get(place.placeKey);
  // Stryker disable next-line ConditionalExpression: a memo of a pure verdict; recomputing it decides the same.
  if (verdict === undefined) {
    verdict = judgePlace(state, place.country, place.jurisdiction) ?? null;
    // Stryker disable next-line CallExpression: a memo of a pure verdict; recomputing it decides the same.
    state.jurisdictionVerdicts.set(place.placeKey, verdict);
  }
  return verdict ?? undefined;
}

function judgePlace(state: CycleState, country: string, jurisdiction: string | undefined): FilterResult {
  const { request, jurisdictions } = state;
  if (!jurisdiction || !jurisdictions.has(jurisdiction)) {
    return {
      plugin: JURISDICTION,
      code: 'JurisdictionNotAllowed',
      reason: `nodes attested in ${country} belong to ${jurisdiction ?? 'no attested jurisdiction'}, outside ${list(jurisdictions)}`,
    };
  }
  if (request.countriesExclude?.has(country)) {
    return { plugin: JURISDICTION, code: 'CountryExcluded', reason: `nodes are attested in ${country}, which placement.countries.exclude lists` };
  }
  if (request.countriesInclude && !request.countriesInclude.has(country)) {
    return {
      plugin: JURISDICTION,
      code: 'CountryNotAllowed',
      reason: `nodes are attested in ${country}, not in placement.countries.include (${list(request.countriesInclude)})`,
    };
  }
  return undefined;
}

export function allowedPlace(state: CycleState, group: Place): boolean {
  return placeRefusal(state, group) === undefined;
}

/**
 * Jurisdiction and countries from what verified nodes' credentials attest,
 * never from the MemberCluster's declared country or any label: a cluster
 * passes when some of its verified nodes are attested where the workload may run.
 */
export const jurisdiction: FilterPlugin & PoolFilterPlugin = {
  name: JURISDICTION,
  filter(state, cluster: ClusterInfo) {
    if (!cluster.countries.length) {
      return { plugin: JURISDICTION, code: 'NoVerifiedNodes', reason: `cluster ${cluster.name} has no verified nodes: no credential attests where it runs` };
    }
    let first: FilterResult;
    for (const group of cluster.countries) {
      const refusal = placeRefusal(state, group);
      if (!refusal) return undefined;
      first ??= refusal;
    }
    return { ...first!, reason: `cluster ${cluster.name}: ${first!.reason}` };
  },
  filterPool(state, _cluster, pool) {
    if (!pool.groups.length) return { plugin: JURISDICTION, code: 'PoolNotVerified', reason: `pool ${pool.name} has no verified nodes` };
    let first: FilterResult;
    for (const group of pool.groups) {
      const refusal = placeRefusal(state, group);
      if (!refusal) return undefined;
      first ??= refusal;
    }
    return { ...first!, code: 'PoolOutsideAllowedCountries', reason: `pool ${pool.name}: ${first!.reason}` };
  },
};
