import type { CycleState } from './framework.ts';
import { datasetsAllowPlace } from './plugins/dataset-policy.ts';
import { allowedPlace } from './plugins/jurisdiction.ts';
import type { Place } from './snapshot.ts';

/**
 * Whether nodes attested in this group's country and jurisdiction may run the
 * workload (its jurisdictions and countries, and its datasets' policies);
 * asked for every pool group, answered once per country in a decision.
 */
export function usablePlace(state: CycleState, group: Place): boolean {
  let usable = state.places.get(group.placeKey);
  // Stryker disable next-line ConditionalExpression: a memo of a pure answer; recomputing it decides the same.
  if (usable === undefined) {
    usable = allowedPlace(state, group) && datasetsAllowPlace(state, group.country, group.jurisdiction);
    // Stryker disable next-line CallExpression: a memo of a pure answer; recomputing it decides the same.
    state.places.set(group.placeKey, usable);
  }
  return usable;
}
