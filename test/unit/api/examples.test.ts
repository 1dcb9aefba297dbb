import { join } from 'node:path';
import { readManifests } from '../../../src/api/manifests.ts';
import { formatIssues, validateResource } from '../../../src/api/validate.ts';

const root = join(import.meta.dirname, '..', '..', '..', 'examples');
// What `kubectl apply -f` takes; examples/snapshot is explain's offline file of the same objects.
const examples = ['federation', 'gpupools', 'nodes', 'workloads'].map((d) => join(root, d));

describe('examples/', () => {
  it('hold the federation the README promises', async () => {
    const manifests = await readManifests(examples);
    const count = (kind: string) => manifests.filter((m) => m.object.kind === kind).length;
    expect(count('MemberCluster')).toBe(3);
    expect(count('SovereignNode')).toBe(8);
    expect(count('GpuPool')).toBe(3);
    expect(count('FederatedWorkload')).toBe(3);
  });

  it('are all accepted by the validators', async () => {
    // Core objects (the trust-anchor ConfigMap) are checked by the API server in the control-plane tests.
    const ours = (await readManifests(examples)).filter((m) => String(m.object.apiVersion).startsWith('cloudempire.eu/'));
    expect(ours).toHaveLength(17);
    for (const { source, index, object } of ours) {
      const result = validateResource(object);
      if (!result.ok) throw new Error(`${source}#${index}:\n${formatIssues(result.issues)}`);
    }
  });

  it('only reference member clusters and pools that exist', async () => {
    const manifests = await readManifests(examples);
    const clusters = new Set(manifests.filter((m) => m.object.kind === 'MemberCluster').map((m) => (m.object.metadata as { name: string }).name));
    for (const { object } of manifests) {
      const spec = (object.spec ?? {}) as { memberCluster?: string };
      if (spec.memberCluster) expect(clusters).toContain(spec.memberCluster);
    }
  });
});
