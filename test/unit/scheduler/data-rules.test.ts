// Where a workload's data and jurisdiction rules let it run, decided per
// attested country group: dataset policies narrowing a cluster to some of its
// nodes, jurisdictions a dataset allows, and the sentences of each refusal.
import type { ScheduleOptions } from '../../../src/scheduler/framework.ts';
import { schedule } from '../../../src/scheduler/schedule.ts';
import { member, pool, snapshotOf, workload } from './fixtures.ts';

const policy = (changes: Partial<{ allowedCountries: string[]; allowedJurisdictions: string[]; allowedProviders: string[]; allowedPurposes: string[] }>) =>
  ({ allowedCountries: [], allowedJurisdictions: [], allowedProviders: [], allowedPurposes: ['inference'], ...changes }) as const;
const withPolicy = (changes: Parameters<typeof policy>[0]): ScheduleOptions => ({ datasetPolicies: new Map([['notes', policy(changes)]]) });
const readsNotes = { dataAccess: { datasets: ['notes'], purpose: 'inference' } } as const;
const refusalOf = (decision: ReturnType<typeof schedule>, cluster: string) => decision.evaluations.find((e) => e.cluster === cluster)?.refusal;

describe('dataset policies', () => {
  it('refuse a cluster whose nodes are attested in a jurisdiction the dataset does not allow', () => {
    const eea = member('x', { country: 'FR', nodes: { 'x-n1': { country: 'FR', jurisdiction: 'EEA' } } });
    const decision = schedule(
      workload({ ...readsNotes, placement: { jurisdictions: ['EU', 'EEA'] } }),
      snapshotOf([eea, member('ok', { country: 'DE' })]),
      withPolicy({ allowedJurisdictions: ['EU'] }),
    );
    expect(refusalOf(decision, 'x')).toEqual({
      plugin: 'DatasetPolicy',
      code: 'DatasetPolicyRefuses',
      reason: 'cluster x: dataset notes may be placed in EU, not EEA',
    });
    expect(decision.placements.map((p) => p.cluster)).toEqual(['ok']);
  });

  it('name no purpose and an unstated purpose in the sentence', () => {
    const none = schedule(workload(readsNotes), snapshotOf([member('x')]), withPolicy({ allowedPurposes: [] }));
    expect(refusalOf(none, 'x')?.reason).toBe('dataset notes may serve no purpose, not inference');
    const unstated = schedule(workload({ dataAccess: { datasets: ['notes'] } }), snapshotOf([member('x')]), withPolicy({}));
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
