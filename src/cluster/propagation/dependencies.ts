// The ConfigMaps and Secrets a pod template needs in the member it runs in,
// and the copies of them the operator applies there.
import type { V1ConfigMap, V1Container, V1PodSpec, V1Secret } from '@kubernetes/client-node';
import type { FederatedWorkload } from '../../api/generated/types.ts';
import { ownershipLabels } from './labels.ts';

export interface Dependencies {
  configMaps: string[];
  secrets: string[];
}

/**
 * Every ConfigMap and Secret the pod spec references by name: env valueFrom,
 * envFrom, volumes (projected ones included) and image pull secrets, across
 * init, ephemeral and app containers. Sorted and without repeats. Optional
 * references count too: if the object exists on the host, the pod expects it.
 */
export function referencedDependencies(podSpec: V1PodSpec | undefined): Dependencies {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  const add = (set: Set<string>, name: string | undefined) => {
    if (name) set.add(name);
  };
  const containers: Pick<V1Container, 'env' | 'envFrom'>[] = [
    ...(podSpec?.initContainers ?? []),
    ...(podSpec?.containers ?? []),
    ...(podSpec?.ephemeralContainers ?? []),
  ];
  for (const container of containers) {
    for (const env of container.env ?? []) {
      add(configMaps, env.valueFrom?.configMapKeyRef?.name);
      add(secrets, env.valueFrom?.secretKeyRef?.name);
    }
    for (const source of container.envFrom ?? []) {
      add(configMaps, source.configMapRef?.name);
      add(secrets, source.secretRef?.name);
    }
  }
  for (const volume of podSpec?.volumes ?? []) {
    add(configMaps, volume.configMap?.name);
    add(secrets, volume.secret?.secretName);
    for (const source of volume.projected?.sources ?? []) {
      add(configMaps, source.configMap?.name);
      add(secrets, source.secret?.name);
    }
  }
  for (const pullSecret of podSpec?.imagePullSecrets ?? []) add(secrets, pullSecret.name);
  return { configMaps: [...configMaps].sort(), secrets: [...secrets].sort() };
}

export interface MemberConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
  immutable?: boolean;
}

export interface MemberSecret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> };
  type?: string;
  data?: Record<string, string>;
  immutable?: boolean;
}

export type MemberDependency = MemberConfigMap | MemberSecret;

// Host-side bookkeeping that means nothing (or something wrong) in a member.
const DROPPED_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

function copiedMeta(source: V1ConfigMap | V1Secret, workload: FederatedWorkload) {
  const annotations = Object.fromEntries(Object.entries(source.metadata?.annotations ?? {}).filter(([k]) => !DROPPED_ANNOTATIONS.includes(k)));
  return {
    name: source.metadata!.name!,
    namespace: workload.metadata.namespace!,
    labels: { ...source.metadata?.labels, ...ownershipLabels(workload) },
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
}

// The member copies of host ConfigMaps and Secrets: their content and own
// labels and annotations, the ownership labels, nothing of the host's identity
// (uid, resourceVersion, owner references, managed fields). Objects read from a
// list carry no kind, hence one function per kind.

export function renderSecret(secret: V1Secret, workload: FederatedWorkload): MemberSecret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: copiedMeta(secret, workload),
    ...(secret.type ? { type: secret.type } : {}),
    ...(secret.data ? { data: secret.data } : {}),
    ...(secret.immutable !== undefined ? { immutable: secret.immutable } : {}),
  };
}

export function renderConfigMap(configMap: V1ConfigMap, workload: FederatedWorkload): MemberConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: copiedMeta(configMap, workload),
    ...(configMap.data ? { data: configMap.data } : {}),
    ...(configMap.binaryData ? { binaryData: configMap.binaryData } : {}),
    ...(configMap.immutable !== undefined ? { immutable: configMap.immutable } : {}),
  };
}
