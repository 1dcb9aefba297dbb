// `empirectl federation snapshot` and `empirectl explain fw/NAME` against a
// real host API server holding the example federation with its status.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';
import type { FederatedWorkload } from '../../../src/api/generated/types.ts';
import { FederatedWorkloadKind } from '../../../src/api/schema/federatedworkload.ts';
import { GpuPoolKind } from '../../../src/api/schema/gpupool.ts';
import type { KindDefinition } from '../../../src/api/schema/kind.ts';
import { MemberClusterKind } from '../../../src/api/schema/membercluster.ts';
import { SovereignNodeKind } from '../../../src/api/schema/sovereignnode.ts';
import { parseFederationFile } from '../../../src/cli/federation-snapshot.ts';
import { REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { run } from '../../../src/controlplane/kubectl.ts';
import { kindClient } from '../../../src/runtime/kind-client.ts';
import { ensureCrds, ensureNamespace, hostAccess, kubeConfig, uniqueName } from '../federation.ts';

const empirectl = (...args: string[]) =>
  run(process.execPath, [join(REPO_ROOT, 'src', 'cli', 'empirectl.ts'), ...args, '--kubeconfig', hostAccess().kubeconfigPath]);
const KINDS: Record<string, KindDefinition> = { MemberCluster: MemberClusterKind, SovereignNode: SovereignNodeKind, GpuPool: GpuPoolKind };
const NOW = ['--now', '2026-12-01T00:00:00Z'];
let namespace: string;
// The host is shared with the other test files: the example federation's cluster-scoped
// objects get a prefix of their own, so they meet no other test's MemberClusters or nodes.
const prefix = `${uniqueName('x')}-`;
const created: { kind: string; name: string }[] = [];
type Federated = KubernetesObject & { spec?: { memberCluster?: string }; status?: unknown };

beforeAll(async () => {
  await ensureCrds();
  const host = kubeConfig(hostAccess());
  // The example federation, status included, as the controllers would have written it.
  const objects = parseAllDocuments(readFileSync(join(REPO_ROOT, 'examples', 'snapshot', 'federation.yaml'), 'utf8')).map((d) => d.toJS() as Federated);
  for (const object of objects) {
    const client = kindClient<Federated>(host, KINDS[object.kind!]);
    const { status, ...rest } = object;
    const spec = rest.spec?.memberCluster ? { ...rest.spec, memberCluster: prefix + rest.spec.memberCluster } : rest.spec;
    const name = prefix + object.metadata!.name;
    const made = await client.create({ ...rest, spec, metadata: { name, labels: object.metadata!.labels } } as Federated);
    created.push({ kind: object.kind!, name });
    await client.updateStatus({ ...made, status });
  }
  namespace = uniqueName('explain');
  await ensureNamespace(host, namespace);
  const example = parse(readFileSync(join(REPO_ROOT, 'examples', 'workloads', 'llm-inference.yaml'), 'utf8')) as FederatedWorkload;
  await kindClient<FederatedWorkload>(host, FederatedWorkloadKind).create({ ...example, metadata: { name: 'llm-inference', namespace } });
});

afterAll(async () => {
  const host = kubeConfig(hostAccess());
  for (const { kind, name } of created) await kindClient(host, KINDS[kind]).delete(name);
});

const ours = <T extends { metadata: { name?: string } }>(list: readonly T[]) => list.filter((o) => o.metadata.name!.startsWith(prefix));

describe('empirectl against a live host', () => {
  it('federation snapshot writes the file explain --snapshot reads', async () => {
    const result = await empirectl('federation', 'snapshot');
    expect(result.code).toBe(0);
    const objects = parseFederationFile(result.stdout, 'stdout');
    expect([ours(objects.memberClusters).length, ours(objects.sovereignNodes).length, ours(objects.gpuPools).length]).toEqual([3, 8, 3]);
    expect(objects.gpuPools.find((p) => p.metadata.name === `${prefix}paris-h100`)?.status?.nodeCapacity).toHaveLength(2);
  });

  it('explain fw/NAME decides the live workload from the live federation', async () => {
    const result = await empirectl('explain', 'fw/llm-inference', '-n', namespace, '-o', 'json', ...NOW);
    expect(result.code).toBe(0);
    const decision = JSON.parse(result.stdout);
    expect(decision.workload).toBe(`${namespace}/llm-inference`);
    expect(decision.placements).toMatchObject([{ cluster: `${prefix}paris`, pool: `${prefix}paris-h100`, replicas: 1, country: 'FR' }]);
    expect(decision.evaluations.find((e: { cluster: string }) => e.cluster === `${prefix}warsaw`).refusal).toMatchObject({
      plugin: 'Jurisdiction',
      code: 'CountryNotAllowed',
    });
  });

  it("explain fw/NAME deducts what other workloads' recorded decisions book, and names them", async () => {
    const host = kubeConfig(hostAccess());
    const workloads = kindClient<FederatedWorkload>(host, FederatedWorkloadKind);
    const example = (await workloads.get(`${namespace}/llm-inference`))!;
    // Another workload whose recorded decision books every device of paris-h100 (its pods need not be bound yet).
    const holder = await workloads.create({ ...example, metadata: { name: 'holder', namespace } });
    const pool = `${prefix}paris-h100`;
    await workloads.updateStatus({
      ...holder,
      status: { decision: { placements: [{ cluster: `${prefix}paris`, pool, country: 'FR', replicas: 64 }], ledgerTxId: 'tx-holder' } },
    });
    try {
      const result = await empirectl('explain', 'fw/llm-inference', '-n', namespace, '-o', 'json', ...NOW);
      const decision = JSON.parse(result.stdout);
      expect(decision.placements.map((p: { pool?: string }) => p.pool)).not.toContain(pool);
      expect(result.stdout).toContain(`booked by ${namespace}/holder`);
    } finally {
      await workloads.delete(`${namespace}/holder`);
    }
  });

  it('a workload that is not there is bad input', async () => {
    const result = await empirectl('explain', 'fw/missing', '-n', namespace);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`federatedworkload ${namespace}/missing not found`));
  });
});
