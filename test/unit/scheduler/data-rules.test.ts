// Where a workload's data and jurisdiction rules let it run, decided per
// attested country group: dataset policies narrowing a cluster to some of its
// nodes, jurisdictions a dataset allows, and the sentences of each refusal.
import type { CycleState, ScheduleOptions } from '../../../src/scheduler/framework.ts';
import { datasetPolicy } from '../../../src/scheduler/plugins/dataset-policy.ts';
import type { ClusterInfo } from '../../../src/scheduler/snapshot.ts';
import { schedule } from '../../../src/scheduler/schedule.ts';
import { member, pool, snapshotOf, workload, type WorkloadSpec } from './fixtures.ts';

const policy = (changes: Partial<{ allowedCountries: string[]; allowedJurisdictions: string[]; allowedProviders: string[]; allowedPurposes: string[] }>) =>
  ({ allowedCountries: [], allowedJurisdictions: [], allowedProviders: [], allowedPurposes: ['inference'], ...changes }) as const;
const withPolicy = (changes: Parameters<typeof policy>[0]): ScheduleOptions => ({ datasetPolicies: new Map([['notes', policy(changes)]]) });
const readsNotes: WorkloadSpec = { dataAccess: { datasets: ['notes'], purpose: 'inference' } };
const refusalOf = (decision: ReturnType<typeof schedule>, cluster: string) => decision.evaluations.find((e) => e.cluster === cluster)?.refusal;

describe('dataset policies', () => {
  it('refuse a cluster whose nodes are attested in a jurisdiction the dataset does not allow', () => {
    const eea = member('x', { country: 'FR', nodes: { 'x-n1': { country: 'FR', jurisdiction: 'EEA' } } });
    const decision = schedule(
      workload({ ...readsNotes, placement: { jurisdictions: ['EU', 'EEA'] } }),
      snapshotOf([eea, member('ok', { country: 'DE' })]),
      withPolicy({ allowedJurisdictions: ['EU', 'EFTA'] }),
    );
    expect(refusalOf(decision, 'x')).toEqual({
      plugin: 'DatasetPolicy',
      code: 'DatasetPolicyRefuses',
      reason: 'cluster x: dataset notes may be placed in EU, EFTA, not EEA',
    });
    expect(decision.placements.map((p) => p.cluster)).toEqual(['ok']);
  });

  it('name no purpose and an unstated purpose in the sentence', () => {
    const none = schedule(workload(readsNotes), snapshotOf([member('x')]), withPolicy({ allowedPurposes: [] }));
    expect(refusalOf(none, 'x')?.reason).toBe('dataset notes may serve no purpose, not inference');
    const unstated = schedule(workload({ dataAccess: { datasets: ['notes'] } as never }), snapshotOf([member('x')]), withPolicy({}));
    expect(refusalOf(unstated, 'x')?.reason).toBe('dataset notes may serve inference, not an unstated purpose');
  });

  it('pass a cluster when one of its country groups is allowed', () => {
    const mixed = member('x', { country: 'FR', nodes: { 'x-fr': 'FR', 'x-de': 'DE' } });
    const decision = schedule(workload(readsNotes), snapshotOf([mixed]), withPolicy({ allowedCountries: ['DE'] }));
    expect(refusalOf(decision, 'x')).toBeUndefined();
    expect(decision.result).toBe('Scheduled');
  });

  it('leave placement to the ledger when no policies are known', () => {
    const decision = schedule(workload(readsNotes), snapshotOf([member('x')]));
    expect(decision).toMatchObject({ result: 'Scheduled', placements: [{ cluster: 'x' }] });
  });

  it('narrow GPU placement to the pools on nodes of allowed countries, whatever the price', () => {
    const mixed = member('x', { country: 'FR', nodes: { 'x-fr': 'FR', 'x-de': 'DE' } });
    const pools = [pool('x-fr-h100', 'x', { nodes: { 'x-fr': [8, 0] }, price: '1.00' }), pool('x-de-h100', 'x', { nodes: { 'x-de': [8, 0] }, price: '9.00' })];
    const gpu = { count: 1, resourceName: 'nvidia.com/gpu' };
    const cheapest = schedule(workload({ ...readsNotes, gpu }), snapshotOf([mixed], pools), withPolicy({}));
    expect(cheapest.placements).toMatchObject([{ cluster: 'x', pool: 'x-fr-h100' }]);
    const germanOnly = schedule(workload({ ...readsNotes, gpu }), snapshotOf([mixed], pools), withPolicy({ allowedCountries: ['DE'] }));
    expect(germanOnly.placements).toMatchObject([{ cluster: 'x', pool: 'x-de-h100' }]);
    const euOnly = schedule(workload({ ...readsNotes, gpu }), snapshotOf([mixed], pools), withPolicy({ allowedJurisdictions: ['EEA'] }));
    expect(euOnly.result).toBe('Unschedulable');
  });

  it('hold for every dataset a workload reads, whichever comes first', () => {
    const policies = new Map([
      ['notes', policy({})],
      ['scans', policy({ allowedCountries: ['DE'] })],
    ]);
    for (const datasets of [
      ['notes', 'scans'],
      ['scans', 'notes'],
    ] as [string, ...string[]][]) {
      const decision = schedule(workload({ dataAccess: { datasets, purpose: 'inference' } }), snapshotOf([member('x', { country: 'FR' })]), {
        datasetPolicies: policies,
      });
      expect(refusalOf(decision, 'x')?.reason).toBe('cluster x: dataset scans may be placed in DE, not FR');
    }
  });

  it('as a plugin on its own: applies only to workloads that read datasets, and names what it cannot place', () => {
    const state = (datasets: string[], changes: Parameters<typeof policy>[0] = {}) =>
      ({
        request: { datasets, purpose: 'inference' },
        options: { datasetPolicies: new Map([['notes', policy(changes)]]) },
      }) as unknown as CycleState;
    const cluster = (countries: { country: string; jurisdiction?: string }[]) => ({ name: 'x', provider: 'p', countries }) as unknown as ClusterInfo;
    expect(datasetPolicy.applies!(state([]))).toBe(false);
    expect(datasetPolicy.applies!(state(['notes']))).toBe(true);
    expect(datasetPolicy.applies!({ ...state(['notes']), options: {} } as CycleState)).toBe(false);
    expect(datasetPolicy.filter(state(['notes']), cluster([]))?.reason).toBe('cluster x: no verified nodes');
    expect(datasetPolicy.filter(state(['notes'], { allowedJurisdictions: ['EU'] }), cluster([{ country: 'FR' }]))?.reason).toBe(
      'cluster x: dataset notes may be placed in EU, not an unattested jurisdiction',
    );
    expect(datasetPolicy.filter(state(['notes'], { allowedJurisdictions: ['EU'] }), cluster([{ country: 'FR', jurisdiction: 'EU' }]))).toBeUndefined();
  });
});

describe('GPU pools spanning countries', () => {
  it('count only devices on nodes of countries the workload may use', () => {
    const mixed = member('x', { country: 'FR', nodes: { 'x-fr': 'FR', 'x-de': 'DE' } });
    const pools = [pool('x-h100', 'x', { nodes: { 'x-fr': [8, 0], 'x-de': [1, 0] } })];
    const gpu = { count: 2, resourceName: 'nvidia.com/gpu' };
    expect(schedule(workload({ gpu }), snapshotOf([mixed], pools)).placements).toMatchObject([{ cluster: 'x', pool: 'x-h100' }]);
    const notFrance = schedule(workload({ gpu, placement: { countries: { exclude: ['FR'] } } }), snapshotOf([mixed], pools));
    expect(notFrance.result).toBe('Unschedulable');
    expect(notFrance.evaluations[0].poolRefusals?.[0]).toMatchObject({
      plugin: 'GpuFit',
      code: 'InsufficientGpus',
      reason: 'pool x-h100 has 1 of 9 nvidia.com/gpu free on verified nodes, a pod needs 2',
    });
  });
});

describe('jurisdiction sentences', () => {
  it('say "none" when no jurisdiction is allowed at all', () => {
    const decision = schedule(workload(), snapshotOf([member('x', { country: 'FR' })]), { defaultJurisdictions: [] });
    expect(refusalOf(decision, 'x')).toEqual({
      plugin: 'Jurisdiction',
      code: 'JurisdictionNotAllowed',
      reason: 'cluster x: nodes attested in FR belong to EU, outside none',
    });
  });

  it('say "no attested jurisdiction" for a country whose nodes disagree on it', () => {
    const split = member('x', { country: 'FR', nodes: { 'x-n1': { country: 'FR', jurisdiction: 'EU' }, 'x-n2': { country: 'FR', jurisdiction: 'EEA' } } });
    const decision = schedule(workload({ placement: { jurisdictions: ['EU', 'EEA'] } }), snapshotOf([split]));
    expect(refusalOf(decision, 'x')?.reason).toBe('cluster x: nodes attested in FR belong to no attested jurisdiction, outside EU, EEA');
  });

  it('name the first refused country of a cluster whose every country is refused', () => {
    const cluster = member('x', { country: 'FR', nodes: { 'x-fr': 'FR', 'x-es': 'ES' } });
    const decision = schedule(workload({ placement: { countries: { include: ['DE'] } } }), snapshotOf([cluster]));
    expect(refusalOf(decision, 'x')).toMatchObject({
      code: 'CountryNotAllowed',
      reason: expect.stringMatching(/^cluster x: nodes are attested in (FR|ES), not in placement.countries.include \(DE\)$/),
    });
  });
});
