import type { V1NodeSelectorRequirement, V1PodSpec, V1PodTemplateSpec } from '@kubernetes/client-node';
import fc from 'fast-check';
import type { FederatedWorkload, WorkloadTemplate } from '../../../src/api/generated/types.ts';
import { RenderError } from '../../../src/cluster/propagation/render-error.ts';
import { renderMemberWorkload, type MemberWorkloadObject, type PoolTarget, type RenderInput } from '../../../src/cluster/propagation/render.ts';

const VERIFIED: V1NodeSelectorRequirement = { key: 'trust.cloudempire.eu/verified', operator: 'In', values: ['true'] };
const OWNED = { 'cloudempire.eu/workload': 'prod.agent', 'cloudempire.eu/managed-by': 'cloud-empire' };

function deployment(podSpec: Partial<V1PodSpec> = {}, replicas = 6): WorkloadTemplate {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { labels: { app: 'agent' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'registry.example.eu/agent:1' }], ...podSpec } },
    } as WorkloadTemplate['spec'],
  };
}

function job(spec: Record<string, unknown>, podSpec: Partial<V1PodSpec> = {}): WorkloadTemplate {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    spec: { ...spec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'infer', image: 'registry.example.eu/infer:1' }], ...podSpec } } },
  };
}

function workload(template: WorkloadTemplate, extra: Partial<FederatedWorkload['spec']> = {}): FederatedWorkload {
  return {
    apiVersion: 'cloudempire.eu/v1alpha1',
    kind: 'FederatedWorkload',
    metadata: { name: 'agent', namespace: 'prod', generation: 3 },
    spec: { template, ...extra },
  };
}

const h100: PoolTarget = {
  name: 'paris-h100',
  resourceName: 'nvidia.com/gpu',
  nodeSelector: { matchLabels: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' }, matchExpressions: [{ key: 'nvidia.com/gpu.count', operator: 'Exists' }] },
  tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
};
const mig: PoolTarget = { name: 'madrid-mig', resourceName: 'nvidia.com/mig-1g.10gb' };

function input(fw: FederatedWorkload, extra: Partial<RenderInput> = {}): RenderInput {
  return { workload: fw, placement: { cluster: 'paris', replicas: 2 }, countries: ['FR', 'DE'], jurisdictions: ['EU'], ...extra };
}

const podSpecOf = (o: MemberWorkloadObject): V1PodSpec => o.spec.template.spec!;
const terms = (o: MemberWorkloadObject) => podSpecOf(o).affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms;

describe('renderMemberWorkload', () => {
  it('keeps the template and adds the decision replicas, the trust affinity and the ownership labels', () => {
    const fw = workload(deployment());
    const before = structuredClone(fw);
    const out = renderMemberWorkload(input(fw));
    expect(fw).toEqual(before);
    expect(out).toMatchObject({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'agent', namespace: 'prod', labels: { app: 'agent', ...OWNED } },
    });
    expect(out.spec.replicas).toBe(2);
    expect(out.spec.selector).toEqual({ matchLabels: { app: 'agent' } });
    expect(out.spec.template.metadata!.labels).toEqual({ app: 'agent', ...OWNED });
    expect(terms(out)).toEqual([
      {
        matchExpressions: [
          VERIFIED,
          { key: 'trust.cloudempire.eu/country', operator: 'In', values: ['DE', 'FR'] },
          { key: 'trust.cloudempire.eu/jurisdiction', operator: 'In', values: ['EU'] },
        ],
      },
    ]);
    expect(podSpecOf(out).containers).toEqual([{ name: 'agent', image: 'registry.example.eu/agent:1' }]);
  });

  it("ANDs the federation's requirements into every one of the user's own terms and keeps the user's nodeSelector", () => {
    const fw = workload(
      deployment({
        nodeSelector: { disk: 'nvme', 'trust.cloudempire.eu/verified': 'true' },
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
                { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['par-h100-1'] }] },
              ],
            },
            preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } }],
          },
        },
      }),
    );
    const out = renderMemberWorkload(input(fw));
    expect(podSpecOf(out).nodeSelector).toEqual({ disk: 'nvme', 'trust.cloudempire.eu/verified': 'true' });
    const [zone, named] = terms(out);
    expect(zone.matchExpressions).toEqual(expect.arrayContaining([VERIFIED, { key: 'zone', operator: 'In', values: ['a'] }]));
    expect(named.matchExpressions).toContainEqual(VERIFIED);
    expect(named.matchFields).toEqual([{ key: 'metadata.name', operator: 'In', values: ['par-h100-1'] }]);
    expect(podSpecOf(out).affinity!.nodeAffinity!.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
  });

  it.each([
    ['a named node', deployment({ nodeName: 'par-cpu-1' }), 'spec.template.spec.template.spec.nodeName'],
    [
      'a nodeSelector on unverified nodes',
      deployment({ nodeSelector: { 'trust.cloudempire.eu/verified': 'false' } }),
      'spec.template.spec.template.spec.nodeSelector',
    ],
    ['a toleration of every taint', deployment({ tolerations: [{ operator: 'Exists' }] }), 'spec.template.spec.template.spec.tolerations[0]'],
    [
      'a toleration of the revocation taint',
      deployment({
        tolerations: [
          { key: 'gpu', operator: 'Exists' },
          { key: 'trust.cloudempire.eu/revoked', operator: 'Exists', effect: 'NoExecute' },
        ],
      }),
      'spec.template.spec.template.spec.tolerations[1]',
    ],
    ['no containers', deployment({ containers: [] }), 'spec.template.spec.template.spec.containers'],
  ])('refuses a template with %s, naming the field', (_what, template, field) => {
    expect(() => renderMemberWorkload(input(workload(template)))).toThrow(expect.objectContaining({ name: 'RenderError', field }));
  });

  it('refuses empty country or jurisdiction lists (nothing may run) and claims of the ownership labels', () => {
    const fw = workload(deployment());
    expect(() => renderMemberWorkload(input(fw, { countries: [] }))).toThrow(RenderError);
    expect(() => renderMemberWorkload(input(fw, { jurisdictions: [] }))).toThrow(/spec.placement.jurisdictions/);
    const claiming = deployment();
    claiming.metadata!.labels!['cloudempire.eu/workload'] = 'other.thing';
    expect(() => renderMemberWorkload(input(workload(claiming)))).toThrow(/cloudempire.eu\/workload is set by the operator/);
    const long = workload(deployment());
    long.metadata.name = 'x'.repeat(60);
    expect(() => renderMemberWorkload(input(long))).toThrow(/63/);
  });

  describe('GPUs', () => {
    const gpuWorkload = (template: WorkloadTemplate, resourceName = 'nvidia.com/gpu') => workload(template, { gpu: { count: 2, resourceName } });

    it("gives the first container the pool's resource, the pool's node selector as requirements and its tolerations", () => {
      const out = renderMemberWorkload(
        input(gpuWorkload(job({ parallelism: 1 })), { pool: h100, placement: { cluster: 'paris', pool: 'paris-h100', replicas: 1 } }),
      );
      expect(podSpecOf(out).containers[0].resources).toEqual({ limits: { 'nvidia.com/gpu': '2' } });
      expect(terms(out)[0].matchExpressions).toEqual(
        expect.arrayContaining([
          { key: 'gpu.cloudempire.eu/pool', operator: 'In', values: ['paris-h100'] },
          { key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-H100-80GB-HBM3'] },
          { key: 'nvidia.com/gpu.count', operator: 'Exists' },
        ]),
      );
      expect(podSpecOf(out).tolerations).toEqual(h100.tolerations);
    });

    it("moves the containers' own GPU asks to the pool's resource name (a MIG pool) and adds a pool toleration once", () => {
      const template = job(
        { parallelism: 1 },
        {
          containers: [
            { name: 'sidecar', image: 's:1' },
            { name: 'infer', image: 'i:1', resources: { limits: { 'nvidia.com/gpu': '2', cpu: '4' }, requests: { 'nvidia.com/gpu': '2', cpu: '2' } } },
          ],
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
        },
      );
      const out = renderMemberWorkload(
        input(gpuWorkload(template), { pool: { ...mig, tolerations: h100.tolerations }, placement: { cluster: 'madrid', replicas: 1 } }),
      );
      expect(podSpecOf(out).containers[0].resources).toBeUndefined();
      expect(podSpecOf(out).containers[1].resources).toEqual({ limits: { cpu: '4', 'nvidia.com/mig-1g.10gb': '2' }, requests: { cpu: '2' } });
      expect(podSpecOf(out).tolerations).toHaveLength(1);
    });

    it.each([
      ['asks for a different count', { limits: { 'nvidia.com/gpu': '1' } }, 'spec.gpu.count'],
      ['asks for a fraction', { limits: { 'nvidia.com/gpu': '500m' } }, 'spec.template.spec.template.spec.containers[0].resources'],
    ])('refuses a container that %s', (_what, resources, field) => {
      const template = job({ parallelism: 1 }, { containers: [{ name: 'infer', image: 'i:1', resources }] });
      expect(() => renderMemberWorkload(input(gpuWorkload(template), { pool: h100 }))).toThrow(expect.objectContaining({ field }));
    });

    it('refuses GPUs without a pool, and a pool other than the decided one', () => {
      expect(() => renderMemberWorkload(input(gpuWorkload(job({ parallelism: 1 }))))).toThrow(/names no GpuPool in cluster paris/);
      expect(() =>
        renderMemberWorkload(input(gpuWorkload(job({ parallelism: 1 })), { pool: h100, placement: { cluster: 'paris', pool: 'other', replicas: 1 } })),
      ).toThrow(/places cluster paris on pool other/);
    });
  });

  describe('Jobs', () => {
    it.each([
      ['a divided share', { parallelism: 4, completions: 20 }, { replicas: 2, completions: 10 }, undefined, { parallelism: 2, completions: 10 }],
      ['a work-queue Job (no completions)', { parallelism: 4 }, { replicas: 3 }, undefined, { parallelism: 3 }],
      [
        'Duplicated: every cluster runs all completions',
        { parallelism: 2, completions: 6 },
        { replicas: 2 },
        'Duplicated' as const,
        { parallelism: 2, completions: 6 },
      ],
      [
        'an Indexed Job kept whole in one cluster',
        { parallelism: 4, completions: 20, completionMode: 'Indexed' },
        { replicas: 4, completions: 20 },
        undefined,
        { parallelism: 4, completions: 20 },
      ],
    ])('renders %s', (_what, spec, share, type, want) => {
      const fw = workload(job(spec), type ? { placement: { replicaScheduling: { type } } } : {});
      const out = renderMemberWorkload(input(fw, { placement: { cluster: 'paris', ...share } }));
      expect(out.spec).toMatchObject(want);
      expect(out.spec.replicas).toBeUndefined();
      if (!('completions' in want)) expect(out.spec.completions).toBeUndefined();
    });

    it('refuses a share without completions, and an Indexed Job divided across clusters', () => {
      expect(() => renderMemberWorkload(input(workload(job({ parallelism: 4, completions: 20 }))))).toThrow(/no share of them/);
      const indexed = workload(job({ parallelism: 4, completions: 20, completionMode: 'Indexed' }));
      expect(() => renderMemberWorkload(input(indexed, { placement: { cluster: 'paris', replicas: 2, completions: 10 } }))).toThrow(
        expect.objectContaining({ field: 'spec.template.spec.completionMode' }),
      );
    });
  });

  it('applies the cluster override: replicas, images, labels and annotations (on the object and its pods)', () => {
    const fw = workload(deployment({ initContainers: [{ name: 'migrate', image: 'm:1' }] }), {
      overrides: [
        { clusterName: 'madrid', replicas: 9 },
        {
          clusterName: 'paris',
          replicas: 5,
          images: [
            { container: 'agent', image: 'mirror.paris.eu/agent:1' },
            { container: 'migrate', image: 'mirror.paris.eu/m:1' },
          ],
          labels: { site: 'par' },
          annotations: { 'ops.example.eu/oncall': 'paris' },
        },
      ],
    });
    const out = renderMemberWorkload(input(fw));
    expect(out.spec.replicas).toBe(5);
    expect(podSpecOf(out).containers[0].image).toBe('mirror.paris.eu/agent:1');
    expect(podSpecOf(out).initContainers![0].image).toBe('mirror.paris.eu/m:1');
    expect(out.metadata.labels).toEqual({ app: 'agent', site: 'par', ...OWNED });
    expect(out.metadata.annotations).toEqual({ 'ops.example.eu/oncall': 'paris' });
    expect(out.spec.template.metadata).toEqual({ labels: { app: 'agent', site: 'par', ...OWNED }, annotations: { 'ops.example.eu/oncall': 'paris' } });
    const unknown = workload(deployment(), { overrides: [{ clusterName: 'paris', images: [{ container: 'nope', image: 'x' }] }] });
    expect(() => renderMemberWorkload(input(unknown))).toThrow(expect.objectContaining({ field: 'spec.overrides[0].images[0].container' }));
  });

  it('renders the same object for the same input (server-side apply sees no change)', () => {
    const fw = workload(deployment(), { gpu: { count: 1, resourceName: 'nvidia.com/gpu' } });
    const one = renderMemberWorkload(input(fw, { pool: h100, countries: ['FR', 'DE', 'FR'] }));
    const two = renderMemberWorkload(input(structuredClone(fw), { pool: structuredClone(h100), countries: ['DE', 'FR'] }));
    expect(JSON.stringify(one)).toBe(JSON.stringify(two));
  });
});

describe('invariant 1: whatever the template says, every rendered pod requires verified nodes in allowed countries', () => {
  const key = fc.constantFrom(
    'trust.cloudempire.eu/verified',
    'trust.cloudempire.eu/country',
    'trust.cloudempire.eu/jurisdiction',
    'gpu.cloudempire.eu/pool',
    'zone',
    'kubernetes.io/hostname',
  );
  const requirement = fc.record({
    key,
    operator: fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt'),
    values: fc.array(fc.constantFrom('true', 'false', 'FR', 'GB', 'US', 'EU', '1'), { maxLength: 3 }),
  });
  const term = fc.record({ matchExpressions: fc.option(fc.array(requirement, { maxLength: 3 }), { nil: undefined }) });
  const podSpec = fc.record(
    {
      nodeSelector: fc.dictionary(key, fc.constantFrom('true', 'false', 'FR', 'GB')),
      affinity: fc.record({
        nodeAffinity: fc.record({ requiredDuringSchedulingIgnoredDuringExecution: fc.record({ nodeSelectorTerms: fc.array(term, { maxLength: 3 }) }) }),
      }),
      tolerations: fc.array(
        fc.record({
          key: fc.option(key, { nil: undefined }),
          operator: fc.constantFrom('Exists', 'Equal'),
          effect: fc.constantFrom('NoSchedule', 'NoExecute'),
        }),
        { maxLength: 2 },
      ),
      nodeName: fc.option(fc.constantFrom('par-edge-lon'), { nil: undefined }),
    },
    { requiredKeys: [] },
  );
  const countries = fc.uniqueArray(fc.constantFrom('FR', 'DE', 'ES', 'PL'), { minLength: 1 });

  it('holds for random templates, tolerations and allowed countries', () => {
    fc.assert(
      fc.property(podSpec, countries, fc.boolean(), (extra, allowed, withPool) => {
        const template = deployment(extra as Partial<V1PodSpec>);
        const fw = workload(template, withPool ? { gpu: { count: 1, resourceName: 'nvidia.com/gpu' } } : {});
        let out: MemberWorkloadObject;
        try {
          out = renderMemberWorkload(input(fw, { countries: allowed, ...(withPool ? { pool: h100 } : {}) }));
        } catch (error) {
          // Refusing is always safe; crashing is not.
          expect(error).toBeInstanceOf(RenderError);
          return;
        }
        const spec = (out.spec.template as V1PodTemplateSpec).spec!;
        expect(spec.nodeName).toBeUndefined();
        const rendered = spec.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms;
        expect(rendered.length).toBeGreaterThan(0);
        for (const t of rendered) {
          expect(t.matchExpressions).toContainEqual(VERIFIED);
          const country = t.matchExpressions!.find((r) => r.key === 'trust.cloudempire.eu/country' && r.operator === 'In');
          expect(country?.values?.every((c) => (allowed as string[]).includes(c))).toBe(true);
        }
        for (const [k, v] of Object.entries((extra as Partial<V1PodSpec>).nodeSelector ?? {})) expect(spec.nodeSelector?.[k]).toBe(v);
        for (const t of spec.tolerations ?? []) {
          expect(t.key === undefined && t.operator === 'Exists').toBe(false);
          expect(['trust.cloudempire.eu/revoked', 'trust.cloudempire.eu/unverified']).not.toContain(t.key);
        }
      }),
      { numRuns: 500 },
    );
  });
});
