import {
  conditions,
  countryList,
  dnsLabel,
  extendedResourceName,
  jurisdiction,
  labelSelector,
  objectName,
  observedGeneration,
  price,
  providerList,
  toleration,
} from './common.ts';
import { array, boolean, integer, listMap, object, opaque, set, string, stringMap, withRules, type Schema } from './dsl.ts';
import { AGE_COLUMN, conditionColumn, reasonColumn, type KindDefinition } from './kind.ts';

// The template is an unmodified Deployment, StatefulSet or Job. Its pod
// template is kept as written (a full PodSpec schema would duplicate the
// upstream API); the member API server validates it on apply. What the
// operator reads itself is typed here.
const template: Schema = withRules(
  object(
    {
      apiVersion: string({ enum: ['apps/v1', 'batch/v1'], 'x-cloudempire-hint': 'use apps/v1 (Deployment, StatefulSet) or batch/v1 (Job)' }),
      kind: string({ enum: ['Deployment', 'StatefulSet', 'Job'], 'x-cloudempire-hint': 'use Deployment, StatefulSet or Job' }),
      'metadata?': object({
        'name?': objectName('Name in the member clusters; defaults to the FederatedWorkload name.'),
        'labels?': stringMap(),
        'annotations?': stringMap(),
      }),
      spec: opaque({
        description: 'The workload spec as for the member API server.',
        properties: {
          replicas: integer({ minimum: 0, description: 'Total replicas across the federation.' }),
          parallelism: integer({ minimum: 0 }),
          completions: integer({ minimum: 0 }),
          template: opaque({ description: 'The pod template.' }),
        },
        required: ['template'],
      }),
    },
    { title: 'WorkloadTemplate', description: 'An unmodified apps/v1 Deployment or StatefulSet, or batch/v1 Job.' },
  ),
  {
    rule: "self.kind == 'Job' ? self.apiVersion == 'batch/v1' : self.apiVersion == 'apps/v1'",
    message: 'apiVersion does not match kind: Deployment and StatefulSet are apps/v1, Job is batch/v1',
    fieldPath: '.apiVersion',
  },
  {
    rule: "self.kind != 'Job' || !has(self.spec.replicas)",
    message: 'a Job has no replicas; use spec.parallelism and spec.completions',
    fieldPath: '.spec.replicas',
    reason: 'FieldValueForbidden',
  },
);

const includeExclude = (what: string, list: (d: string) => Schema): Schema =>
  withRules(
    object({
      'include?': list(`Only these ${what} (empty: any).`),
      'exclude?': list(`Never these ${what}.`),
    }),
    {
      rule: '!has(self.include) || !has(self.exclude) || self.include.all(x, !(x in self.exclude))',
      message: `a value cannot be both included and excluded; remove it from one of the ${what} lists`,
      fieldPath: '.exclude',
    },
  );

const spreadConstraint = withRules(
  object(
    {
      by: string({ enum: ['cluster', 'country', 'provider', 'region'], description: 'What to spread over.' }),
      'minGroups?': integer({ minimum: 1, maximum: 1000 }),
      'maxGroups?': integer({ minimum: 1, maximum: 1000 }),
    },
    { title: 'SpreadConstraint' },
  ),
  {
    rule: '!has(self.minGroups) || !has(self.maxGroups) || self.minGroups <= self.maxGroups',
    message: 'minGroups must not exceed maxGroups',
    fieldPath: '.minGroups',
  },
);

const replicaScheduling = withRules(
  object(
    {
      type: string({ enum: ['Duplicated', 'Divided'], default: 'Divided', description: 'Duplicated: every selected cluster runs all replicas.' }),
      'divisionPreference?': string({
        enum: ['Balanced', 'Aggregated', 'Weighted', 'Dynamic'],
        default: 'Balanced',
        description: 'Balanced: even; Aggregated: fewest clusters; Weighted: static weights; Dynamic: in proportion to free verified capacity.',
      }),
      'weights?': listMap(object({ clusterName: objectName('A member cluster.'), weight: integer({ minimum: 1, maximum: 1000 }) }), ['clusterName'], {
        maxItems: 128,
      }),
    },
    { title: 'ReplicaScheduling' },
  ),
  {
    rule: "(has(self.divisionPreference) && self.divisionPreference == 'Weighted') == (has(self.weights) && size(self.weights) > 0)",
    message: 'weights are required with divisionPreference Weighted and allowed only with it',
    fieldPath: '.weights',
  },
);

const placement: Schema = withRules(
  object(
    {
      'jurisdictions?': set(jurisdiction('A jurisdiction from the trust configuration, e.g. EU.'), {
        maxItems: 16,
        description: 'Only nodes attested in these jurisdictions (default: the operator default, EU).',
      }),
      'countries?': includeExclude('countries', countryList),
      'providers?': includeExclude('providers', providerList),
      'clusterAffinity?': object({
        'clusterNames?': set(objectName('A member cluster.'), { maxItems: 128 }),
        'labelSelector?': labelSelector('Selects member clusters by their labels.'),
      }),
      'clusterTolerations?': array(toleration('Tolerates a member cluster taint.'), { maxItems: 32 }),
      'spreadConstraints?': listMap(spreadConstraint, ['by'], { maxItems: 4 }),
      'replicaScheduling?': replicaScheduling,
      'fallback?': array(objectName('A member cluster.'), {
        maxItems: 16,
        description: 'Clusters tried in this order when no cluster passes the other rules.',
      }),
      'maxPricePerGpuHour?': price('Refuse GPU pools that cost more per GPU-hour.'),
      'failback?': object(
        {
          policy: string({
            enum: ['Never', 'WhenRecovered'],
            default: 'Never',
            description:
              'After a failover, Never keeps the share where it moved (no flapping); WhenRecovered decides afresh once every cluster it left has been Ready for stabilizationSeconds.',
          }),
          'stabilizationSeconds?': integer({
            minimum: 0,
            maximum: 86_400,
            default: 300,
            description: 'How long a recovered cluster must stay Ready before the share moves back.',
          }),
        },
        { title: 'Failback', description: 'What happens to a share moved away from an unreachable cluster once that cluster returns.' },
      ),
    },
    { title: 'Placement' },
  ),
  {
    rule: '!has(self.fallback) || !has(self.clusterAffinity) || !has(self.clusterAffinity.clusterNames) || self.fallback.all(c, !(c in self.clusterAffinity.clusterNames))',
    message: 'a fallback cluster is already in clusterAffinity.clusterNames; list it in one place',
    fieldPath: '.fallback',
  },
);

const gpu: Schema = object(
  {
    count: integer({
      minimum: 1,
      maximum: 64,
      description: 'GPUs (or MIG slices) per pod.',
      'x-cloudempire-hint': 'ask for at least 1 GPU per pod, or drop spec.gpu',
    }),
    resourceName: extendedResourceName('Device-plugin resource, e.g. nvidia.com/gpu or nvidia.com/mig-1g.10gb.'),
    'model?': string({ maxLength: 128, description: 'Required GPU model (GpuPool.spec.model).' }),
    'minMemoryMiB?': integer({ minimum: 1 }),
    'pools?': set(objectName('A GpuPool.'), { maxItems: 64, description: 'Restrict to these GpuPools.' }),
  },
  { title: 'GpuRequest', description: 'GPUs each pod needs; the operator adds limits and pool node selectors.' },
);

const dataAccess: Schema = object(
  {
    datasets: set(objectName('A dataset id published on the ledger.'), {
      minItems: 1,
      maxItems: 64,
      'x-cloudempire-hint': 'list at least one dataset, or drop spec.dataAccess',
    }),
    purpose: dnsLabel('Declared purpose, checked against each dataset policy, e.g. inference.'),
  },
  { title: 'DataAccess' },
);

const override: Schema = object(
  {
    clusterName: objectName('The member cluster this override applies to.'),
    'replicas?': integer({ minimum: 0 }),
    'images?': listMap(object({ container: dnsLabel('Container name.'), image: string({ minLength: 1, maxLength: 1024 }) }), ['container'], { maxItems: 32 }),
    'labels?': stringMap(),
    'annotations?': stringMap(),
  },
  { title: 'ClusterOverride' },
);

const spec: Schema = object(
  {
    template,
    'placement?': placement,
    'gpu?': gpu,
    'dataAccess?': dataAccess,
    'overrides?': listMap(override, ['clusterName'], { maxItems: 128 }),
    'suspend?': boolean({ description: 'Keep the decision but remove nothing and place nothing new.' }),
  },
  { description: 'What to run and where it may run.' },
);

const clusterPlacement = object(
  {
    cluster: objectName('Member cluster.'),
    'pool?': objectName('GpuPool used in that cluster.'),
    replicas: integer({ minimum: 0, description: 'Replicas, or for a Job its parallelism share.' }),
    'completions?': integer({ minimum: 0, description: "For a Job: this cluster's share of the completions." }),
    'score?': integer({ minimum: 0, maximum: 100 }),
    'country?': string({ maxLength: 2, description: 'Attested country of the nodes the replicas may use.' }),
    'provider?': string({ maxLength: 63 }),
    'nodes?': integer({ minimum: 0, description: 'Verified nodes the replicas may use (their DIDs go to the ledger).' }),
  },
  { title: 'ClusterPlacement' },
);

const refusal = {
  plugin: string({ maxLength: 64, description: 'The filter plugin that refused.' }),
  'code?': string({ maxLength: 64, description: 'Machine-readable reason code.' }),
  reason: string({ maxLength: 1024, description: 'Why, in one sentence.' }),
};

const pluginScores = listMap(
  object({ plugin: string({ maxLength: 64 }), score: integer({ minimum: 0, maximum: 100 }) }, { title: 'PluginScore' }),
  ['plugin'],
  { maxItems: 16 },
);

const poolRefusal = listMap(object({ pool: objectName('GpuPool.'), ...refusal }, { title: 'PoolRefusal' }), ['pool'], { maxItems: 64 });

const status: Schema = object({
  'observedGeneration?': observedGeneration(),
  'conditions?': conditions(),
  'decision?': object(
    {
      placements: listMap(clusterPlacement, ['cluster'], { maxItems: 1024 }),
      'refused?': listMap(object({ cluster: objectName('Member cluster.'), ...refusal, 'pools?': poolRefusal }, { title: 'ClusterRefusal' }), ['cluster'], {
        maxItems: 1024,
      }),
      'scores?': listMap(
        object(
          {
            cluster: objectName('Member cluster.'),
            score: integer({ minimum: 0, maximum: 100, description: 'Weighted total.' }),
            plugins: pluginScores,
            'pool?': objectName('The pool chosen in this cluster.'),
            'refusedPools?': poolRefusal,
          },
          { title: 'ClusterScore' },
        ),
        ['cluster'],
        { maxItems: 1024 },
      ),
      'unschedulable?': object(
        { code: string({ maxLength: 64 }), message: string({ maxLength: 4096 }) },
        { description: 'Set when nothing could be placed: why, across all clusters.' },
      ),
      'ledgerTxId?': string({ maxLength: 256 }),
      'decisionId?': string({ maxLength: 253, description: 'The id the ledger recorded this decision under (for its removal and for audits).' }),
      'decidedAt?': string({ format: 'date-time' }),
    },
    { title: 'PlacementDecision' },
  ),
  'pendingDecision?': object(
    {
      decisionId: string({ maxLength: 253, description: 'The id about to be recorded on the ledger (or recorded, not yet acknowledged in decision).' }),
      'abandoned?': set(string({ maxLength: 253 }), {
        maxItems: 64,
        description:
          'Earlier pending ids the workload moved away from before they were acknowledged: each is closed on the ledger (NeverApplied) before a new one is recorded.',
      }),
    },
    {
      title: 'PendingDecision',
      description:
        'Written before RecordPlacement, cleared when decision names the recorded one: an operator stopped in between finds it and closes or acknowledges it, so no recorded decision is left open.',
    },
  ),
  'supersededDecisions?': listMap(
    object(
      {
        decisionId: string({ maxLength: 253 }),
        clusters: set(string({ maxLength: 253 }), { maxItems: 1024, description: 'The clusters the replaced decision placed pods on.' }),
      },
      { title: 'SupersededDecision' },
    ),
    ['decisionId'],
    {
      maxItems: 64,
      description:
        'Recorded decisions a newer one replaced, whose objects may still run in members: each is closed on the ledger (removal reason Superseded, which ends its data-access grants) once every member it placed pods on holds only the current decision.',
    },
  ),
  'clusters?': listMap(
    object(
      {
        name: objectName('Member cluster.'),
        replicas: integer({ minimum: 0 }),
        'readyReplicas?': integer({ minimum: 0 }),
        'succeeded?': integer({ minimum: 0 }),
        'failed?': integer({ minimum: 0 }),
        'message?': string({ maxLength: 1024 }),
      },
      { title: 'MemberWorkloadStatus' },
    ),
    ['name'],
    { maxItems: 128 },
  ),
  'replicas?': integer({ minimum: 0 }),
  'readyReplicas?': integer({ minimum: 0 }),
  'failover?': object(
    {
      from: set(objectName('A member cluster the share left.'), { maxItems: 128 }),
      at: string({ format: 'date-time' }),
    },
    { title: 'Failover', description: 'The clusters the last failover moved shares away from, for placement.failback.' },
  ),
});

export const FederatedWorkloadKind: KindDefinition = {
  kind: 'FederatedWorkload',
  plural: 'federatedworkloads',
  singular: 'federatedworkload',
  shortNames: ['fw'],
  scope: 'Namespaced',
  description: 'An unmodified Deployment, StatefulSet or Job with placement rules, placed across member clusters.',
  spec,
  status,
  printerColumns: [
    { name: 'Kind', type: 'string', jsonPath: '.spec.template.kind' },
    conditionColumn('Scheduled', 'Scheduled'),
    conditionColumn('Ready', 'Ready'),
    { name: 'Replicas', type: 'integer', jsonPath: '.status.replicas' },
    { name: 'Ready Replicas', type: 'integer', jsonPath: '.status.readyReplicas' },
    reasonColumn('Scheduled', 1),
    AGE_COLUMN,
  ],
};
