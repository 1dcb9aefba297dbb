import type { V1Deployment } from '@kubernetes/client-node';
import type { FederatedWorkload } from '../../../src/api/generated/types.ts';
import { differences, federatedWorkload, workloadLabel, type DesiredWorkload } from '../../../bench/soak/desired.ts';

const IMAGE = 'registry.example.eu/soak/app:v1';

/** The workload as the operator reports it once it placed `placements`. */
function placed(name: string, want: DesiredWorkload, placements: Record<string, number>, generation = 1): FederatedWorkload {
  const fw = federatedWorkload(name, want);
  fw.metadata.generation = generation;
  fw.status = {
    observedGeneration: generation,
    conditions: [
      { type: 'Scheduled', status: 'True', reason: 'Placed', message: '', observedGeneration: generation, lastTransitionTime: '2026-12-01T00:00:00Z' },
    ],
    decision: { placements: Object.entries(placements).map(([cluster, replicas]) => ({ cluster, replicas })), ledgerTxId: 'tx' },
  };
  return fw;
}

function deployment(name: string, replicas: number, image = IMAGE): V1Deployment {
  return {
    metadata: { name, namespace: 'soak', labels: { 'cloudempire.eu/workload': workloadLabel(name), 'cloudempire.eu/managed-by': 'cloud-empire' } },
    spec: { replicas, selector: {}, template: { spec: { containers: [{ name: 'app', image }] } } },
  };
}

const want: DesiredWorkload = { replicas: 3, image: IMAGE, rule: 'iberiaPoland' };

describe('soak desired state', () => {
  it('finds nothing when the members hold what the decision says', () => {
    const { byWorkload, orphans } = differences(new Map([['w1', want]]), [placed('w1', want, { madrid: 2, warsaw: 1 })], {
      madrid: [deployment('w1', 2)],
      warsaw: [deployment('w1', 1)],
      paris: [],
    });
    expect([...byWorkload]).toEqual([]);
    expect(orphans).toEqual([]);
  });

  it('names wrong totals, a member outside the rule, a stale image and a copy the decision does not know', () => {
    const { byWorkload } = differences(new Map([['w1', want]]), [placed('w1', want, { madrid: 2, warsaw: 1 })], {
      madrid: [deployment('w1', 2, 'registry.example.eu/soak/app:v0')],
      warsaw: [],
      paris: [deployment('w1', 1)],
    });
    const issues = byWorkload.get('w1')!.join('\n');
    expect(issues).toMatch(/madrid runs registry.example.eu\/soak\/app:v0, want .*:v1/);
    expect(issues).toMatch(/placed in paris, outside rule iberiaPoland/);
    expect(issues).toMatch(/paris has 1 replicas, the decision says undefined/);
    // 3 replicas in total, but not where the decision put them.
    expect(issues).not.toMatch(/replicas in the members/);
  });

  it('names a status behind the spec and a replica count short of the desired one', () => {
    const stale = placed('w1', want, { madrid: 2 });
    stale.metadata.generation = 2;
    const { byWorkload } = differences(new Map([['w1', want]]), [stale], { madrid: [deployment('w1', 2)] });
    expect(byWorkload.get('w1')).toEqual(
      expect.arrayContaining([expect.stringMatching(/status at generation 1, spec at 2/), '2 replicas in the members, want 3']),
    );
  });

  it('reports copies of deleted workloads as orphans and deleted workloads still on the host', () => {
    const { byWorkload, orphans } = differences(new Map(), [placed('w2', want, { madrid: 3 })], { madrid: [deployment('w2', 3)] });
    expect(orphans).toEqual([expect.stringContaining(`madrid: soak/w2 (${workloadLabel('w2')}) belongs to no workload`)]);
    expect(byWorkload.get('w2')).toEqual(expect.arrayContaining([expect.stringMatching(/still on the host/)]));
  });

  it('a workload scaled to zero matches with no copies anywhere', () => {
    const zero = { ...want, replicas: 0 };
    const { byWorkload } = differences(new Map([['w3', zero]]), [placed('w3', zero, {})], { madrid: [], warsaw: [] });
    expect([...byWorkload]).toEqual([]);
  });
});
