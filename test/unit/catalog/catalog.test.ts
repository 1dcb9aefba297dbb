import type { GpuPool, MemberCluster } from '../../../src/api/generated/types.ts';
import { buildCatalog, catalogTable } from '../../../src/catalog/catalog.ts';
import { offeringCredential } from '../../../src/catalog/offering-credential.ts';
import { httpsFetcher } from '../../../src/trust/fetcher.ts';
import { newIdentity } from '../../../src/trust/issue.ts';
import { verifyIssuedJwt } from '../../../src/trust/issued-jwt.ts';
import { DidResolver } from '../../../src/trust/resolver.ts';

const t = '2026-01-01T00:00:00Z';
const cluster = (name: string, ready: boolean): MemberCluster => ({
  apiVersion: 'cloudempire.eu/v1alpha1',
  kind: 'MemberCluster',
  metadata: { name },
  spec: { kubeconfigSecretRef: { name: 'k', namespace: 'ns' }, country: 'FR', provider: 'ovhcloud', region: 'eu-west-par' },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', reason: 'r', message: 'm', lastTransitionTime: t }] },
});
const pool = (name: string, memberCluster: string, model: string, opts: { hardware?: boolean; countries?: string[]; generation?: number } = {}): GpuPool => ({
  apiVersion: 'cloudempire.eu/v1alpha1',
  kind: 'GpuPool',
  metadata: { name, generation: 2 },
  spec: { memberCluster, nodeSelector: {}, resourceName: 'nvidia.com/gpu', model, provider: 'ovhcloud', pricePerGpuHour: { amount: '2.85' } },
  status: {
    observedGeneration: opts.generation ?? 2,
    verifiedNodes: 2,
    allocatable: 16,
    allocated: 5,
    countries: (opts.countries ?? ['FR']) as never,
    conditions: [
      { type: 'Ready', status: 'True', reason: 'r', message: 'm', lastTransitionTime: t },
      { type: 'HardwareMatches', status: opts.hardware === false ? 'False' : 'True', reason: 'r', message: 'm', lastTransitionTime: t },
    ],
  },
});

describe('catalog', () => {
  const clusters = [cluster('paris', true), cluster('madrid', true), cluster('down', false)];
  const pools = [
    pool('paris-h100', 'paris', 'NVIDIA-H100-80GB-HBM3'),
    pool('madrid-a100', 'madrid', 'NVIDIA-A100-80GB', { countries: ['ES'] }),
    pool('down-h100', 'down', 'NVIDIA-H100-80GB-HBM3'),
    pool('fake-h100', 'paris', 'NVIDIA-H100-80GB-HBM3', { hardware: false }),
    pool('stale-h100', 'paris', 'NVIDIA-H100-80GB-HBM3', { generation: 1 }),
    pool('unattested', 'paris', 'NVIDIA-H100-80GB-HBM3', { countries: [] }),
  ];

  it('lists only offerings backed by verified facts', () => {
    const offerings = buildCatalog(pools, clusters);
    expect(offerings.map((o) => o.pool)).toEqual(['madrid-a100', 'paris-h100']);
    expect(offerings[1]).toMatchObject({
      countries: ['FR'],
      freeGpus: 11,
      totalGpus: 16,
      region: 'eu-west-par',
      pricePerGpuHour: { amount: '2.85', currency: 'EUR' },
    });
  });

  it('filters by attested country and by GPU model', () => {
    expect(buildCatalog(pools, clusters, { country: 'ES' }).map((o) => o.pool)).toEqual(['madrid-a100']);
    expect(buildCatalog(pools, clusters, { gpu: 'h100' }).map((o) => o.pool)).toEqual(['paris-h100']);
    expect(catalogTable(buildCatalog(pools, clusters))).toMatch(/^CLUSTER\s+POOL.*\nmadrid\s+madrid-a100\s+ovhcloud\s+ES/);
  });

  it('signs each offering as a gx:ServiceOffering credential that checks out offline', async () => {
    const operator = newIdentity({ method: 'key' });
    const [offering] = buildCatalog(pools, clusters, { gpu: 'h100' });
    const jwt = offeringCredential(offering, operator.key);
    const resolver = new DidResolver({ fetcher: httpsFetcher(), limits: { timeoutMs: 1000, maxBytes: 65536 }, ttlMs: 0 });
    const { decoded } = await verifyIssuedJwt(
      jwt,
      resolver,
      { allowedIssuers: new Set([operator.did]), relationship: 'assertionMethod', skewSeconds: 60, now: Math.floor(Date.now() / 1000) },
      'offering',
    );
    const vc = decoded.payload.vc as { type: string[]; credentialSubject: Record<string, unknown> };
    expect(vc.type).toContain('gx:ServiceOffering');
    expect(vc.credentialSubject).toMatchObject({ id: offering.id, 'gx:providedBy': 'ovhcloud', 'cloudempire:countries': ['FR'] });
  });
});
