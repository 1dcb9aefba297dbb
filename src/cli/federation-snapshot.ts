// The offline federation file `explain` reads and `federation snapshot`
// writes (no Kubernetes client here: see federation-live.ts): MemberClusters, SovereignNodes and GpuPools with their status, as
// one multi-document YAML.
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import type { GpuPool, MemberCluster, SovereignNode } from '../api/generated/types.ts';
import { API_VERSION } from '../api/schema/common.ts';
import { validate, type KindName } from '../api/validate.ts';
import type { FederationObjects } from '../scheduler/snapshot-builder.ts';
import { UsageError } from './errors.ts';

const SNAPSHOT_KINDS = ['MemberCluster', 'SovereignNode', 'GpuPool'] as const;

/** Parses and validates a snapshot file; bad input names the document (from 1) and the field. */
export function parseFederationFile(text: string, source: string): FederationObjects {
  const objects: { memberClusters: MemberCluster[]; sovereignNodes: SovereignNode[]; gpuPools: GpuPool[] } = {
    memberClusters: [],
    sovereignNodes: [],
    gpuPools: [],
  };
  const seen = new Set<string>();
  parseAllDocuments(text).forEach((doc, i) => {
    const where = `${source} document ${i + 1}`;
    if (doc.errors.length) throw new UsageError(`${where}: not YAML: ${doc.errors[0].message}`);
    const object = doc.toJS() as Record<string, unknown> | null;
    if (object === null || object === undefined) return;
    if (typeof object !== 'object' || Array.isArray(object))
      throw new UsageError(`${where}: expected a MemberCluster, SovereignNode or GpuPool, found ${Array.isArray(object) ? 'a list' : typeof object}`);
    const kind = object.kind;
    if (!SNAPSHOT_KINDS.includes(kind as (typeof SNAPSHOT_KINDS)[number])) {
      throw new UsageError(`${where}: kind: ${JSON.stringify(kind ?? null)} does not belong in a snapshot; use ${SNAPSHOT_KINDS.join(', ')}`);
    }
    if (object.apiVersion !== API_VERSION)
      throw new UsageError(`${where} (${kind}): apiVersion: ${JSON.stringify(object.apiVersion ?? null)}; use ${API_VERSION}`);
    const result = validate(kind as KindName, object);
    if (!result.ok) {
      const first = result.issues[0];
      throw new UsageError(
        `${where} (${kind} ${JSON.stringify((object.metadata as { name?: unknown } | undefined)?.name ?? null)}): ${first.path || '(root)'}: ${first.message}`,
      );
    }
    const key = `${kind}/${(object.metadata as { name: string }).name}`;
    if (seen.has(key)) throw new UsageError(`${where}: ${key} appears twice; keep one`);
    seen.add(key);
    if (kind === 'MemberCluster') objects.memberClusters.push(result.value as MemberCluster);
    else if (kind === 'SovereignNode') objects.sovereignNodes.push(result.value as SovereignNode);
    else objects.gpuPools.push(result.value as GpuPool);
  });
  if (!objects.memberClusters.length)
    throw new UsageError(`${source}: not a snapshot: it holds no MemberCluster (write one with \`empirectl federation snapshot > federation.yaml\`)`);
  return objects;
}

// Server-set metadata says nothing about placement and would not validate offline.
function portable<T extends KubernetesObject>(kind: string, object: T): T {
  const { name, labels, generation } = object.metadata ?? {};
  return { ...object, apiVersion: API_VERSION, kind, metadata: { name, ...(labels && { labels }), ...(generation !== undefined && { generation }) } };
}

/** The federation as the multi-document YAML `explain --snapshot` reads, sorted by kind and name. */
export function federationYaml(objects: FederationObjects): string {
  const sorted = <T extends KubernetesObject>(list: readonly T[]) => [...list].sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
  const documents = [
    ...sorted(objects.memberClusters).map((o) => portable('MemberCluster', o)),
    ...sorted(objects.sovereignNodes).map((o) => portable('SovereignNode', o)),
    ...sorted(objects.gpuPools).map((o) => portable('GpuPool', o)),
  ];
  return documents.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}
