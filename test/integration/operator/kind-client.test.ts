// The runtime's typed clients and shared informer on a real API server, for
// a namespaced kind (FederatedWorkload, the next controller's) and a cluster-scoped one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { FederatedWorkload } from '../../../src/api/generated/types.ts';
import { FederatedWorkloadKind } from '../../../src/api/schema/federatedworkload.ts';
import { REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { finalize } from '../../../src/runtime/finalizers.ts';
import { Informers } from '../../../src/runtime/informer.ts';
import { kindClient } from '../../../src/runtime/kind-client.ts';
import { ensureCrds, ensureNamespace, eventually, hostAccess, kubeConfig, uniqueName } from '../federation.ts';

const host = () => kubeConfig(hostAccess());
const example = parse(readFileSync(join(REPO_ROOT, 'examples', 'workloads', 'llm-inference.yaml'), 'utf8')) as FederatedWorkload;

beforeAll(async () => {
  await ensureCrds();
});

describe('KindClient for a namespaced kind', () => {
  it('creates, reads, updates spec and status, finalizes and deletes FederatedWorkloads by namespace/name', async () => {
    const namespace = uniqueName('fw');
    await ensureNamespace(host(), namespace);
    const workloads = kindClient<FederatedWorkload>(host(), FederatedWorkloadKind);
    const informers = new Informers(host(), createLogger({ level: 'error' }));
    const seen = new Set<string>();
    const informer = informers.forKind<FederatedWorkload>(FederatedWorkloadKind);
    informer.subscribe((w) => seen.add(`${w.metadata.namespace}/${w.metadata.name}`));
    await informer.start();
    try {
      const created = await workloads.create({ ...example, metadata: { name: 'llm', namespace } });
      const key = `${namespace}/llm`;
      expect((await workloads.get(key))?.metadata.uid).toBe(created.metadata.uid);
      expect(await workloads.get(`${namespace}/missing`)).toBeUndefined();
      expect((await workloads.list(namespace)).items.map((w) => w.metadata.name)).toEqual(['llm']);
      const withFinalizer = await finalize(workloads, created, 'cloudempire.eu/test', async () => undefined);
      expect(withFinalizer?.metadata.finalizers).toEqual(['cloudempire.eu/test']);
      const written = await workloads.updateStatus({ ...withFinalizer!, status: { observedGeneration: withFinalizer!.metadata.generation } });
      expect(written.status?.observedGeneration).toBe(1);
      // A write carrying an old resourceVersion is refused, not applied over the newer object.
      await expect(workloads.update(created)).rejects.toMatchObject({ code: 409 });
      await eventually(async () => expect(seen).toContain(key));
      await workloads.delete(key);
      const deleting = (await workloads.get(key))!;
      expect(deleting.metadata.deletionTimestamp).toBeDefined();
      let cleaned = 0;
      expect(await finalize(workloads, deleting, 'cloudempire.eu/test', async () => void cleaned++)).toBeUndefined();
      expect(cleaned).toBe(1);
      await eventually(async () => expect(await workloads.get(key)).toBeUndefined());
    } finally {
      await informers.stop();
    }
  });
});
