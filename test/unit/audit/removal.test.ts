import { PlacementHistory, removal, type CommittedTransaction } from '../../../src/audit/ledger-records.ts';

const removalTx = (payload: object): CommittedTransaction => ({
  txId: 'tx-removal',
  blockNumber: 7,
  timestamp: '2026-12-01T10:00:00.000Z',
  fn: 'Placement:RecordRemoval',
  event: { name: 'PlacementRemoved', payload: JSON.stringify(payload) },
});

describe('audit rows of a recorded removal', () => {
  const workload = { namespace: 'tenant', name: 'agent' };

  it('tells the removal once per cluster the decision had placed, as RecordRemoval emits no cluster', () => {
    const history = new PlacementHistory();
    history.next('tenant.agent', ['madrid', 'paris']);
    const rows = removal(removalTx({ decisionId: 'd1', workload, reason: 'deleted', txId: 'tx-removal' }), 1, history);
    expect(rows.map((r) => [r.event, r.cluster, r.decisionId, r.txId])).toEqual([
      ['removed', 'madrid', 'd1', 'tx-removal'],
      ['removed', 'paris', 'd1', 'tx-removal'],
    ]);
    // Removed everywhere: a later placement is a new one, not a failover from these clusters.
    expect(history.clustersOf('tenant.agent')).toEqual([]);
  });

  it("tells the clusters of the removed decision itself, not the workload's last ones", () => {
    // A running decision in paris, then one recorded in madrid but never acknowledged: the finalizer closes both.
    const history = new PlacementHistory();
    history.next('tenant.agent', ['paris'], 'running');
    history.next('tenant.agent', ['madrid'], 'never-applied');
    const told = (decisionId: string) =>
      removal(removalTx({ decisionId, workload, txId: 'tx-removal' }), 1, history).map((r) => `${r.decisionId} ${r.cluster}`);
    expect(told('never-applied')).toEqual(['never-applied madrid']);
    expect(told('running')).toEqual(['running paris']);
  });

  it('tells only the named cluster when the event names one, and nothing for a payload without a workload', () => {
    const history = new PlacementHistory();
    history.next('tenant.agent', ['madrid', 'paris']);
    expect(removal(removalTx({ decisionId: 'd1', workload, cluster: 'paris' }), 1, history).map((r) => r.cluster)).toEqual(['paris']);
    expect(history.clustersOf('tenant.agent')).toEqual(['madrid']);
    expect(removal(removalTx({ decisionId: 'd1' }), 1, history)).toEqual([]);
  });

  // Attack review: Superseded removals now follow every move; the removed decision's clusters were dropped from the
  // workload's current ones, so the next move was told as a new placement (no previous cluster).
  it('a superseded decision closed after its successor leaves the successor current', () => {
    const history = new PlacementHistory();
    history.next('tenant.agent', ['paris'], 'd1');
    expect(history.next('tenant.agent', ['paris'], 'd2')).toEqual(['paris']);
    expect(removal(removalTx({ decisionId: 'd1', workload, reason: 'Superseded' }), 1, history).map((r) => `${r.decisionId} ${r.cluster}`)).toEqual([
      'd1 paris',
    ]);
    expect(history.clustersOf('tenant.agent')).toEqual(['paris']);
    // The move after it still knows where it came from.
    expect(history.next('tenant.agent', ['madrid'], 'd3')).toEqual(['paris']);
    // Deleted: the running decision's removal ends it.
    removal(removalTx({ decisionId: 'd2', workload, reason: 'Superseded' }), 2, history);
    removal(removalTx({ decisionId: 'd3', workload, reason: 'WorkloadDeleted' }), 3, history);
    expect(history.clustersOf('tenant.agent')).toEqual([]);
  });
});
