// A federation of its own for infrastructure faults: host + paris (FR) + madrid (ES) with kube-scheduler,
// kube-controller-manager and kwok, one etcd, and the whole operator in this process recording on an
// embedded ledger opened as the operator opens it (openEmbeddedLedger: it reopens itself after a failed
// write). Chaos tests kill these processes, so they never share the run's global federation.
import { AppsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FederatedWorkload, MemberCluster } from '../../../src/api/generated/types.ts';
import { REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { createFakeNode } from '../../../src/controlplane/fake-nodes.ts';
import { LocalFederation } from '../../../src/controlplane/federation.ts';
import { kubectl } from '../../../src/controlplane/kubectl.ts';
import { readBlocks, verifyChain, type Block } from '../../../src/ledger/embedded/block-log.ts';
import type { LedgerTransaction } from '../../../src/ledger/embedded/embedded-ledger.ts';
import { anchorsOf, type Ledger } from '../../../src/ledger/ledger.ts';
import { openEmbeddedLedger } from '../../../src/ledger/open.ts';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../../src/logging/logger.ts';
import { startOperator, type RunningOperator } from '../../../src/operator/operator.ts';
import { trustConfigFrom } from '../../../src/trust/anchors.ts';
import { newIdentity } from '../../../src/trust/issue.ts';
import type { FileSystem } from '../../../src/util/file-system.ts';
import { ledgerOptions, operatorKey } from '../../ledger/ledger-keys.ts';
import { eventually, registerMemberCluster } from '../federation.ts';
import { deploymentWorkload as sharedDeploymentWorkload, vouchForNode } from '../operator-fixture.ts';

export const MEMBERS = { paris: 'FR', madrid: 'ES' } as const;
export type Member = keyof typeof MEMBERS;
export const MEMBER_NAMES = Object.keys(MEMBERS) as Member[];
const group = { group: 'cloudempire.eu', version: 'v1alpha1' };
const OWNED = 'cloudempire.eu/managed-by=cloud-empire';
export const NAMESPACE = 'team';

export interface InfraWorldOptions {
  /** Where the embedded ledger lives (default: a fresh temp dir); a small tmpfs for the full-disk test. */
  ledgerDir?: string;
  /** The ledger's file system seam, for injected I/O errors. */
  ledgerFs?: FileSystem;
  /**
   * Record on a Fabric network instead, as production does (src/operator/operator.ts: a connection
   * directory, an outbox in the ledger dir); `syncAnchors` registers the world's issuer first, as the
   * trust authority's admin does on Fabric (the operator may not).
   */
  fabric?: { connectionDir: string; syncAnchors: (anchors: ReturnType<typeof anchorsOf>) => Promise<void> };
}

type WithConditions = { status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] } };
export const condition = <T extends WithConditions>(w: T, type: string) =>
  w.status?.conditions?.find((c) => c.type === type) as NonNullable<NonNullable<T['status']>['conditions']>[number] | undefined;
export const placedIn = (w: FederatedWorkload) => (w.status?.decision?.placements.map((p) => p.cluster) ?? []).sort();

/** A 1-replica Deployment every member may run (Duplicated: a copy per chosen member). */
export function deploymentWorkload(name: string, spec: Omit<Partial<FederatedWorkload['spec']>, 'template'> = {}): FederatedWorkload {
  return sharedDeploymentWorkload(name, NAMESPACE, { requests: { cpu: '10m', memory: '16Mi' } }, spec);
}

export class InfraWorld {
  readonly federation: LocalFederation;
  readonly dir: string;
  readonly ledgerDir: string;
  private readonly options: InfraWorldOptions;
  private readonly signer = operatorKey();
  private readonly trusted = newIdentity({ method: 'key' });
  operator?: RunningOperator;
  ledger?: Ledger;
  private readonly logLines: string[] = [];

  private constructor(federation: LocalFederation, dir: string, options: InfraWorldOptions) {
    this.federation = federation;
    this.dir = dir;
    this.options = options;
    this.ledgerDir = options.ledgerDir ?? join(dir, 'ledger');
  }

  static async start(options: InfraWorldOptions = {}): Promise<InfraWorld> {
    const dir = mkdtempSync(join(tmpdir(), 'cloud-empire-chaos-'));
    const federation = await LocalFederation.start({ members: MEMBER_NAMES.map((name) => ({ name })), baseDir: dir });
    const world = new InfraWorld(federation, dir, options);
    try {
      await world.install();
      await world.startOperator();
      await world.waitForVerifiedCapacity();
    } catch (error) {
      await world.stop();
      throw error;
    }
    return world;
  }

  host = () => this.federation.host.kubeConfig();
  custom = () => this.host().makeApiClient(CustomObjectsApi);
  memberKc = (m: Member) => this.federation.member(m).kubeConfig();

  private async install(): Promise<void> {
    const kubeconfig = this.federation.host.access.kubeconfigPath;
    const applied = await kubectl(kubeconfig, ['apply', '--server-side', '-f', join(REPO_ROOT, 'crds')]);
    if (applied.code !== 0) throw new Error(applied.stderr);
    const waited = await kubectl(kubeconfig, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '-l', 'app.kubernetes.io/part-of=cloud-empire']);
    if (waited.code !== 0) throw new Error(waited.stderr);
    const core = this.host().makeApiClient(CoreV1Api);
    for (const namespace of ['cloud-empire', NAMESPACE]) await core.createNamespace({ body: { metadata: { name: namespace } } });
    const anchors = `issuers: [{did: "${this.trusted.did}", name: test}]\naudience: urn:test\nrequireProofOfPossession: false\n`;
    await core.createNamespacedConfigMap({
      namespace: 'cloud-empire',
      body: { metadata: { name: 'cloud-empire-trust-anchors' }, data: { 'trust-anchors.yaml': anchors } },
    });
    for (const m of MEMBER_NAMES) {
      await registerMemberCluster(this.host(), { name: m, kubeconfig: this.federation.member(m).kubeconfigFor(), country: MEMBERS[m] });
      await createFakeNode(this.memberKc(m), { name: `${m}-n1`, capacity: { cpu: '16', memory: '64Gi' } });
      await this.vouch(m, `${m}-n1`);
    }
  }

  /** A SovereignNode for a member node, vouched for by the trusted issuer. */
  vouch(cluster: Member, nodeName: string): Promise<void> {
    return vouchForNode(this.host(), this.trusted, { cluster, nodeName, country: MEMBERS[cluster] });
  }

  /** How this world's embedded ledger is opened: the operator's key, the head checkpointed outside its directory. */
  ledgerOpenOptions() {
    return ledgerOptions(join(this.dir, 'head.json'), this.signer, this.options.ledgerFs);
  }

  /** The operator as production wires it, with the embedded ledger it opens itself (reopened after a failed write). */
  async startOperator(): Promise<void> {
    const trust = trustConfigFrom({ issuers: [{ did: this.trusted.did, name: 'test' }], audience: 'urn:test' });
    const fabric = this.options.fabric;
    if (fabric) await fabric.syncAnchors(anchorsOf(trust));
    else this.ledger = await openEmbeddedLedger(this.ledgerDir, { trustAnchors: anchorsOf(trust), ...this.ledgerOpenOptions(), reopenIntervalMs: 500 });
    this.operator = await startOperator({
      host: this.host(),
      namespace: 'cloud-empire',
      ledgerDir: join(this.dir, 'operator-files'),
      ...(fabric ? { fabricConnectionDir: fabric.connectionDir } : { ledger: this.ledger }),
      log: this.logger(),
      probeIntervalMs: 500,
      unreachableGraceMs: 3_000,
      workloadProgressRequeueMs: 500,
    });
  }

  /** The operator's warnings and errors, for failure messages and checks on what it said. */
  get logs(): string {
    return this.logLines.join('');
  }

  private logger() {
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => this.logLines.push(chunk.toString('utf8')));
    return createLogger({ format: 'json', stream, level: 'warn' });
  }

  async stopOperator(): Promise<void> {
    await this.operator?.stop();
    this.operator = undefined;
  }

  private async waitForVerifiedCapacity(): Promise<void> {
    await eventually(
      async () => {
        for (const m of MEMBER_NAMES) {
          const mc = await this.memberCluster(m);
          expect((mc.status as { verifiedResources?: { cpuMillis?: number } } | undefined)?.verifiedResources?.cpuMillis).toBeGreaterThan(0);
        }
      },
      90_000,
      250,
    );
  }

  apply = (body: FederatedWorkload) => this.custom().createNamespacedCustomObject({ ...group, plural: 'federatedworkloads', namespace: NAMESPACE, body });

  fw = async (name: string) =>
    (await this.custom().getNamespacedCustomObject({ ...group, plural: 'federatedworkloads', namespace: NAMESPACE, name })) as FederatedWorkload;

  memberCluster = async (name: Member) => (await this.custom().getClusterCustomObject({ ...group, plural: 'memberclusters', name })) as MemberCluster;

  /** What the operator owns in a member for a workload, as Kind/name (duplicates would show twice). */
  async ownedIn(m: Member, workload: string): Promise<string[]> {
    const selector = `${OWNED},cloudempire.eu/workload=${NAMESPACE}.${workload}`;
    const kc = this.memberKc(m);
    const [deployments, jobs, configMaps] = await Promise.all([
      kc.makeApiClient(AppsV1Api).listDeploymentForAllNamespaces({ labelSelector: selector }),
      kc.makeApiClient(BatchV1Api).listJobForAllNamespaces({ labelSelector: selector }),
      kc.makeApiClient(CoreV1Api).listConfigMapForAllNamespaces({ labelSelector: selector }),
    ]);
    return [
      ...deployments.items.map((d) => `Deployment/${d.metadata!.name}`),
      ...jobs.items.map((j) => `Job/${j.metadata!.name}`),
      ...configMaps.items.map((c) => `ConfigMap/${c.metadata!.name}`),
    ].sort();
  }

  /** Every workload the operator owns anything for in a member (orphans show up here). */
  async workloadsOwnedIn(m: Member): Promise<string[]> {
    const kc = this.memberKc(m);
    const items = [
      ...(await kc.makeApiClient(AppsV1Api).listDeploymentForAllNamespaces({ labelSelector: OWNED })).items,
      ...(await kc.makeApiClient(BatchV1Api).listJobForAllNamespaces({ labelSelector: OWNED })).items,
    ];
    return items.map((o) => o.metadata!.labels!['cloudempire.eu/workload']).sort();
  }

  /** The committed transactions of one contract function, every block's hash, link and signature checked first. */
  recordedTransactions(fn: string): LedgerTransaction[] {
    const path = join(this.ledgerDir, 'blocks.log');
    if (!existsSync(path)) return [];
    const blocks = readBlocks(readFileSync(path, 'utf8'), path).records as Block<LedgerTransaction>[];
    const check = verifyChain(blocks, this.signer);
    if (!check.ok) throw new Error(`the ledger does not verify: ${check.problem}`);
    return blocks.flatMap((b) => b.txs).filter((tx) => tx.fn === fn && tx.writes.length);
  }

  /** The RecordPlacement transactions by decision id. */
  recordedPlacements(): Map<string, { workload: string; txIds: string[] }> {
    const byDecision = new Map<string, { workload: string; txIds: string[] }>();
    for (const tx of this.recordedTransactions('Placement:RecordPlacement')) {
      const request = JSON.parse(tx.args[0]) as { decisionId: string; workload: { namespace: string; name: string } };
      const entry = byDecision.get(request.decisionId) ?? { workload: `${request.workload.namespace}/${request.workload.name}`, txIds: [] };
      entry.txIds.push(tx.txId);
      byDecision.set(request.decisionId, entry);
    }
    return byDecision;
  }

  /**
   * Fail closed, watched for `forMs`: none of `names` gets anything in any member, and each says the ledger is why.
   * Sampled, so a copy created and removed in between would still be seen.
   */
  async expectHeldBack(names: string[], forMs: number, reason = 'LedgerUnavailable'): Promise<void> {
    const until = Date.now() + forMs;
    do {
      for (const m of MEMBER_NAMES) for (const name of names) expect({ m, name, owned: await this.ownedIn(m, name) }).toEqual({ m, name, owned: [] });
      await new Promise((r) => setTimeout(r, 200));
    } while (Date.now() < until);
    for (const name of names) {
      const w = await this.fw(name);
      expect({ name, scheduled: condition(w, 'Scheduled') }).toMatchObject({ name, scheduled: { status: 'False', reason } });
      expect(w.status?.decision?.ledgerTxId).toBeUndefined();
    }
  }

  /**
   * The invariants every infrastructure fault must leave standing, once converged: each workload's
   * current decision is on the ledger exactly once (and no decision twice), each chosen member holds
   * exactly one copy, and no member holds anything for a workload outside its decision. `recorded`:
   * the RecordPlacement transactions by decision id (default: this world's embedded ledger).
   */
  async expectConverged(names: string[], recorded = this.recordedPlacements()): Promise<void> {
    for (const [decisionId, entry] of recorded) expect({ decisionId, txIds: entry.txIds.length }).toEqual({ decisionId, txIds: 1 });
    for (const name of names) {
      const w = await this.fw(name);
      const decision = w.status?.decision;
      expect(decision?.decisionId).toBeDefined();
      expect(recorded.get(decision!.decisionId!)).toEqual({ workload: `${NAMESPACE}/${name}`, txIds: [decision!.ledgerTxId] });
      for (const m of MEMBER_NAMES)
        expect({ m, owned: await this.ownedIn(m, name) }).toEqual({ m, owned: placedIn(w).includes(m) ? [`Deployment/${name}`] : [] });
    }
    const wanted = new Set(names.map((n) => `${NAMESPACE}.${n}`));
    for (const m of MEMBER_NAMES) for (const owner of await this.workloadsOwnedIn(m)) expect(wanted.has(owner) ? owner : `orphan ${owner} in ${m}`).toBe(owner);
  }

  async stop(): Promise<void> {
    await this.stopOperator().catch(() => undefined);
    await this.federation.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
