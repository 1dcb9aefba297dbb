import type { CycleState } from './framework.ts';
import { datasetsAllowPlace } from './plugins/dataset-policy.ts';
import { allowedPlace } from './plugins/jurisdiction.ts';
import type { CountryGroup, PoolGroup } from './snapshot.ts';

/**
 * Whether nodes attested in this group's country and jurisdiction may run the
 * workload (its jurisdictions and countries, and its datasets' policies);
 * asked for every pool group, answered once per country in a decision.
 */
export function usablePlace(state: CycleState, group: CountryGroup | PoolGroup): boolean {
  const key = group.jurisdiction === undefined ? group.country : `${group.country}/${group.jurisdiction}`;
  let usable = state.places.get(key);
  if (usable === undefined) {
    usable = allowedPlace(state, group) && datasetsAllowPlace(state, group.country, group.jurisdiction);
    state.places.set(key, usable);
  }
  return usable;
}
