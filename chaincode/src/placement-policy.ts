import type { DatasetPolicy, PlacementRequest, PlacementTarget, Reason, StoredAttestation, TargetVerdict } from './records.ts';
import { compareInstants } from './instants.ts';

/** What the evaluation reads from the ledger, already fetched: the decision itself is a pure function. */
export interface PlacementFacts {
  attestation(memberCluster: string, nodeName: string): StoredAttestation | undefined;
  policy(datasetId: string): DatasetPolicy | undefined;
}

/**
 * Judges each target on its own: every node must carry a current, verified
 * attestation of the DID and country the request claims, and every dataset's
 * policy must allow the purpose, the attested country and jurisdiction, and
 * the provider. All reasons are collected, not just the first, so an operator
 * sees everything that stands in the way.
 */
export function evaluateTargets(request: PlacementRequest, facts: PlacementFacts, now: string): TargetVerdict[] {
  return request.targets.map((target) => {
    const reasons = [...nodeReasons(target, facts, now), ...datasetReasons(request, target, facts)];
    return { cluster: target.cluster, pool: target.pool, approved: reasons.length === 0, reasons };
  });
}

function nodeReasons(target: PlacementTarget, facts: PlacementFacts, now: string): Reason[] {
  if (!target.nodes.length) return [{ code: 'NoNodes', message: `target ${target.cluster} names no nodes; a placement must say which attested nodes it uses` }];
  const reasons: Reason[] = [];
  for (const node of target.nodes) {
    const where = `node ${node.nodeName} of ${node.memberCluster}`;
    const attestation = facts.attestation(node.memberCluster, node.nodeName);
    if (!attestation) reasons.push({ code: 'NodeNotAttested', message: `${where} has no attestation on the ledger` });
    else if (attestation.did !== node.did)
      reasons.push({ code: 'AttestationDidMismatch', message: `${where} is attested as ${attestation.did}, not ${node.did}` });
    else if (!attestation.verified) reasons.push({ code: 'NodeNotVerified', message: `${where} was refused: ${attestation.reason}` });
    else if (attestation.expiresAt && compareInstants(attestation.expiresAt, now) <= 0)
      reasons.push({ code: 'AttestationExpired', message: `${where}'s credential expired at ${attestation.expiresAt}` });
    else if (attestation.countryCode !== target.countryCode) {
      reasons.push({
        code: 'CountryMismatch',
        message: `${where} is attested in ${attestation.countryCode ?? 'no country'}, but the target claims ${target.countryCode}`,
      });
    } else if (attestation.provider && attestation.provider !== target.provider) {
      reasons.push({
        code: 'ProviderMismatch',
        message: `${where} is attested with provider ${attestation.provider}, but the target claims ${target.provider}`,
      });
    }
  }
  return reasons;
}

function datasetReasons(request: PlacementRequest, target: PlacementTarget, facts: PlacementFacts): Reason[] {
  const reasons: Reason[] = [];
  const jurisdictions = new Set(target.nodes.map((n) => facts.attestation(n.memberCluster, n.nodeName)?.jurisdiction).filter((j): j is string => !!j));
  for (const datasetId of request.datasets) {
    const policy = facts.policy(datasetId);
    if (!policy) {
      reasons.push({ code: 'DatasetUnknown', message: `dataset ${datasetId} has no policy on the ledger; its owner must publish one` });
      continue;
    }
    if (!request.purpose || !policy.allowedPurposes.includes(request.purpose)) {
      reasons.push({
        code: 'PurposeNotAllowed',
        message: `dataset ${datasetId} may serve ${policy.allowedPurposes.join(', ')}, not ${request.purpose ?? 'an unstated purpose'}`,
      });
    }
    if (policy.allowedCountries.length && !policy.allowedCountries.includes(target.countryCode)) {
      reasons.push({
        code: 'CountryNotAllowed',
        message: `dataset ${datasetId} may be placed in ${policy.allowedCountries.join(', ')}, not ${target.countryCode}`,
      });
    }
    if (policy.allowedJurisdictions.length && (!jurisdictions.size || [...jurisdictions].some((j) => !policy.allowedJurisdictions.includes(j)))) {
      reasons.push({
        code: 'JurisdictionNotAllowed',
        message: `dataset ${datasetId} may be placed in ${policy.allowedJurisdictions.join(', ')}; target ${target.cluster}'s nodes are attested in ${[...jurisdictions].join(', ') || 'no jurisdiction'}`,
      });
    }
    if (policy.allowedProviders.length && !policy.allowedProviders.includes(target.provider)) {
      reasons.push({
        code: 'ProviderNotAllowed',
        message: `dataset ${datasetId} may be placed with ${policy.allowedProviders.join(', ')}, not ${target.provider}`,
      });
    }
  }
  return reasons;
}
