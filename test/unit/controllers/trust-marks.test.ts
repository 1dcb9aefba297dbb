import { applyTrustMarks, nodeTrustMarks } from '../../../src/trust/node-labels.ts';

describe('trust marks on member Nodes', () => {
  it('label a verified node with country and jurisdiction and no trust taints', () => {
    expect(nodeTrustMarks({ verified: true, reason: 'VERIFIED', countryCode: 'FR', jurisdiction: 'EU' })).toEqual({
      labels: { 'trust.cloudempire.eu/verified': 'true', 'trust.cloudempire.eu/country': 'FR', 'trust.cloudempire.eu/jurisdiction': 'EU' },
      taints: [],
    });
  });

  it('taint unverified nodes NoSchedule, and revoked or expired ones NoExecute too', () => {
    expect(nodeTrustMarks({ verified: false, reason: 'JURISDICTION_DENIED', countryCode: 'GB' }).taints).toEqual([
      { key: 'trust.cloudempire.eu/unverified', effect: 'NoSchedule' },
    ]);
    for (const reason of ['REVOKED', 'EXPIRED'] as const) {
      expect(nodeTrustMarks({ verified: false, reason }).taints.map((t) => t.effect)).toEqual(['NoSchedule', 'NoExecute']);
    }
    expect(nodeTrustMarks(undefined).labels).toEqual({ 'trust.cloudempire.eu/verified': 'false' });
  });

  it('change only the operator’s keys, and nothing at all when the Node already carries the verdict', () => {
    const node = {
      metadata: { name: 'n', labels: { team: 'ml', 'trust.cloudempire.eu/verified': 'true', 'trust.cloudempire.eu/country': 'FR' } },
      spec: { taints: [{ key: 'example.com/dedicated', effect: 'NoSchedule' }] },
    };
    const revoked = applyTrustMarks(node, nodeTrustMarks({ verified: false, reason: 'REVOKED' }))!;
    expect(revoked.metadata!.labels).toEqual({ team: 'ml', 'trust.cloudempire.eu/verified': 'false' });
    expect(revoked.spec!.taints!.map((t) => t.key)).toEqual(['example.com/dedicated', 'trust.cloudempire.eu/unverified', 'trust.cloudempire.eu/revoked']);
    expect(applyTrustMarks(revoked, nodeTrustMarks({ verified: false, reason: 'REVOKED' }))).toBeUndefined();
  });
});
