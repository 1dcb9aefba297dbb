import { conditions, countryList, currency, extendedResourceName, labelSelector, objectName, observedGeneration, price, providerName } from './common.ts';
import { integer, listMap, object, string, type Schema } from './dsl.ts';
import { AGE_COLUMN, conditionColumn, type KindDefinition } from './kind.ts';

const spec: Schema = object(
  {
    memberCluster: objectName('The MemberCluster whose nodes form the pool.'),
    nodeSelector: labelSelector('Selects the pool nodes in the member cluster; only verified ones count.'),
    resourceName: extendedResourceName('Device-plugin resource the pool offers: nvidia.com/gpu, nvidia.com/mig-1g.10gb, amd.com/gpu, gpu.intel.com/i915 ...'),
    model: string({
      minLength: 1,
      maxLength: 128,
      description: 'GPU model as GPU Feature Discovery reports it (nvidia.com/gpu.product), e.g. NVIDIA-H100-80GB-HBM3.',
    }),
    'memoryMiB?': integer({ minimum: 1, description: 'Memory per GPU (or per MIG slice) in MiB.' }),
    provider: providerName('Provider that sells this capacity.'),
    'pricePerGpuHour?': object({ amount: price('Price of one GPU (or slice) for one hour.'), 'currency?': currency() }, { title: 'Price' }),
  },
  { description: 'GPU capacity offered by a set of nodes of one member cluster.' },
);

const status: Schema = object({
  'observedGeneration?': observedGeneration(),
  'conditions?': conditions(),
  'nodes?': integer({ minimum: 0, description: 'Nodes matching the selector.' }),
  'verifiedNodes?': integer({ minimum: 0, description: 'Matching nodes whose SovereignNode is verified.' }),
  'capacity?': integer({ minimum: 0, description: 'GPUs on verified nodes.' }),
  'allocatable?': integer({ minimum: 0, description: 'Allocatable GPUs on verified nodes.' }),
  'allocated?': integer({ minimum: 0, description: 'GPUs requested by pods bound to verified nodes.' }),
  'federationAllocated?': integer({
    minimum: 0,
    description:
      "Of `allocated`, the GPUs requested by pods the operator placed (labelled cloudempire.eu/managed-by): the scheduler counts these as part of their workloads' bookings, not a second time.",
  }),
  'claimedNodes?': listMap(
    object(
      {
        name: objectName('A node the selector matches that another GpuPool labelled first.'),
        pool: objectName('The GpuPool that counts the node.'),
      },
      { title: 'ClaimedNode' },
    ),
    ['name'],
    { maxItems: 5000, description: 'Selected nodes counted by another pool: a node counts in exactly one pool, the one whose label it carries.' },
  ),
  'nodeCapacity?': listMap(
    object(
      {
        name: objectName('A verified node of the pool (the Node name in the member).'),
        allocatable: integer({ minimum: 0 }),
        allocated: integer({ minimum: 0 }),
        'federationAllocated?': integer({ minimum: 0, description: 'Of `allocated`, what pods the operator placed request.' }),
      },
      { title: 'PoolNodeCapacity' },
    ),
    ['name'],
    { maxItems: 5000, description: 'Per verified node: a pod needing several GPUs must find them all on one node.' },
  ),
  'countries?': countryList('Countries attested by the credentials of the verified pool nodes.'),
});

export const GpuPoolKind: KindDefinition = {
  kind: 'GpuPool',
  plural: 'gpupools',
  singular: 'gpupool',
  shortNames: ['gp'],
  scope: 'Cluster',
  description: 'GPU capacity offered by verified nodes of one member cluster, with its model and price.',
  spec,
  status,
  printerColumns: [
    { name: 'Cluster', type: 'string', jsonPath: '.spec.memberCluster' },
    { name: 'Resource', type: 'string', jsonPath: '.spec.resourceName' },
    { name: 'Model', type: 'string', jsonPath: '.spec.model' },
    { name: 'Verified', type: 'integer', jsonPath: '.status.verifiedNodes' },
    { name: 'Allocatable', type: 'integer', jsonPath: '.status.allocatable' },
    { name: 'Allocated', type: 'integer', jsonPath: '.status.allocated' },
    conditionColumn('Ready', 'Ready'),
    { name: 'Price', type: 'string', jsonPath: '.spec.pricePerGpuHour.amount', priority: 1 },
    AGE_COLUMN,
  ],
};
