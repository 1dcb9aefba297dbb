import type { LabelSelector } from '../api/generated/types.ts';

/** metav1.LabelSelector semantics: every matchLabels entry and every expression must hold. */
export function matchesSelector(labels: Record<string, string> | undefined, selector: LabelSelector | undefined): boolean {
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    if (have[key] !== value) return false;
  }
  for (const expression of selector?.matchExpressions ?? []) {
    const present = Object.prototype.hasOwnProperty.call(have, expression.key);
    const values = expression.values ?? [];
    switch (expression.operator) {
      case 'In':
        if (!present || !values.includes(have[expression.key])) return false;
        break;
      case 'NotIn':
        if (present && values.includes(have[expression.key])) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
    }
  }
  return true;
}
