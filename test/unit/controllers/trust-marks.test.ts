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

  it('label a verified node without the facts its credential lacks', () => {
    expect(nodeTrustMarks({ verified: true, reason: 'VERIFIED' }).labels).toEqual({ 'trust.cloudempire.eu/verified': 'true' });
    expect(nodeTrustMarks({ verified: true, reason: 'VERIFIED', countryCode: 'PL' }).labels).toEqual({
      'trust.cloudempire.eu/verified': 'true',
      'trust.cloudempire.eu/country': 'PL',
    });
    expect(nodeTrustMarks({ verified: true, reason: 'VERIFIED', jurisdiction: 'EU' }).labels).toEqual({
      'trust.cloudempire.eu/verified': 'true',
      'trust.cloudempire.eu/jurisdiction': 'EU',
    });
  });

  it('mark a bare Node (no labels, no taints) and leave it alone once marked', () => {
    const marked = applyTrustMarks({ metadata: { name: 'bare' } }, nodeTrustMarks(undefined))!;
    expect(marked.metadata).toEqual({ name: 'bare', labels: { 'trust.cloudempire.eu/verified': 'false' } });
    expect(marked.spec!.taints).toEqual([{ key: 'trust.cloudempire.eu/unverified', effect: 'NoSchedule' }]);
    expect(applyTrustMarks(marked, nodeTrustMarks(undefined))).toBeUndefined();
    const verified = applyTrustMarks({}, nodeTrustMarks({ verified: true, reason: 'VERIFIED' }))!;
    expect(verified.metadata!.labels).toEqual({ 'trust.cloudempire.eu/verified': 'true' });
    expect(verified.spec!.taints).toBeUndefined(); // no owned taint to take off: the Node's taints are left as they were
  });

  it('rewrite an owned taint whose effect or value someone changed, and keep the others’ taints in place', () => {
    const marks = nodeTrustMarks({ verified: false, reason: 'EXPIRED' });
    const labels = { 'trust.cloudempire.eu/verified': 'false' };
    const theirs = { key: 'example.com/gpu', effect: 'NoSchedule' };
    for (const tampered of [
      [
        { key: 'trust.cloudempire.eu/unverified', effect: 'PreferNoSchedule' },
        { key: 'trust.cloudempire.eu/revoked', effect: 'NoExecute' },
      ],
      [
        { key: 'trust.cloudempire.eu/unverified', effect: 'NoSchedule', value: 'x' },
        { key: 'trust.cloudempire.eu/revoked', effect: 'NoExecute' },
      ],
      [{ key: 'trust.cloudempire.eu/unverified', effect: 'NoSchedule' }],
      [
        { key: 'trust.cloudempire.eu/unverified', effect: 'NoSchedule' },
        { key: 'trust.cloudempire.eu/unverified', effect: 'NoSchedule' },
      ],
    ]) {
      const fixed = applyTrustMarks({ metadata: { labels }, spec: { taints: [theirs, ...tampered] } }, marks);
      expect(fixed?.spec?.taints).toEqual([theirs, ...marks.taints]);
    }
    // The same marks in another order, and an empty value written out, are the same marks: nothing to write.
    const same = [
      { key: 'trust.cloudempire.eu/revoked', effect: 'NoExecute', value: '' },
      theirs,
      { key: 'trust.cloudempire.eu/unverified', effect: 'NoSchedule' },
    ];
    expect(applyTrustMarks({ metadata: { labels }, spec: { taints: same } }, marks)).toBeUndefined();
  });

  it('rewrite a tampered or missing owned label, and keep the taints untouched when only a label changes', () => {
    const marks = nodeTrustMarks({ verified: true, reason: 'VERIFIED', countryCode: 'FR' });
    const taints = [{ key: 'example.com/gpu', effect: 'NoSchedule' }];
    const tampered = applyTrustMarks(
      {
        metadata: { labels: { 'trust.cloudempire.eu/verified': 'true', 'trust.cloudempire.eu/country': 'DE', 'trust.cloudempire.eu/jurisdiction': 'EU' } },
        spec: { taints },
      },
      marks,
    )!;
    expect(tampered.metadata!.labels).toEqual({ 'trust.cloudempire.eu/verified': 'true', 'trust.cloudempire.eu/country': 'FR' });
    expect(tampered.spec!.taints).toBe(taints);
  });
});
