// Where a workload's pods may run, as node label values: the countries and
// jurisdictions the rendered node affinity requires.
import type { Placement } from '../../api/generated/types.ts';
import type { TrustConfig } from '../../trust/anchors.ts';
import { RenderError } from './render-error.ts';

export interface Territory {
  countries: string[];
  jurisdictions: string[];
}

/**
 * The workload's jurisdictions within the operator's (nodes are labelled
 * with that one only), and its included countries (default: all of the
 * jurisdiction) within it, minus its excluded ones. Refuses, naming the
 * field, a workload that leaves no country at all.
 */
export function allowedTerritory(placement: Placement | undefined, trust: Pick<TrustConfig, 'jurisdiction' | 'countries'>): Territory {
  const asked = placement?.jurisdictions?.length ? placement.jurisdictions : [trust.jurisdiction];
  if (!asked.includes(trust.jurisdiction)) {
    throw new RenderError(
      'spec.placement.jurisdictions',
      `nodes are attested in jurisdiction ${trust.jurisdiction} only, not in ${asked.join(', ')}; add ${trust.jurisdiction} or drop the field`,
    );
  }
  const inJurisdiction = new Set(trust.countries);
  const include = placement?.countries?.include?.length ? placement.countries.include : trust.countries;
  const exclude = new Set<string>(placement?.countries?.exclude ?? []);
  const countries = [...new Set<string>(include)].filter((c) => inJurisdiction.has(c) && !exclude.has(c)).sort();
  if (countries.length === 0) {
    throw new RenderError(
      'spec.placement.countries',
      `no allowed country is in jurisdiction ${trust.jurisdiction} (${trust.countries.join(', ')}); include one of them`,
    );
  }
  return { countries, jurisdictions: [trust.jurisdiction] };
}
