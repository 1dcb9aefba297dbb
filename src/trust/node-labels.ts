import type { V1Node, V1Taint } from '@kubernetes/client-node';
import type { Verdict } from './verifier.ts';

// Label and taint keys the operator owns on member Nodes (DESIGN.md).
export const LABEL_VERIFIED = 'trust.cloudempire.eu/verified';
export const LABEL_COUNTRY = 'trust.cloudempire.eu/country';
export const LABEL_JURISDICTION = 'trust.cloudempire.eu/jurisdiction';
export const TAINT_UNVERIFIED = 'trust.cloudempire.eu/unverified';
export const TAINT_REVOKED = 'trust.cloudempire.eu/revoked';

export const OWNED_LABELS: ReadonlySet<string> = new Set([LABEL_VERIFIED, LABEL_COUNTRY, LABEL_JURISDICTION]);
export const OWNED_TAINTS: ReadonlySet<string> = new Set([TAINT_UNVERIFIED, TAINT_REVOKED]);

/** Verdicts that end a node's standing: its running pods must leave. */
const EVICTING = new Set(['REVOKED', 'EXPIRED']);

export interface NodeTrustMarks {
  labels: Record<string, string>;
  taints: V1Taint[];
}

/**
 * The labels and taints a verdict puts on the member Node. Unverified nodes
 * repel new pods (NoSchedule); a revoked or expired credential also evicts
 * running ones (NoExecute). Country and jurisdiction are labelled only when
 * verified, so a selector on them implies verification.
 */
export function nodeTrustMarks(verdict: Pick<Verdict, 'verified' | 'reason' | 'countryCode' | 'jurisdiction'> | undefined): NodeTrustMarks {
  if (verdict?.verified) {
    return {
      labels: {
        [LABEL_VERIFIED]: 'true',
        ...(verdict.countryCode ? { [LABEL_COUNTRY]: verdict.countryCode } : {}),
        ...(verdict.jurisdiction ? { [LABEL_JURISDICTION]: verdict.jurisdiction } : {}),
      },
      taints: [],
    };
  }
  const taints: V1Taint[] = [{ key: TAINT_UNVERIFIED, effect: 'NoSchedule' }];
  if (verdict && EVICTING.has(verdict.reason)) taints.push({ key: TAINT_REVOKED, effect: 'NoExecute' });
  return { labels: { [LABEL_VERIFIED]: 'false' }, taints };
}

/**
 * The Node with the operator's labels and taints replaced by `marks` and
 * everything else left as it was, or undefined when nothing would change.
 */
export function applyTrustMarks(node: V1Node, marks: NodeTrustMarks): V1Node | undefined {
  const labels = Object.fromEntries(Object.entries(node.metadata?.labels ?? {}).filter(([k]) => !OWNED_LABELS.has(k)));
  Object.assign(labels, marks.labels);
  const kept = (node.spec?.taints ?? []).filter((t) => !OWNED_TAINTS.has(t.key));
  const current = (node.spec?.taints ?? []).filter((t) => OWNED_TAINTS.has(t.key));
  const sameTaints =
    current.length === marks.taints.length &&
    marks.taints.every((m) => current.some((t) => t.key === m.key && t.effect === m.effect && (t.value ?? '') === (m.value ?? '')));
  const sameLabels = JSON.stringify(Object.entries(labels).sort()) === JSON.stringify(Object.entries(node.metadata?.labels ?? {}).sort());
  if (sameTaints && sameLabels) return undefined;
  return {
    ...node,
    metadata: { ...node.metadata, labels },
    spec: { ...node.spec, taints: sameTaints ? node.spec?.taints : [...kept, ...marks.taints] },
  };
}
