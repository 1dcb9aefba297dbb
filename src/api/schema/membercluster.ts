import {
  conditions, countryCode, dnsLabel, extendedResourceName, objectName, observedGeneration, providerName, taint,
} from './common.ts';
import { integer, listMap, object, string, type Schema } from './dsl.ts';
import { AGE_COLUMN, conditionColumn, type KindDefinition } from './kind.ts';

const spec: Schema = object(
  {
    kubeconfigSecretRef: object(
      {
        name: objectName('Name of the Secret holding the kubeconfig.'),
        namespace: dnsLabel('Namespace of the Secret; the operator may read Secrets only where it is allowed to.'),
        'key?': string({ default: 'kubeconfig', maxLength: 253, description: 'Key of the kubeconfig in the Secret.' }),
      },
      { description: 'Where the credentials to reach this member live. Never copied into status or logs.' },
    ),
    country: countryCode('Country whose law governs this member cluster.'),
    'region?': dnsLabel('Provider region, e.g. eu-west-par.'),
    provider: providerName('Infrastructure provider operating the cluster, e.g. ovhcloud.'),
    'taints?': listMap(taint('A cluster taint: workloads must tolerate it to be placed here.'), ['key', 'effect'], {
      maxItems: 32,
    }),
  },
  { description: 'A member cluster of the federation.' },
);

const status: Schema = object(
  {
    'observedGeneration?': observedGeneration(),
    'conditions?': conditions(),
    'kubernetesVersion?': string({ maxLength: 64 }),
    'nodeCount?': integer({ minimum: 0 }),
    'verifiedNodeCount?': integer({ minimum: 0 }),
    'gpus?': listMap(
      object(
        {
          resourceName: extendedResourceName('Device-plugin resource.'),
          capacity: integer({ minimum: 0 }),
          allocatable: integer({ minimum: 0 }),
        },
        { title: 'GpuCapacity' },
      ),
      ['resourceName'],
      { maxItems: 64, description: 'GPU capacity on verified nodes, per resource name.' },
    ),
    'lastProbeTime?': string({ format: 'date-time' }),
    'unreachableSince?': string({ format: 'date-time' }),
  },
  { description: 'Observed health and capacity.' },
);

export const MemberClusterKind: KindDefinition = {
  kind: 'MemberCluster',
  plural: 'memberclusters',
  singular: 'membercluster',
  shortNames: ['mc'],
  scope: 'Cluster',
  description: 'A Kubernetes cluster that joins the federation, reached through a kubeconfig Secret.',
  spec,
  status,
  printerColumns: [
    { name: 'Country', type: 'string', jsonPath: '.spec.country' },
    { name: 'Provider', type: 'string', jsonPath: '.spec.provider' },
    conditionColumn('Ready', 'Ready'),
    { name: 'Version', type: 'string', jsonPath: '.status.kubernetesVersion' },
    { name: 'Nodes', type: 'integer', jsonPath: '.status.nodeCount' },
    { name: 'Verified', type: 'integer', jsonPath: '.status.verifiedNodeCount' },
    { name: 'Region', type: 'string', jsonPath: '.spec.region', priority: 1 },
    AGE_COLUMN,
  ],
};
