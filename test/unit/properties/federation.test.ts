// Property: whatever the federation (countries, providers, credentials good
// and bad, GPU pools with MIG profiles, dataset policies) and whatever happens
// to it (reconciles in any order, revocations, expiry, ledger and member
// outages, deletions), the real controllers never write a pod template that
// admits an untrusted node or a node outside the allowed places, never place
// without an approved ledger record, never book a pool beyond its verified
// devices, and always say why with a declared code.
import fc from 'fast-check';
import { propertyParameters, runArbitrary } from '../../properties/arbitraries.ts';
import { violations } from '../../properties/invariants.ts';
import { FederationWorld } from '../../properties/world.ts';

describe('federation invariants (in-memory API, real controllers, verifier and embedded ledger)', () => {
  it('hold after every step of random runs', async () => {
    await fc.assert(
      fc.asyncProperty(runArbitrary, async ({ federation, steps }) => {
        const world = await FederationWorld.create(federation);
        try {
          await world.start();
          const broken = await violations(world);
          if (broken.length) throw new Error(`after start: ${broken.join('\n')}`);
          for (const [i, step] of steps.entries()) {
            await world.step(step);
            const found = await violations(world);
            if (found.length) throw new Error(`after step ${i} ${JSON.stringify(step)}:\n${found.join('\n')}`);
          }
        } finally {
          await world.close();
        }
      }),
      propertyParameters(400),
    );
  }, 240_000);
});
