// A federation for fault tests: host + members (kube-scheduler, controller-manager, kwok), the CRDs,
// trust anchors, member kubeconfig Secrets and MemberClusters, fake nodes vouched for by a trusted
// issuer, and the real operator process (src/operator/main.ts) started, killed and restarted by pid.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1ObjectMeta } from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FederatedWorkload } from '../../../src/api/generated/types.ts';
import { REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { createFakeNode } from '../../../src/controlplane/fake-nodes.ts';
import { LocalFederation } from '../../../src/controlplane/federation.ts';
import { kubeconfigYaml } from '../../../src/controlplane/kubeconfig.ts';
import { kubectl } from '../../../src/controlplane/kubectl.ts';
import { ADMIN_USER } from '../../../src/controlplane/local-cluster.ts';
import { freePort, ManagedProcess } from '../../../src/controlplane/process.ts';
import { issueNodeCredential, newIdentity } from '../../../src/trust/issue.ts';
import { eventually, registerMemberCluster } from '../federation.ts';
import { deploymentWorkload as sharedDeploymentWorkload } from '../operator-fixture.ts';

export const GROUP = { group: 'cloudempire.eu', version: 'v1alpha1' } as const;
export const OPERATOR_NAMESPACE = 'cloud-empire';
export const MANAGED_BY = 'cloudempire.eu/managed-by=cloud-empire';
export const WORKLOAD_LABEL = 'cloudempire.eu/workload';

/** An object the operator made in a member, as the invariants look at it. */
export interface MemberObjectView {
  kind: string;
  namespace: string;
  name: string;
  /** The `cloudempire.eu/workload` label: `<namespace>.<name>` of its FederatedWorkload. */
  workload: string;
  labels: Record<string, string>;
  deleting: boolean;
  replicas?: number;
  image?: string;
}

export interface WorldOptions {
  /** Member name → ISO country code. */
  members: Record<string, string>;
  /** Verified fake nodes per member (each 16 CPU, 64 GiB, 4 GPUs). */
  nodesPerMember?: number;
  /** The namespace FederatedWorkloads live in. */
  namespace?: string;
}

export interface OperatorOptions {
  id: string;
  /** Leader election with this lease (e.g. '3s'); without it the replica runs alone (--leader-elect=false). */
  lease?: string;
  /** Another host kubeconfig file (a fault proxy in front of the host API server). */
  kubeconfigPath?: string;
  /** Extra environment, e.g. CLOUD_EMPIRE_TEST_CRASH_POINT. */
  env?: Record<string, string>;
}

/** One operator process: its pid, HTTP port and log. */
export class OperatorProcess {
  readonly id: string;
  readonly process: ManagedProcess;
  readonly port: number;

  constructor(id: string, process: ManagedProcess, port: number) {
    this.id = id;
    this.process = process;
    this.port = port;
  }

  async metrics(): Promise<string> {
    return (await fetch(`http://127.0.0.1:${this.port}/metrics`, { signal: AbortSignal.timeout(3_000) })).text();
  }

  async metric(pattern: RegExp): Promise<number> {
    const match = pattern.exec(await this.metrics());
    return match ? Number(match[1]) : 0;
  }

  async isLeader(): Promise<boolean> {
    return (await this.metric(/^cloud_empire_leader (\d+)/m)) === 1;
  }

  /** SIGKILL: no shutdown hook runs, whatever the process was doing is cut off. */
  kill(): Promise<void> {
    return this.process.kill();
  }
}

/** A FederatedWorkload of a Deployment with `replicas`, spread over the clusters it may use. */
export function deploymentWorkload(
  namespace: string,
  name: string,
  replicas: number,
  options: { image?: string; clusters?: string[]; spec?: Omit<Partial<FederatedWorkload['spec']>, 'template'> } = {},
): FederatedWorkload {
  return sharedDeploymentWorkload(
    name,
    namespace,
    { replicas, ...(options.image && { image: options.image }), requests: { cpu: '50m', memory: '32Mi' } },
    {
      placement: {
        ...(options.clusters && { clusterAffinity: { clusterNames: options.clusters } }),
        replicaScheduling: { type: 'Divided', divisionPreference: 'Balanced' },
      },
      ...options.spec,
    },
  );
}

export class OperatorWorld {
  readonly federation: LocalFederation;
  readonly dir: string;
  readonly members: Record<string, string>;
  readonly namespace: string;
  readonly issuer = newIdentity({ method: 'key' });
  /** The embedded ledger's directory, shared by every replica as the chart mounts one volume. */
  readonly ledgerDir: string;
  private readonly operators: OperatorProcess[] = [];

  private constructor(federation: LocalFederation, dir: string, options: WorldOptions) {
    this.federation = federation;
    this.dir = dir;
    this.members = options.members;
    this.namespace = options.namespace ?? 'team';
    this.ledgerDir = join(dir, 'ledger');
  }

  static async start(options: WorldOptions): Promise<OperatorWorld> {
    const federation = await LocalFederation.start({ members: Object.keys(options.members).map((name) => ({ name })) });
    const world = new OperatorWorld(federation, mkdtempSync(join(tmpdir(), 'cloud-empire-chaos-')), options);
    try {
      await world.install(options.nodesPerMember ?? 2);
    } catch (error) {
      await world.stop();
      throw error;
    }
    return world;
  }

  host(): KubeConfig {
    return this.federation.host.kubeConfig();
  }

  member(name: string): KubeConfig {
    return this.federation.member(name).kubeConfig();
  }

  custom(): CustomObjectsApi {
    return this.host().makeApiClient(CustomObjectsApi);
  }

  get memberNames(): string[] {
    return Object.keys(this.members);
  }

  private async install(nodesPerMember: number): Promise<void> {
    const kubeconfig = this.federation.host.access.kubeconfigPath;
    const applied = await kubectl(kubeconfig, ['apply', '--server-side', '-f', join(REPO_ROOT, 'crds')]);
    if (applied.code !== 0) throw new Error(applied.stderr);
    const waited = await kubectl(kubeconfig, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '-l', 'app.kubernetes.io/part-of=cloud-empire']);
    if (waited.code !== 0) throw new Error(waited.stderr);
    const core = this.host().makeApiClient(CoreV1Api);
    for (const namespace of [OPERATOR_NAMESPACE, this.namespace]) await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedConfigMap({
      namespace: OPERATOR_NAMESPACE,
      body: {
        metadata: { name: 'cloud-empire-trust-anchors' },
        data: { 'trust-anchors.yaml': `issuers: [{did: "${this.issuer.did}", name: chaos}]\naudience: urn:test\nrequireProofOfPossession: false\n` },
      },
    });
    for (const [m, country] of Object.entries(this.members)) {
      await registerMemberCluster(this.host(), { name: m, kubeconfig: this.federation.member(m).kubeconfigFor(), country, namespace: OPERATOR_NAMESPACE });
      for (let i = 1; i <= nodesPerMember; i++) await this.addNode(m, `${m}-n${i}`);
    }
  }

  /** A fake node in `member` with GPUs labelled for a pool, and its SovereignNode vouched for by the trusted issuer. */
  async addNode(member: string, nodeName: string): Promise<void> {
    await createFakeNode(this.member(member), {
      name: nodeName,
      labels: { pool: 'h100' },
      capacity: { cpu: '16', memory: '64Gi', 'nvidia.com/gpu': '4' },
    });
    await this.vouch(member, nodeName);
  }

  async vouch(member: string, nodeName: string): Promise<void> {
    const node = newIdentity({ method: 'key' });
    const credential = await issueNodeCredential(this.issuer.key, {
      subject: node.did,
      memberCluster: member,
      nodeName,
      countryCode: this.members[member],
      validForSeconds: 86_400,
    });
    await this.custom().createClusterCustomObject({
      ...GROUP,
      plural: 'sovereignnodes',
      body: {
        apiVersion: 'cloudempire.eu/v1alpha1',
        kind: 'SovereignNode',
        metadata: { name: `${member}-${nodeName}` },
        spec: { memberCluster: member, nodeName, did: node.did, credential },
      },
    });
  }

  async addGpuPool(member: string, name: string): Promise<void> {
    await this.custom().createClusterCustomObject({
      ...GROUP,
      plural: 'gpupools',
      body: {
        apiVersion: 'cloudempire.eu/v1alpha1',
        kind: 'GpuPool',
        metadata: { name },
        spec: {
          memberCluster: member,
          nodeSelector: { matchLabels: { pool: 'h100' } },
          resourceName: 'nvidia.com/gpu',
          model: 'NVIDIA-H100-80GB-HBM3',
          memoryMiB: 81559,
          provider: `${member}-cloud`,
        },
      },
    });
  }

  /** Starts `src/operator/main.ts` as its own process and waits until it answers /readyz. */
  async startOperator(options: OperatorOptions): Promise<OperatorProcess> {
    const port = await freePort();
    const args = [
      join(REPO_ROOT, 'src', 'operator', 'main.ts'),
      `--kubeconfig=${options.kubeconfigPath ?? this.federation.host.access.kubeconfigPath}`,
      `--namespace=${OPERATOR_NAMESPACE}`,
      `--ledger-dir=${this.ledgerDir}`,
      `--http-addr=127.0.0.1:${port}`,
      `--identity=${options.id}`,
      ...(options.lease ? [`--lease-duration=${options.lease}`] : ['--leader-elect=false']),
    ];
    const child = new ManagedProcess(`operator-${options.id}`, process.execPath, args, join(this.dir, `operator-${options.id}.log`), {
      ...process.env,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      ...options.env,
    });
    const operator = new OperatorProcess(options.id, child, port);
    this.operators.push(operator);
    await eventually(
      async () => {
        if (!child.alive) throw new Error(`operator ${options.id} exited: ${child.tail()}`);
        expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      },
      60_000,
      50,
    );
    return operator;
  }

  async applyWorkload(body: FederatedWorkload): Promise<void> {
    await this.custom().createNamespacedCustomObject({ ...GROUP, plural: 'federatedworkloads', namespace: this.namespace, body });
  }

  async workload(name: string): Promise<FederatedWorkload | undefined> {
    try {
      return (await this.custom().getNamespacedCustomObject({ ...GROUP, plural: 'federatedworkloads', namespace: this.namespace, name })) as FederatedWorkload;
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  }

  async workloads(): Promise<FederatedWorkload[]> {
    const list = (await this.custom().listNamespacedCustomObject({ ...GROUP, plural: 'federatedworkloads', namespace: this.namespace })) as {
      items: FederatedWorkload[];
    };
    return list.items;
  }

  /** Read-modify-write of a workload's spec, retried on conflicts (the operator writes its status and finalizers meanwhile). */
  async changeWorkload(name: string, change: (spec: FederatedWorkload['spec']) => void): Promise<void> {
    for (;;) {
      const fw = await this.workload(name);
      if (!fw) return;
      change(fw.spec);
      try {
        await this.custom().replaceNamespacedCustomObject({ ...GROUP, plural: 'federatedworkloads', namespace: this.namespace, name, body: fw });
        return;
      } catch (error) {
        if ((error as { code?: number }).code !== 409) throw error;
      }
    }
  }

  async deleteWorkload(name: string): Promise<void> {
    await this.custom().deleteNamespacedCustomObject({ ...GROUP, plural: 'federatedworkloads', namespace: this.namespace, name });
  }

  /** The Deployments and ConfigMaps the operator made in `member`, labelled with the workload they belong to. */
  async ownedIn(member: string): Promise<MemberObjectView[]> {
    const kc = this.member(member);
    const [deployments, configMaps] = await Promise.all([
      kc.makeApiClient(AppsV1Api).listDeploymentForAllNamespaces({ labelSelector: MANAGED_BY }),
      kc.makeApiClient(CoreV1Api).listConfigMapForAllNamespaces({ labelSelector: MANAGED_BY }),
    ]);
    const view = (kind: string, metadata: V1ObjectMeta): MemberObjectView => ({
      kind,
      namespace: metadata.namespace!,
      name: metadata.name!,
      workload: metadata.labels?.[WORKLOAD_LABEL] ?? '',
      labels: metadata.labels ?? {},
      deleting: Boolean(metadata.deletionTimestamp),
    });
    return [
      ...deployments.items.map((d) => ({ ...view('Deployment', d.metadata!), replicas: d.spec?.replicas, image: d.spec?.template.spec?.containers[0]?.image })),
      ...configMaps.items.map((c) => view('ConfigMap', c.metadata!)),
    ];
  }

  /**
   * A kubeconfig for `cluster` ('host' or a member) whose server is `server` (a proxy in front of it),
   * trusting `caPem`, with the cluster's admin token.
   */
  kubeconfigVia(cluster: string, server: string, caPem: string): string {
    const access = cluster === 'host' ? this.federation.host.access : this.federation.member(cluster).access;
    return kubeconfigYaml({ cluster, server, caPem, user: ADMIN_USER, token: access.tokens[ADMIN_USER] });
  }

  /** A host kubeconfig file for the operator's --kubeconfig, through `server`. */
  hostKubeconfigFileVia(server: string, caPem: string): string {
    const path = join(this.dir, `host-via-${new URL(server).port}.kubeconfig`);
    writeFileSync(path, this.kubeconfigVia('host', server, caPem), { mode: 0o600 });
    return path;
  }

  /** Points the MemberCluster's kubeconfig Secret at `server` (before the operator starts, or it reloads on change). */
  async routeMemberVia(member: string, server: string, caPem: string): Promise<void> {
    await this.host()
      .makeApiClient(CoreV1Api)
      .replaceNamespacedSecret({
        namespace: OPERATOR_NAMESPACE,
        name: `${member}-kubeconfig`,
        body: { metadata: { name: `${member}-kubeconfig` }, stringData: { kubeconfig: this.kubeconfigVia(member, server, caPem) } },
      });
  }

  /** Why members' pods do not run, for a failure message: each member's nodes (taints, trust labels) and pods that are not Running. */
  async diagnose(): Promise<string> {
    const lines: string[] = [];
    for (const member of this.memberNames) {
      const core = this.member(member).makeApiClient(CoreV1Api);
      const [nodes, pods] = await Promise.all([core.listNode(), core.listPodForAllNamespaces({ labelSelector: MANAGED_BY })]);
      for (const n of nodes.items) {
        const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
        const trust = Object.entries(n.metadata?.labels ?? {}).filter(([k]) => k.includes('cloudempire.eu'));
        lines.push(`${member} node ${n.metadata!.name} Ready=${ready} taints=${JSON.stringify(n.spec?.taints ?? [])} ${JSON.stringify(trust)}`);
      }
      for (const p of pods.items.filter((p) => p.status?.phase !== 'Running'))
        lines.push(
          `${member} pod ${p.metadata!.name} ${p.status?.phase}${p.metadata?.deletionTimestamp ? ' (terminating)' : ''}: ${JSON.stringify(p.status?.conditions?.filter((c) => c.status !== 'True').map((c) => `${c.type} ${c.reason}: ${c.message}`))}`,
        );
    }
    return lines.join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.operators.map((o) => o.kill()));
    await this.federation.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
