// Property, on a real member kube-apiserver: the in-memory member API the unit
// properties run the controllers against answers the propagation code as the
// real one does. Random sequences of applies (workloads rendered with random
// replicas, labels, countries, pools, Job templates) and prunes go through the
// real MemberPropagation into both; after each, the objects the operator owns
// (and the fields it owns in them) and the errors raised must be the same.
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import fc from 'fast-check';
import { MemberPropagation, refOf, type MemberObject } from '../../../src/cluster/propagation/apply.ts';
import { workloadKey } from '../../../src/cluster/propagation/labels.ts';
import { renderMemberWorkload } from '../../../src/cluster/propagation/render.ts';
import { FakeMemberApi } from '../../helpers/fake-member-api.ts';
import { EU_COUNTRIES, propertyParameters, type WorkloadModel } from '../../properties/arbitraries.ts';
import { workloadObject } from '../../properties/world.ts';
import { eventually, kubeConfig, memberAccess, uniqueName } from '../federation.ts';

const operation = fc.oneof(
  fc.record({
    op: fc.constant('apply' as const),
    workload: fc.nat(1),
    kind: fc.constantFrom('Deployment' as const, 'Job' as const),
    replicas: fc.integer({ min: 1, max: 3 }),
    country: fc.constantFrom(...EU_COUNTRIES),
    label: fc.constantFrom('a', 'b'),
    noSelector: fc.boolean(),
  }),
  fc.record({ op: fc.constant('prune' as const), workload: fc.nat(1), keep: fc.boolean() }),
);

/** What the operator owns of an object, as either API server returns it. */
function owned(o: KubernetesObject & { spec?: Record<string, unknown> }) {
  const spec = o.spec as {
    replicas?: number;
    parallelism?: number;
    template?: { metadata?: { labels?: Record<string, string> }; spec?: { affinity?: unknown } };
  };
  const labels = (l: Record<string, string> | undefined) => Object.fromEntries(Object.entries(l ?? {}).filter(([k]) => !k.endsWith('controller-uid')));
  // Plain JSON: the client deserializes into model classes, the fake keeps plain objects.
  return JSON.parse(
    JSON.stringify({
      kind: o.kind,
      name: o.metadata?.name,
      labels: labels(o.metadata?.labels),
      replicas: spec?.replicas ?? spec?.parallelism,
      podLabels: labels(spec?.template?.metadata?.labels),
      affinity: spec?.template?.spec?.affinity,
    }),
  ) as Record<string, unknown>;
}

async function live(api: Pick<KubernetesObjectApi, 'list'>, namespace: string) {
  const out = [];
  for (const [apiVersion, kind] of [
    ['apps/v1', 'Deployment'],
    ['batch/v1', 'Job'],
  ])
    for (const item of (await api.list(apiVersion, kind, namespace)).items) if (!item.metadata?.deletionTimestamp) out.push(owned({ ...item, kind } as never));
  return out.sort((a, b) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`));
}

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: Error & { code?: unknown }) => `${error.name}${typeof error.code === 'number' ? ` ${error.code}` : ''}`,
  );

describe('the in-memory member API against a real kube-apiserver', () => {
  it('answers random propagation sequences as the real one does', async () => {
    const real = KubernetesObjectApi.makeApiClient(kubeConfig(memberAccess('paris')));
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 6 }), async (operations) => {
        const namespace = uniqueName('props');
        const fake = new FakeMemberApi('paris', () => []);
        const members = [new MemberPropagation(real), new MemberPropagation(fake)];
        try {
          for (const o of operations) {
            const name = `w${o.workload}`;
            let results: string[];
            if (o.op === 'apply') {
              const model: WorkloadModel = { name, kind: o.kind, replicas: o.replicas, division: 'Duplicated' };
              const fw = workloadObject(model, { clusters: [], policies: [], workloads: [model], expiresAfterMs: 0 });
              fw.metadata.namespace = namespace;
              const template = fw.spec.template as unknown as {
                spec: Record<string, unknown> & { template: { metadata: { labels: Record<string, string> } } };
              };
              template.spec.template.metadata.labels.variant = o.label;
              if (o.kind === 'Deployment' && o.noSelector) delete template.spec.selector;
              const object = renderMemberWorkload({
                workload: fw,
                placement: { cluster: 'paris', replicas: o.replicas },
                countries: [o.country],
                jurisdictions: ['EU'],
              });
              results = await Promise.all(members.map((m) => outcome(m.apply([object as MemberObject]))));
            } else {
              const keep = o.keep ? [refOf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace, labels: {} } } as never)] : [];
              results = await Promise.all(members.map((m) => outcome(m.prune(workloadKey({ metadata: { namespace, name } }), keep))));
              // A foreground deletion ends when the member's garbage collector has run: let both get there.
              fake.settle();
              await eventually(async () => {
                for (const kind of ['Deployment', 'Job'])
                  for (const item of (await real.list(kind === 'Job' ? 'batch/v1' : 'apps/v1', kind, namespace)).items)
                    if (item.metadata?.deletionTimestamp) throw new Error(`${kind} ${item.metadata.name} is still being deleted`);
              }, 60_000);
            }
            expect({ operation: o, fake: results[1] }).toEqual({ operation: o, fake: results[0] });
            expect(await live(fake, namespace)).toEqual(await live(real, namespace));
          }
        } finally {
          await real.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }).catch(() => undefined);
        }
      }),
      propertyParameters(25),
    );
  }, 300_000);
});
