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

const H100 = { name: 'c0-p0', resourceName: 'nvidia.com/gpu', model: 'NVIDIA-H100-80GB-HBM3' };
const gpuWorkload = (name: string, count = 8) => ({ name, ...deployment, gpu: { count, resource: 0 } });
const onePool = (nodes: { name: string; gpus: number }[], workloads: FederationModel['workloads']): FederationModel => ({
  clusters: [
    {
      name: 'c0',
      declaredCountry: 'DE',
      provider: 'ionos',
      pools: [H100],
      nodes: nodes.map((n) => ({ ...n, country: 'DE', credential: 'valid' as const, pool: 0 })),
    },
  ],
  policies: [],
  workloads,
  expiresAfterMs: 60_000,
});
const scheduled = (world: FederationWorld, name: string) =>
  world.workloads.objects.get(`team/${name}`)?.status?.conditions?.find((c) => c.type === 'Scheduled');

describe('GPU bookings across workloads', () => {
  // Found by the property: each decision reserved only what the GpuPool status counts (bound pods), so
  // a second workload decided before the first one's pods were bound and counted booked the same devices;
  // its pods stayed Pending in the member and the stable placement kept it there.
  it('two workloads decided before the pool is recounted do not book the same devices', async () => {
    const world = await run(onePool([{ name: 'n0', gpus: 8 }], [gpuWorkload('w0'), gpuWorkload('w1')]), [
      { kind: 'reconcileWorkload', workload: 0 },
      { kind: 'reconcileWorkload', workload: 1 },
    ]);
    try {
      expect(poolBookings(world)).toEqual([]);
      expect(scheduled(world, 'w0')).toMatchObject({ status: 'True', reason: 'Placed' });
      // The refusal names the pool, what is free, what a pod wants and who booked the rest.
      expect(scheduled(world, 'w1')).toMatchObject({ status: 'False', reason: 'NoFeasibleCluster' });
      expect(scheduled(world, 'w1')!.message).toContain(
        'c0: InsufficientGpus (none of the 1 GPU pool(s) of cluster c0 fits; pool c0-p0 has 0 of 8 nvidia.com/gpu free on verified nodes; 8 booked by team/w0, a pod needs 8',
      );
      expect(await violations(world)).toEqual([]);
    } finally {
      await world.close();
    }
  });

  it('a refused workload is placed once the one holding the pool is deleted and its pods are gone', async () => {
    const world = await run(onePool([{ name: 'n0', gpus: 8 }], [gpuWorkload('w0'), gpuWorkload('w1')]), [
      { kind: 'reconcileWorkload', workload: 0 },
      { kind: 'settleMembers' },
      { kind: 'countPools' },
      { kind: 'reconcileWorkload', workload: 1 },
    ]);
    try {
      expect(scheduled(world, 'w1')).toMatchObject({ status: 'False', reason: 'NoFeasibleCluster' });
      for (const step of [
        { kind: 'deleteWorkload', workload: 0 },
        { kind: 'reconcileWorkload', workload: 0 },
        { kind: 'reconcileWorkload', workload: 1 },
      ] as const)
        await world.step(step);
      // Deleted, w0 books nothing; its pods, still bound until the member removes them, hold the devices.
      expect(scheduled(world, 'w1')).toMatchObject({ status: 'False' });
      for (const step of [{ kind: 'settleMembers' }, { kind: 'countPools' }, { kind: 'reconcileWorkload', workload: 1 }] as const) await world.step(step);
      expect(scheduled(world, 'w1')).toMatchObject({ status: 'True', reason: 'Placed' });
      expect(await violations(world)).toEqual([]);
    } finally {
      await world.close();
    }
  });

  it("a placed workload's bound pods are counted once, as its booking, not again as allocated", async () => {
    const world = await run(
      onePool(
        [
          { name: 'n0', gpus: 8 },
          { name: 'n1', gpus: 8 },
        ],
        [gpuWorkload('w0'), gpuWorkload('w1')],
      ),
      [
        { kind: 'reconcileWorkload', workload: 0 },
        { kind: 'settleMembers' },
        { kind: 'countPools' },
        { kind: 'reconcileWorkload', workload: 1 },
        { kind: 'settleMembers' },
        { kind: 'countPools' },
      ],
    );
    try {
      expect(world.gpuPools.objects.get('c0-p0')!.status).toMatchObject({ allocated: 16, federationAllocated: 16 });
      expect(scheduled(world, 'w1')).toMatchObject({ status: 'True', reason: 'Placed' });
      // Both run, one node each: nothing is Pending.
      expect(
        world.members
          .get('c0')!
          .podList()
          .map((p) => p.status?.phase),
      ).toEqual(['Running', 'Running']);
      expect(await violations(world)).toEqual([]);
    } finally {
      await world.close();
    }
  });
});
