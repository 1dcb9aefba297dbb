/**
 * Propagation of FederatedWorkloads into member clusters: pure rendering and
 * status, one thin adapter for member I/O. One cluster of a decision goes so:
 *
 * ```ts
 * const territory = allowedTerritory(fw.spec.placement, trustConfig);            // throws RenderError (terminal)
 * const object = renderMemberWorkload({ workload: fw, placement, pool, ...territory });
 * const { configMaps, secrets } = referencedDependencies(object.spec.template.spec);
 * const deps = [...hostConfigMaps.map((c) => renderConfigMap(c, fw)), ...hostSecrets.map((s) => renderSecret(s, fw))];
 * const member = new MemberPropagation(memberClient.kubeConfig);
 * await member.apply([...deps, object], { owned });                              // OwnershipConflictError, ImmutableJobError
 * await member.prune(workloadKey(fw), [object, ...deps].map(refOf));              // what this cluster no longer runs
 * // cluster no longer placed: `await member.prune(workloadKey(fw))` until it returns [] (a Job's pods are gone)
 * const status = aggregateStatus(fw.metadata.generation, fw.spec.template.kind, observations);
 * ```
 * Apply before prune: a dependency is removed once no workload object left in
 * the member namespace references it.
 */
export {
  MemberPropagation,
  ImmutableJobError,
  OwnershipConflictError,
  PROPAGATED_KINDS,
  refKey,
  refOf,
  type MemberObject,
  type ObjectRef,
  type OwnedObject,
} from './apply.ts';
export { referencedDependencies, renderConfigMap, renderSecret, type Dependencies, type MemberDependency } from './dependencies.ts';
export { FIELD_MANAGER, LABEL_MANAGED_BY, LABEL_POOL, LABEL_WORKLOAD, MANAGED_BY, ownershipLabels, workloadKey, workloadSelector } from './labels.ts';
export { RenderError } from './render-error.ts';
export { federationRequirements, renderMemberWorkload, type MemberPlacement, type MemberWorkloadObject, type PoolTarget, type RenderInput } from './render.ts';
export { aggregateStatus, type AggregatedStatus, type MemberObservation, type WorkloadKind } from './status.ts';
export { allowedTerritory, type Territory } from './territory.ts';
