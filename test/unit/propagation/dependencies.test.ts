import type { V1PodSpec } from '@kubernetes/client-node';
import type { FederatedWorkload } from '../../../src/api/generated/types.ts';
import { referencedDependencies, renderConfigMap, renderSecret } from '../../../src/cluster/propagation/dependencies.ts';

const fw = { metadata: { name: 'llm', namespace: 'ml' } } as FederatedWorkload;

describe('referencedDependencies', () => {
  it.each<[string, Partial<V1PodSpec>, { configMaps: string[]; secrets: string[] }]>([
    ['nothing', { containers: [{ name: 'a' }] }, { configMaps: [], secrets: [] }],
    [
      'env valueFrom in app and init containers',
      {
        initContainers: [{ name: 'i', env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'token', key: 't' } } }] }],
        containers: [
          {
            name: 'a',
            env: [
              { name: 'PLAIN', value: 'x' },
              { name: 'M', valueFrom: { configMapKeyRef: { name: 'model', key: 'm' } } },
              { name: 'F', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            ],
          },
        ],
      },
      { configMaps: ['model'], secrets: ['token'] },
    ],
    [
      'envFrom and ephemeral containers',
      {
        containers: [{ name: 'a', envFrom: [{ configMapRef: { name: 'settings' } }, { secretRef: { name: 'creds' } }] }],
        ephemeralContainers: [{ name: 'debug', envFrom: [{ configMapRef: { name: 'debug-env' } }] }],
      },
      { configMaps: ['debug-env', 'settings'], secrets: ['creds'] },
    ],
    [
      'volumes, projected sources and image pull secrets, without repeats',
      {
        containers: [{ name: 'a', envFrom: [{ configMapRef: { name: 'settings' } }] }],
        volumes: [
          { name: 'v1', configMap: { name: 'settings' } },
          { name: 'v2', secret: { secretName: 'tls' } },
          { name: 'v3', projected: { sources: [{ configMap: { name: 'ca' } }, { secret: { name: 'tls' } }, { serviceAccountToken: { path: 't' } }] } },
          { name: 'v4', emptyDir: {} },
        ],
        imagePullSecrets: [{ name: 'registry' }],
      },
      { configMaps: ['ca', 'settings'], secrets: ['registry', 'tls'] },
    ],
  ])('finds %s', (_what, spec, want) => {
    expect(referencedDependencies({ containers: [], ...spec } as V1PodSpec)).toEqual(want);
  });

  it('accepts a missing pod spec', () => {
    expect(referencedDependencies(undefined)).toEqual({ configMaps: [], secrets: [] });
  });
});

describe('member copies', () => {
  const hostMeta = {
    name: 'model',
    namespace: 'ml',
    uid: 'u-1',
    resourceVersion: '42',
    labels: { app: 'llm' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', note: 'keep' },
    ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'x' }],
    managedFields: [{ manager: 'kubectl' }],
  };

  it('copies a ConfigMap with its content and the ownership labels, without the host identity', () => {
    expect(renderConfigMap({ metadata: hostMeta, data: { a: '1' }, binaryData: { b: 'AA==' }, immutable: true }, fw)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'model',
        namespace: 'ml',
        labels: { app: 'llm', 'cloudempire.eu/workload': 'ml.llm', 'cloudempire.eu/managed-by': 'cloud-empire' },
        annotations: { note: 'keep' },
      },
      data: { a: '1' },
      binaryData: { b: 'AA==' },
      immutable: true,
    });
  });

  it('copies a Secret with its type and data', () => {
    expect(
      renderSecret(
        { metadata: { name: 'tls', labels: { 'cloudempire.eu/workload': 'stale.value' } }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'Y3J0' } },
        fw,
      ),
    ).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'tls', namespace: 'ml', labels: { 'cloudempire.eu/workload': 'ml.llm', 'cloudempire.eu/managed-by': 'cloud-empire' } },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'Y3J0' },
    });
  });
});
