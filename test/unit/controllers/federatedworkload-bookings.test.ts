import type { FederatedWorkload } from '../../../src/api/generated/types.ts';
import { DecisionBookings } from '../../../src/controllers/federatedworkload-bookings.ts';

const fw = (name: string, resourceVersion: string, txId?: string, extra: Partial<FederatedWorkload['metadata']> = {}): FederatedWorkload => ({
  apiVersion: 'cloudempire.eu/v1alpha1',
  kind: 'FederatedWorkload',
  metadata: { name, namespace: 'team', uid: `uid-${name}`, resourceVersion, ...extra },
  spec: { template: { apiVersion: 'apps/v1', kind: 'Deployment' } } as FederatedWorkload['spec'],
  ...(txId && { status: { decision: { placements: [], ledgerTxId: txId } } }),
});

describe('DecisionBookings', () => {
  it('shows the decision this process wrote until the cache catches up, then the cache again', () => {
    const bookings = new DecisionBookings();
    bookings.wrote(fw('a', '12', 'tx-a'));
    const behind = [fw('a', '11'), fw('b', '5')];
    expect(bookings.latest(behind).map((w) => w.status?.decision?.ledgerTxId)).toEqual(['tx-a', undefined]);
    // Caught up (and later moved on): the cache is what counts, and the written copy is dropped.
    expect(bookings.latest([fw('a', '13', 'tx-later')])[0].status?.decision?.ledgerTxId).toBe('tx-later');
    expect(bookings.latest(behind)[0].status).toBeUndefined();
  });

  it('never shows a written copy for a workload being deleted, recreated (another uid) or forgotten', () => {
    const bookings = new DecisionBookings();
    bookings.wrote(fw('a', '12', 'tx-a'));
    expect(bookings.latest([fw('a', '11', undefined, { deletionTimestamp: new Date('2026-12-01T00:00:00Z') })])[0].status).toBeUndefined();
    bookings.wrote(fw('a', '12', 'tx-a'));
    expect(bookings.latest([fw('a', '11', undefined, { uid: 'another' })])[0].status).toBeUndefined();
    bookings.wrote(fw('a', '12', 'tx-a'));
    bookings.forget('team/a');
    expect(bookings.latest([fw('a', '11')])[0].status).toBeUndefined();
  });

  it('runs decisions one after the other, also after one fails', async () => {
    const bookings = new DecisionBookings();
    const order: string[] = [];
    const step = (name: string, ms: number, fail = false) =>
      bookings.serialize(async () => {
        order.push(`${name} start`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        order.push(`${name} end`);
        if (fail) throw new Error(`${name} failed`);
        return name;
      });
    const results = await Promise.allSettled([step('slow', 30, true), step('fast', 1), step('last', 1)]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['slow failed', 'fast', 'last']);
    expect(order).toEqual(['slow start', 'slow end', 'fast start', 'fast end', 'last start', 'last end']);
  });
});
