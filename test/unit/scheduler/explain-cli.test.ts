// `empirectl explain` end to end: the real CLI, spawned, on the example snapshot.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { run } from '../../../src/controlplane/kubectl.ts';
import { federationYaml, parseFederationFile } from '../../../src/cli/federation-snapshot.ts';

const empirectl = (...args: string[]) => run(process.execPath, [join(REPO_ROOT, 'src', 'cli', 'empirectl.ts'), ...args]);
const SNAPSHOT = join(REPO_ROOT, 'examples', 'snapshot', 'federation.yaml');
const workloadFile = (name: string) => join(REPO_ROOT, 'examples', 'workloads', `${name}.yaml`);
const NOW = ['--now', '2026-12-01T00:00:00Z'];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'explain-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const example = (name: string) => parse(readFileSync(workloadFile(name), 'utf8'));

describe('empirectl explain (offline)', () => {
  it('explains the 2 × H100 inference job: Paris, every other cluster refused with its plugin', async () => {
    const result = await empirectl('explain', '-f', workloadFile('llm-inference'), '--snapshot', SNAPSHOT, ...NOW);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^default\/llm-inference: Scheduled/);
    expect(result.stdout).toMatch(
      /madrid\s+refused\s+Jurisdiction\s+CountryNotAllowed: cluster madrid: nodes are attested in ES, not in placement.countries.include \(FR, DE\)/,
    );
    expect(result.stdout).toMatch(/paris\s+score \d+\s+paris-h100\s+1/);
    expect(result.stdout).toMatch(/paris\/paris-h100: 1 pod\(s\) on 2 verified node\(s\) in FR \(ovhcloud\)/);
  });

  it('-o json carries the nodes and DIDs the ledger is asked about', async () => {
    const result = await empirectl('explain', '-f', workloadFile('production-line-agent'), '--snapshot', SNAPSHOT, '-o', 'json', ...NOW);
    expect(result.code).toBe(0);
    const decision = JSON.parse(result.stdout);
    expect(decision.placements.map((p: { cluster: string; replicas: number; country: string }) => [p.cluster, p.replicas, p.country])).toEqual([
      ['madrid', 2, 'ES'],
      ['paris', 2, 'FR'],
      ['warsaw', 2, 'PL'],
    ]);
    // The expired CPU node and the London node are not among Paris's nodes.
    expect(decision.placements[1].nodes.map((n: { name: string }) => n.name)).toEqual(['par-h100-1', 'par-h100-2']);
    expect(decision.placements[1].nodes[0].did).toMatch(/^did:key:z6Mk/);
  });

  it('a registry Paris does not allow is refused there, naming the container and registry', async () => {
    const w = example('production-line-agent');
    w.spec.template.spec.template.spec.containers[0].image = 'docker.io/factory/line-agent:1.4.2';
    w.spec.placement.spreadConstraints = [{ by: 'country', minGroups: 2 }];
    const result = await empirectl('explain', '-f', write('docker.yaml', stringify(w)), '--snapshot', SNAPSHOT, ...NOW);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /paris\s+refused\s+ImageRegistry\s+ImageRegistryNotAllowed: container agent pulls docker.io\/factory\/line-agent:1.4.2 from docker.io; cluster paris allows only ghcr.io, registry.example.eu/,
    );
  });

  it("a workload that fits nowhere exits 3 with every cluster's reason", async () => {
    const w = example('llm-inference');
    w.spec.placement.countries.include = ['DE'];
    const result = await empirectl('explain', '-f', write('de.yaml', stringify(w)), '--snapshot', SNAPSHOT, '-o', 'json', ...NOW);
    expect(result.code).toBe(3);
    const decision = JSON.parse(result.stdout);
    expect(decision.unschedulable).toEqual({
      code: 'NoFeasibleCluster',
      message: 'no cluster passes the filters: 3 of 3 cluster(s) refused (CountryNotAllowed: 3)',
    });
  });

  it('several workloads are decided in order against what the previous ones took', async () => {
    const job = (name: string) => ({
      ...example('llm-inference'),
      metadata: { name, namespace: 'default' },
      spec: { ...example('llm-inference').spec, gpu: { count: 8, resourceName: 'nvidia.com/gpu' } },
    });
    const result = await empirectl(
      'explain',
      '-f',
      write('two.yaml', [job('first'), job('second')].map((j) => stringify(j)).join('---\n')),
      '--snapshot',
      SNAPSHOT,
      '-o',
      'json',
      ...NOW,
    );
    expect(result.code).toBe(3);
    const [first, second] = JSON.parse(result.stdout);
    expect(first).toMatchObject({ result: 'Scheduled', placements: [{ cluster: 'paris', pool: 'paris-h100', replicas: 1 }] });
    expect(second.result).toBe('Unschedulable');
    const paris = second.evaluations.find((e: { cluster: string }) => e.cluster === 'paris');
    expect(paris.poolRefusals[0]).toMatchObject({
      pool: 'paris-h100',
      code: 'InsufficientGpus',
      reason: 'pool paris-h100 has 6 of 16 nvidia.com/gpu free on verified nodes, a pod needs 8',
    });
  });
});

describe('empirectl explain: bad input exits 2 naming the document and field', () => {
  it.each([
    [
      'a workload in the snapshot',
      () => `${readFileSync(SNAPSHOT, 'utf8')}\n---\n${readFileSync(workloadFile('mig-batch'), 'utf8')}`,
      /document 15: kind: "FederatedWorkload" does not belong in a snapshot; use MemberCluster, SovereignNode, GpuPool/,
    ],
    ['an unknown kind', () => 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n', /document 1: kind: "ConfigMap" does not belong in a snapshot/],
    ['no MemberCluster', () => '# nothing\n', /not a snapshot: it holds no MemberCluster/],
    [
      'a field the schema refuses',
      () => readFileSync(SNAPSHOT, 'utf8').replace('resourceName: amd.com/gpu', 'resourceName: kubernetes.io/gpu'),
      /document 14 \(GpuPool "warsaw-mi300x"\): spec.resourceName: /,
    ],
    ['not YAML', () => 'kind: [\n', /document 1: not YAML/],
  ])('%s', async (_name, text, message) => {
    const result = await empirectl('explain', '-f', workloadFile('mig-batch'), '--snapshot', write('bad.yaml', text()), ...NOW);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('without --snapshot, or a workload file of another kind', async () => {
    expect((await empirectl('explain', '-f', workloadFile('mig-batch'))).stderr).toMatch(/needs both -f and --snapshot/);
    const notWorkload = await empirectl('explain', '-f', SNAPSHOT, '--snapshot', SNAPSHOT);
    expect(notWorkload.code).toBe(2);
    expect(notWorkload.stderr).toMatch(/document 1: kind: "MemberCluster"; explain reads FederatedWorkloads/);
    expect((await empirectl('explain', 'deploy/x')).stderr).toMatch(/name the workload as fw\/NAME/);
  });
});

describe('federation snapshot file', () => {
  it('round-trips: what `federation snapshot` writes, `explain --snapshot` reads', () => {
    const objects = parseFederationFile(readFileSync(SNAPSHOT, 'utf8'), SNAPSHOT);
    expect([objects.memberClusters.length, objects.sovereignNodes.length, objects.gpuPools.length]).toEqual([3, 8, 3]);
    const again = parseFederationFile(federationYaml(objects), 'written');
    expect(again).toEqual({
      memberClusters: [...objects.memberClusters].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1)),
      sovereignNodes: [...objects.sovereignNodes].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1)),
      gpuPools: [...objects.gpuPools].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1)),
    });
  });
});
