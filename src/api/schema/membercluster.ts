import { conditions, countryCode, dnsLabel, extendedResourceName, imageRegistry, objectName, observedGeneration, providerName, taint } from './common.ts';
import { integer, listMap, object, set, string, type Schema } from './dsl.ts';
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
    'allowedRegistries?': set(imageRegistry('A registry images may be pulled from.'), {
      maxItems: 64,
      description: 'Supply-chain sovereignty: workloads here may pull images only from these registries (unset: the federation-wide list, if any).',
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
    'verifiedResources?': object(
      {
        cpuMillis: integer({ minimum: 0, description: 'Allocatable CPU (millicores) not yet requested by pods, on verified nodes.' }),
        memoryMiB: integer({ minimum: 0, description: 'Allocatable memory (MiB) not yet requested by pods, on verified nodes.' }),
      },
      { title: 'VerifiedResources', description: 'Free CPU and memory on verified nodes: what a workload without GPUs can be placed on.' },
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
