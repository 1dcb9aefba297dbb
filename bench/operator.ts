import { CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GpuPool, MemberCluster, SovereignNode } from '../src/api/generated/types.ts';
import { GpuPoolKind } from '../src/api/schema/gpupool.ts';
import { MemberClusterKind } from '../src/api/schema/membercluster.ts';
import { SovereignNodeKind } from '../src/api/schema/sovereignnode.ts';
import { REPO_ROOT } from '../src/controlplane/binaries.ts';
import { LocalFederation } from '../src/controlplane/federation.ts';
import { kubectl } from '../src/controlplane/kubectl.ts';
import { freePort, ManagedProcess } from '../src/controlplane/process.ts';
import { createLogger } from '../src/logging/logger.ts';
import { OPERATOR_NODE_FLAGS } from '../src/operator/runtime-flags.ts';
import { collectionPath, kindClient } from '../src/runtime/kind-client.ts';
import { watchCollection } from '../src/runtime/watch.ts';
import { issueNodeCredential, newIdentity } from '../src/trust/issue.ts';
import { inParallel, summarize } from './stats.ts';

const MEMBERS = ['paris', 'madrid', 'warsaw'];
const NODES_PER_MEMBER = Number(process.env.BENCH_NODES ?? 5_000);
const POOL_NODES = 40; // verified GPU nodes per member, the rest are CPU nodes
const CHANGES = 60;
const GOAL_RSS_MB = 250;
const GOAL_P99_MS = 1_000;

/** A Node as a kubelet reports it, minus the image list: labels, capacity, conditions, addresses, nodeInfo. */
function nodeObject(cluster: string, i: number): V1Node {
  const gpu = i < POOL_NODES;
  const name = `${cluster}-${gpu ? 'gpu' : 'cpu'}-${String(i).padStart(5, '0')}`;
  const now = new Date();
  const capacity: Record<string, string> = {
    cpu: '64',
    memory: '527839824Ki',
    pods: '110',
    'ephemeral-storage': '1966788624Ki',
    ...(gpu ? { 'nvidia.com/gpu': '8' } : {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': gpu ? 'gpu-h100x8' : 'c64-m512',
        'topology.kubernetes.io/region': `eu-${cluster}`,
        'topology.kubernetes.io/zone': `eu-${cluster}-${i % 3}`,
        ...(gpu ? { pool: 'bench', 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3', 'nvidia.com/gpu.memory': '81559', 'nvidia.com/gpu.count': '8' } : {}),
      },
    },
    status: {
      capacity,
      allocatable: capacity,
      conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure']
        .map((type) => ({ type, status: 'False', reason: `KubeletHas${type}`, message: 'ok', lastHeartbeatTime: now, lastTransitionTime: now }))
        .concat([
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ]),
      addresses: [
        { type: 'InternalIP', address: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion: 'v1.34.4',
        kubeProxyVersion: '',
        containerRuntimeVersion: 'containerd://2.1.4',
        kernelVersion: '6.12.0',
        osImage: 'Debian GNU/Linux 13',
        bootID: '',
        machineID: '',
        systemUUID: '',
      },
    },
  };
}

async function createNodes(kc: KubeConfig, cluster: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await inParallel(
    Array.from({ length: NODES_PER_MEMBER }, (_, i) => i),
    16,
    async (i) => {
      const node = nodeObject(cluster, i);
      const created = await core.createNode({ body: { ...node, status: undefined } });
      await core.replaceNodeStatus({ name: node.metadata!.name!, body: { ...created, spec: { ...created.spec, taints: [] }, status: node.status } });
    },
  );
}

/**
 * The operator's RSS and CPU time from /proc. Throws when they cannot be read
 * (no pid yet, the process gone, no VmRSS line): a missing reading must fail
 * the benchmark, never count as 0 MB and meet the goal.
 */
export function procStats(pid: number | undefined): { rssMB: number; cpuTicks: number } {
  if (!pid) throw new Error('the operator has no pid: it did not start');
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!rss) throw new Error(`/proc/${pid}/status has no VmRSS line: the operator has exited`);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { rssMB: Number(rss[1]) / 1024, cpuTicks: Number(stat[11]) + Number(stat[12]) };
}

/** Samples peak RSS; the first failed reading is kept and fails the run when read. */
export class RssSampler {
  private peak = 0;
  private samples = 0;
  private failure?: Error;
  private readonly timer: NodeJS.Timeout;

  constructor(pid: () => number | undefined, everyMs = 200) {
    this.timer = setInterval(() => {
      try {
        this.peak = Math.max(this.peak, procStats(pid()).rssMB);
        this.samples++;
      } catch (error) {
        this.failure ??= error as Error;
      }
    }, everyMs);
    this.timer.unref();
  }

  /** Stops sampling; the peak in MB, or an error when any reading failed or none was taken. */
  stop(): number {
    clearInterval(this.timer);
    if (this.failure) throw new Error(`could not read the operator's RSS: ${this.failure.message}`);
    if (!this.samples) throw new Error('no RSS sample of the operator was taken');
    return this.peak;
  }
}

export async function benchOperator(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'cloud-empire-bench-'));
  const federation = await LocalFederation.start({ members: MEMBERS.map((name) => ({ name, workloads: false })) });
  let operator: ManagedProcess | undefined;
  try {
    const host = federation.host.kubeConfig();
    const hostFile = federation.host.access.kubeconfigPath;
    await kubectl(hostFile, ['apply', '--server-side', '-f', join(REPO_ROOT, 'crds')]);
    await kubectl(hostFile, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '-l', 'app.kubernetes.io/part-of=cloud-empire']);
    const t0 = performance.now();
    await Promise.all(MEMBERS.map((m) => createNodes(federation.member(m).kubeConfig(), m)));
    const createNodesMs = performance.now() - t0;

    const issuer = newIdentity({ method: 'key' });
    const core = host.makeApiClient(CoreV1Api);
    const gpuPools = kindClient<GpuPool>(host, GpuPoolKind);
    const memberClusters = kindClient<MemberCluster>(host, MemberClusterKind);
    const sovereignNodes = kindClient<SovereignNode>(host, SovereignNodeKind);
    await core.createNamespace({ body: { metadata: { name: 'cloud-empire' } } });
    await core.createNamespacedConfigMap({
      namespace: 'cloud-empire',
      body: {
        metadata: { name: 'cloud-empire-trust-anchors' },
        data: { 'trust-anchors.yaml': `issuers: [{did: "${issuer.did}", name: bench}]\naudience: urn:bench\nrequireProofOfPossession: false\n` },
      },
    });
    for (const m of MEMBERS) {
      await core.createNamespacedSecret({
        namespace: 'cloud-empire',
        body: { metadata: { name: `${m}-kubeconfig` }, stringData: { kubeconfig: federation.member(m).kubeconfigFor() } },
      });
      await memberClusters.create({
        apiVersion: 'cloudempire.eu/v1alpha1',
        kind: 'MemberCluster',
        metadata: { name: m },
        spec: { kubeconfigSecretRef: { name: `${m}-kubeconfig`, namespace: 'cloud-empire' }, country: 'FR', provider: 'ovhcloud' },
      });
      await gpuPools.create({
        apiVersion: 'cloudempire.eu/v1alpha1',
        kind: 'GpuPool',
        metadata: { name: `${m}-h100` },
        spec: {
          memberCluster: m,
          nodeSelector: { matchLabels: { pool: 'bench' } },
          resourceName: 'nvidia.com/gpu',
          model: 'NVIDIA-H100-80GB-HBM3',
          memoryMiB: 81559,
          provider: 'ovhcloud',
        },
      });
      await inParallel(
        Array.from({ length: POOL_NODES }, (_, i) => nodeObject(m, i).metadata!.name!),
        8,
        async (nodeName) => {
          const did = newIdentity({ method: 'key' }).did;
          await sovereignNodes.create({
            apiVersion: 'cloudempire.eu/v1alpha1',
            kind: 'SovereignNode',
            metadata: { name: nodeName },
            spec: {
              memberCluster: m,
              nodeName,
              did,
              credential: await issueNodeCredential(issuer.key, { subject: did, memberCluster: m, nodeName, countryCode: 'FR', validForSeconds: 86_400 }),
            },
          });
        },
      );
    }

    // The operator in its own process, so its memory and CPU are its own.
    const port = await freePort();
    const t1 = performance.now();
    const flags = process.env.BENCH_OPERATOR_NODE_OPTIONS !== undefined ? [] : [...OPERATOR_NODE_FLAGS];
    operator = new ManagedProcess(
      'operator',
      process.execPath,
      [
        ...flags,
        join(REPO_ROOT, 'src', 'operator', 'main.ts'),
        `--kubeconfig=${hostFile}`,
        '--leader-elect=false',
        `--ledger-dir=${join(dir, 'ledger')}`,
        `--http-addr=127.0.0.1:${port}`,
      ],
      join(dir, 'operator.log'),
      {
        ...process.env,
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        NODE_OPTIONS: process.env.BENCH_OPERATOR_NODE_OPTIONS ?? '',
        ...(process.env.BENCH_MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: process.env.BENCH_MALLOC_ARENA_MAX } : {}),
      },
    );
    const sampler = new RssSampler(() => operator?.pid);
    const pools = watchCollection<GpuPool>({
      name: 'bench-gpupools',
      kubeConfig: host,
      path: collectionPath(GpuPoolKind),
      list: () => gpuPools.list(),
      onChange: (pool) => onPool(pool),
      log: createLogger({ level: 'error' }),
    });
    let waiter: { pool: string; status: string; resolve: () => void } | undefined;
    const onPool = (pool: GpuPool) => {
      const hardware = pool.status?.conditions?.find((c) => c.type === 'HardwareMatches')?.status;
      if (waiter && pool.metadata.name === waiter.pool && hardware === waiter.status) waiter.resolve();
    };
    const poolsReady = async () => {
      for (;;) {
        if (!operator!.alive) throw new Error(`the operator exited: ${operator!.tail()}`);
        const ready = pools
          .list()
          .filter((p) => p.status?.verifiedNodes === POOL_NODES && p.status?.conditions?.some((c) => c.type === 'HardwareMatches' && c.status === 'True'));
        if (ready.length === MEMBERS.length) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await pools.synced;
    await poolsReady();
    const syncMs = performance.now() - t1;

    // Idle: what watching 15,000 nodes costs once synced.
    await new Promise((r) => setTimeout(r, 5_000));
    const reconciles = async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return Object.fromEntries(
        [...text.matchAll(/^cloud_empire_reconcile_total\{controller="(\w+)",result="(\w+)"\} (\d+)/gm)].map((m) => [`${m[1]}/${m[2]}`, Number(m[3])]),
      );
    };
    const idleStart = procStats(operator.pid!);
    const reconcilesBefore = await reconciles();
    const idleSeconds = 20;
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const idleEnd = procStats(operator.pid!);
    const reconcilesAfter = await reconciles();
    const metricsText = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const gauge = (name: string) => Math.round(Number(new RegExp(`^${name} (\\S+)`, 'm').exec(metricsText)?.[1] ?? 0) / 2 ** 20);
    const rollup = readFileSync(`/proc/${operator.pid}/status`, 'utf8');
    const kb = (field: string) => Math.round(Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(rollup)?.[1] ?? 0) / 1024);
    const { readdirSync } = await import('node:fs');
    const native = { rssAnonMB: kb('RssAnon'), rssFileMB: kb('RssFile'), openFds: readdirSync(`/proc/${operator.pid}/fd`).length };
    const heap = {
      usedMB: gauge('cloud_empire_nodejs_heap_size_used_bytes'),
      totalMB: gauge('cloud_empire_nodejs_heap_size_total_bytes'),
      externalMB: gauge('cloud_empire_nodejs_external_memory_bytes'),
    };
    const idleReconciles = Object.fromEntries(Object.entries(reconcilesAfter).map(([k, v]) => [k, v - (reconcilesBefore[k] ?? 0)]));
    const ticksPerSecond = 100;

    // Label change in a member → GpuPool status, observed through a host watch.
    const latencies: number[] = [];
    const member = federation.member('paris').kubeConfig().makeApiClient(CoreV1Api);
    for (let i = 0; i < CHANGES; i++) {
      // Pairs of changes on one node: break its GFD product label, then mend it.
      const nodeName = nodeObject('paris', (i >> 1) % POOL_NODES).metadata!.name!;
      const wrong = i % 2 === 0;
      const node = await member.readNode({ name: nodeName });
      node.metadata!.labels!['nvidia.com/gpu.product'] = wrong ? 'NVIDIA-A100-SXM4-80GB' : 'NVIDIA-H100-80GB-HBM3';
      const seen = new Promise<void>((resolve) => (waiter = { pool: 'paris-h100', status: wrong ? 'False' : 'True', resolve }));
      const started = performance.now();
      await member.replaceNode({ name: nodeName, body: node });
      await Promise.race([seen, new Promise((_, reject) => setTimeout(() => reject(new Error(`change ${i} not seen within 30 s`)), 30_000))]);
      latencies.push(performance.now() - started);
    }
    const peakRss = sampler.stop();
    await pools.stop();
    const latency = summarize(latencies, 0);
    const steady = procStats(operator.pid!);
    return {
      topology: `${MEMBERS.length} members × ${NODES_PER_MEMBER} nodes (${POOL_NODES} verified GPU nodes each), operator in its own process`,
      operatorNodeFlags: process.env.BENCH_OPERATOR_NODE_OPTIONS ?? flags.join(' '),
      createNodesMs: Math.round(createNodesMs),
      operatorSyncMs: Math.round(syncMs),
      operatorRssMB: { peak: Math.round(peakRss), steady: Math.round(steady.rssMB), goal: GOAL_RSS_MB, meetsGoal: peakRss <= GOAL_RSS_MB },
      operatorHeapMB: heap,
      operatorNative: native,
      idleReconciles,
      operatorIdleCpuPercent: Number((((idleEnd.cpuTicks - idleStart.cpuTicks) / ticksPerSecond / idleSeconds) * 100).toFixed(1)),
      labelChangeToPoolStatusMs: { ...latency, goalP99: GOAL_P99_MS, meetsGoal: latency.p99 <= GOAL_P99_MS },
    };
  } finally {
    await operator?.stop();
    await federation.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
