// Counterexamples the federation property shrank to, kept as examples so the
// bugs they found stay fixed.
import type { V1PodSpec } from '@kubernetes/client-node';
import type { FederationModel } from '../../properties/arbitraries.ts';
import { poolBookings, violations } from '../../properties/invariants.ts';
import { FederationWorld } from '../../properties/world.ts';

const deployment = { kind: 'Deployment', replicas: 1, division: 'Duplicated' } as const;

async function run(model: FederationModel, steps: Parameters<FederationWorld['step']>[0][]): Promise<FederationWorld> {
  const world = await FederationWorld.create(model);
  await world.start();
  for (const step of steps) await world.step(step);
  return world;
}

describe('federation property counterexamples', () => {
  it('a share the ledger approved in one country admits only that country, though the cluster has verified nodes in another', async () => {
    const world = await run(
      {
        clusters: [
          {
            name: 'c0',
            declaredCountry: 'DE',
            provider: 'ionos',
            pools: [],
            nodes: [
              { name: 'n0', country: 'DE', credential: 'valid', gpus: 0 },
              { name: 'n1', country: 'PL', credential: 'valid', gpus: 0 },
            ],
          },
        ],
        policies: [],
        workloads: [{ name: 'w0', ...deployment }],
        expiresAfterMs: 60_000,
      },
      [{ kind: 'reconcileWorkload', workload: 0 }],
    );
    const [object] = world.members.get('c0')!.workloads();
    const country = (
      object.spec.template.spec as V1PodSpec
    ).affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms[0].matchExpressions!.find(
      (e) => e.key === 'trust.cloudempire.eu/country',
    );
    const approved = world.workloads.objects.get('team/w0')!.status!.decision!.placements[0].country;
    expect(country?.values).toEqual([approved]);
    expect(await violations(world)).toEqual([]);
    await world.close();
  });
});

describe('federation property counterexamples not fixed yet', () => {
  // Found by the property: each decision reserves only what the GpuPool status counts (bound pods), so
  // a second workload decided before the first one's pods are bound and counted books the same devices;
  // its pods stay Pending in the member and the stable placement keeps it there. Flip to `it` once the
  // controller reserves recorded decisions (see docs/reliability.md).
  it.failing('two workloads decided before the pool is recounted do not book the same devices', async () => {
    const gpuWorkload = (name: string) => ({ name, ...deployment, gpu: { count: 8, resource: 0 } });
    const world = await run(
      {
        clusters: [
          {
            name: 'c0',
            declaredCountry: 'DE',
            provider: 'ionos',
            pools: [{ name: 'c0-p0', resourceName: 'nvidia.com/gpu', model: 'NVIDIA-H100-80GB-HBM3' }],
            nodes: [{ name: 'n0', country: 'DE', credential: 'valid', gpus: 8, pool: 0 }],
          },
        ],
        policies: [],
        workloads: [gpuWorkload('w0'), gpuWorkload('w1')],
        expiresAfterMs: 60_000,
      },
      [
        { kind: 'reconcileWorkload', workload: 0 },
        { kind: 'reconcileWorkload', workload: 1 },
      ],
    );
    try {
      expect(poolBookings(world)).toEqual([]);
    } finally {
      await world.close();
    }
  });
});
