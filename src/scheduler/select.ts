// Spread constraints: which of the feasible clusters a Divided or Duplicated
// workload uses, by cluster, country, provider or region, with min/max groups.
import type { SpreadConstraint } from '../api/generated/types.ts';
import type { Candidate } from './framework.ts';

export function groupOf(candidate: Candidate, by: SpreadConstraint['by']): string {
  switch (by) {
    case 'cluster':
      return candidate.cluster.name;
    case 'country':
      return candidate.country;
    case 'provider':
      return candidate.pool?.provider ?? candidate.cluster.provider;
    case 'region':
      return candidate.cluster.region ?? `(no region: ${candidate.cluster.name})`;
  }
}

const plural: Record<SpreadConstraint['by'], string> = { cluster: 'clusters', country: 'countries', provider: 'providers', region: 'regions' };

export type Selection = { candidates: Candidate[]; groups: Map<SpreadConstraint['by'], string[]> } | { code: 'SpreadUnsatisfiable'; message: string };

/**
 * Keeps the best maxGroups groups of each constraint (a group ranks by its
 * best candidate, candidates being in preference order) and refuses when
 * fewer than minGroups groups are feasible.
 */
export function selectBySpread(candidates: readonly Candidate[], constraints: readonly SpreadConstraint[]): Selection {
  let kept = [...candidates];
  const groups = new Map<SpreadConstraint['by'], string[]>();
  // Cluster counts last: after country/provider/region picked their groups.
  const ordered = [...constraints].sort((a, b) => Number(a.by === 'cluster') - Number(b.by === 'cluster'));
  for (const constraint of ordered) {
    const names: string[] = [];
    for (const c of kept) {
      const g = groupOf(c, constraint.by);
      if (!names.includes(g)) names.push(g);
    }
    if (constraint.minGroups !== undefined && names.length < constraint.minGroups) {
      return {
        code: 'SpreadUnsatisfiable',
        message: `spread by ${constraint.by} needs at least ${constraint.minGroups} ${plural[constraint.by]}; only ${names.length} pass the filters${names.length ? ` (${names.join(', ')})` : ''}`,
      };
    }
    const chosen = constraint.maxGroups !== undefined ? names.slice(0, constraint.maxGroups) : names;
    kept = kept.filter((c) => chosen.includes(groupOf(c, constraint.by)));
    groups.set(constraint.by, chosen);
  }
  return { candidates: kept, groups };
}
