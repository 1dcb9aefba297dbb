// One generated federation brought to life in memory: the real SovereignNode,
// GpuPool, MemberCluster and FederatedWorkload reconcilers, the real trust
// verifier (did:key issuers, a Bitstring Status List served by an in-memory
// fetcher), the embedded ledger running the real chaincode on an in-memory
// file system, the real propagation code against in-memory member API
// servers whose settle() binds pods as kube-scheduler would. Steps drive it;
// the model remembers the ground truth the invariants are judged against.
import type { V1Node } from '@kubernetes/client-node';
import type { ClusterPlacement, FederatedWorkload, GpuPool, MemberCluster, SovereignNode } from '../../src/api/generated/types.ts';
import { API_VERSION } from '../../src/api/schema/common.ts';
import { FederatedWorkloadKind } from '../../src/api/schema/federatedworkload.ts';
import { GpuPoolKind } from '../../src/api/schema/gpupool.ts';
import { MemberClusterKind } from '../../src/api/schema/membercluster.ts';
import { SovereignNodeKind } from '../../src/api/schema/sovereignnode.ts';
import { MemberPropagation, type MemberObject, type ObjectRef, type OwnedObject } from '../../src/cluster/propagation/apply.ts';
import type { MemberWorkload } from '../../src/cluster/propagation/status.ts';
import type { MemberWorkloads } from '../../src/controllers/federatedworkload-members.ts';
import { FederatedWorkloadReconciler } from '../../src/controllers/federatedworkload.ts';
import { GpuPoolReconciler } from '../../src/controllers/gpupool.ts';
import { MemberClusterReconciler } from '../../src/controllers/membercluster.ts';
import { SovereignNodeReconciler } from '../../src/controllers/sovereignnode.ts';
import { EmbeddedLedger } from '../../src/ledger/embedded/embedded-ledger.ts';
import { FileHeadCheckpoint } from '../../src/ledger/embedded/head-checkpoint.ts';
import { anchorsOf, LedgerUnavailableError, SovereigntyLedger, type Ledger } from '../../src/ledger/ledger.ts';
import { EMBEDDED_OPERATOR_IDENTITY, EMBEDDED_TRUST_ADMIN_IDENTITY } from '../../src/ledger/open.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { isNotFound } from '../../src/runtime/api-errors.ts';
import { trustConfigFrom, type TrustConfig } from '../../src/trust/anchors.ts';
import type { Fetcher } from '../../src/trust/fetcher.ts';
import { issueNodeCredential, newIdentity, newStatusListFile, proveNode, publishStatusList, type Identity } from '../../src/trust/issue.ts';
import { signingKeyOf } from '../../src/trust/signing-key.ts';
import { decodeBitstring, encodeBitstring, setBit } from '../../src/trust/status-list.ts';
import { TrustVerifier } from '../../src/trust/verifier.ts';
import { FakeKind, FakeMemberNodes } from '../helpers/fake-kube.ts';
import { FakeMemberApi } from '../helpers/fake-member-api.ts';
import { CrashFileSystem } from '../ledger/crash-fs.ts';
import { TENANT } from '../ledger/embedded-parties.ts';
import { GPU_RESOURCES, type ClusterModel, type FederationModel, type NodeModel, type Step, type WorkloadModel } from './arbitraries.ts';

export const T0 = Date.parse('2026-12-01T09:00:00Z');
export const NAMESPACE = 'team';
export const STATUS_LIST_URL = 'https://status.trust.example.eu/lists/1';
const log = createLogger({ level: 'error' });
const signal = new AbortController().signal;

/** Keys made once per process: making and signing with them is most of a case's cost otherwise. */
export const keys = (() => {
  let made: { issuer: Identity; rogue: Identity; nodes: Map<string, Identity>; operator: ReturnType<typeof signingKeyOf> } | undefined;
  return () =>
    (made ??= {
      issuer: newIdentity({ method: 'key' }),
      rogue: newIdentity({ method: 'key' }),
      nodes: new Map(),
      operator: signingKeyOf(newIdentity({ method: 'key' }).key),
    });
})();
const credentials = new Map<string, Promise<string>>();
/** Signed JWTs by what they sign (status lists, proofs): cases repeat them often. */
const signed = new Map<string, Promise<string>>();
export const once = (key: string, sign: () => Promise<string>) => {
  let jwt = signed.get(key);
  if (!jwt) signed.set(key, (jwt = sign()));
  return jwt;
};

export function nodeIdentity(cluster: string, node: string): Identity {
  const all = keys().nodes;
  let identity = all.get(`${cluster}/${node}`);
  if (!identity) all.set(`${cluster}/${node}`, (identity = newIdentity({ method: 'key' })));
  return identity;
}

/** A node's place in the status list: fixed by its slot, so the same credential serves every case. */
export const statusIndex = (cluster: string, node: string) => Number(cluster.slice(1)) * 16 + Number(node.slice(1));

/** The credential a node of this kind presents, signed (or mis-signed) as its kind says. */
export function credentialFor(cluster: ClusterModel, node: NodeModel, expiresAfterMs: number): Promise<string> {
  const key = `${cluster.name}/${node.name}/${node.country}/${cluster.provider}/${node.credential}/${node.credential === 'expiring' ? expiresAfterMs : ''}`;
  let credential = credentials.get(key);
  if (credential) return credential;
  const { issuer, rogue } = keys();
  const start = T0 / 1000;
  const validity = {
    valid: { validFrom: start - 60, validForSeconds: 30 * 86_400 },
    revoked: { validFrom: start - 60, validForSeconds: 30 * 86_400 },
    badSignature: { validFrom: start - 60, validForSeconds: 30 * 86_400 },
    wrongIssuer: { validFrom: start - 60, validForSeconds: 30 * 86_400 },
    wrongBinding: { validFrom: start - 60, validForSeconds: 30 * 86_400 },
    expiring: { validFrom: start - 60, validForSeconds: 60 + expiresAfterMs / 1000 },
    expired: { validFrom: start - 2 * 86_400, validForSeconds: 86_400 },
    notYetValid: { validFrom: start + 2 * 86_400, validForSeconds: 86_400 },
  }[node.credential];
  credential = issueNodeCredential(node.credential === 'wrongIssuer' ? rogue.key : issuer.key, {
    subject: nodeIdentity(cluster.name, node.name).did,
    memberCluster: cluster.name,
    nodeName: node.credential === 'wrongBinding' ? `${node.name}-elsewhere` : node.name,
    countryCode: node.country,
    provider: cluster.provider,
    statusList: { url: STATUS_LIST_URL, index: statusIndex(cluster.name, node.name) },
    ...validity,
  }).then((jwt) => {
    if (node.credential !== 'badSignature') return jwt;
    const [header, payload, signature] = jwt.split('.');
    const bytes = Buffer.from(signature, 'base64url');
    bytes[0] ^= 1;
    return [header, payload, bytes.toString('base64url')].join('.');
  });
  credentials.set(key, credential);
  return credential;
}

/** The ledger the controllers see: the real one, or, during an outage, one that answers nothing. */
function switchable(ledger: Ledger, down: () => boolean): Ledger {
  const guard =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      down() ? Promise.reject(new LedgerUnavailableError('the ledger did not answer (outage injected by the property test)')) : call(...args);
  return {
    kind: ledger.kind,
    recordAttestation: guard(ledger.recordAttestation.bind(ledger)),
    authorizePlacement: guard(ledger.authorizePlacement.bind(ledger)),
    recordPlacement: guard(ledger.recordPlacement.bind(ledger)),
    getPolicy: guard(ledger.getPolicy.bind(ledger)),
    getDecision: guard(ledger.getDecision.bind(ledger)),
    recordRemoval: guard(ledger.recordRemoval.bind(ledger)),
    probe: guard(ledger.probe.bind(ledger)),
    close: () => ledger.close(),
  };
}

/** MemberWorkloads over the real propagation code and in-memory member API servers. */
class InMemoryMembers implements MemberWorkloads {
  private readonly propagations = new Map<string, MemberPropagation>();
  private readonly apis: ReadonlyMap<string, FakeMemberApi>;

  constructor(apis: ReadonlyMap<string, FakeMemberApi>) {
    this.apis = apis;
  }

  private api(cluster: string): FakeMemberApi {
    const api = this.apis.get(cluster);
    if (!api) throw new Error(`no member ${cluster}`);
    return api;
  }

  private propagation(cluster: string): MemberPropagation {
    let propagation = this.propagations.get(cluster);
    if (!propagation) this.propagations.set(cluster, (propagation = new MemberPropagation(this.api(cluster))));
    return propagation;
  }

  async apply(cluster: string, objects: readonly MemberObject[]): Promise<void> {
    await this.propagation(cluster).apply(objects);
  }

  prune(cluster: string, workload: string, keep: readonly ObjectRef[]): Promise<OwnedObject[]> {
    return this.propagation(cluster).prune(workload, keep);
  }

  async read(cluster: string, ref: ObjectRef): Promise<MemberWorkload | undefined> {
    try {
      return (await this.api(cluster).read({
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: ref.name, namespace: ref.namespace },
      })) as MemberWorkload;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

function memberNode(cluster: ClusterModel, node: NodeModel): V1Node {
  const pool = node.pool === undefined ? undefined : cluster.pools[node.pool];
  const devices: Record<string, string> = pool && node.gpus ? { [pool.resourceName]: String(node.gpus) } : {};
  const resources = { cpu: '16', memory: '64Gi', pods: '110', ...devices };
  return {
    metadata: { name: node.name, labels: { 'kubernetes.io/hostname': node.name, ...(pool && { pool: pool.name }) } },
    status: { capacity: resources, allocatable: resources },
  };
}

export function workloadObject(w: WorkloadModel, federation: FederationModel): FederatedWorkload {
  const container = { name: 'app', image: 'registry.example.eu/team/app:1.0', resources: { requests: { cpu: '100m', memory: '64Mi' } } };
  const template = { metadata: { labels: { app: w.name } }, spec: { containers: [container] } };
  const policy = w.dataset && federation.policies[w.dataset.policy % federation.policies.length];
  return {
    apiVersion: API_VERSION,
    kind: 'FederatedWorkload',
    metadata: { name: w.name, namespace: NAMESPACE },
    spec: {
      template:
        w.kind === 'Job'
          ? {
              apiVersion: 'batch/v1',
              kind: 'Job',
              spec: { parallelism: w.replicas, completions: w.replicas, template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } } },
            }
          : { apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: w.replicas, selector: { matchLabels: { app: w.name } }, template } as never },
      placement: {
        ...(w.jurisdictions && { jurisdictions: w.jurisdictions }),
        ...(w.countries && { countries: w.countries as never }),
        ...(w.providers && { providers: { include: w.providers } }),
        replicaScheduling: w.division === 'Duplicated' ? { type: 'Duplicated' } : { type: 'Divided', divisionPreference: w.division },
      },
      ...(w.gpu && { gpu: { count: w.gpu.count, resourceName: GPU_RESOURCES[w.gpu.resource].resourceName } }),
      ...(policy && { dataAccess: { datasets: [policy.datasetId], purpose: w.dataset!.purpose } }),
    },
  };
}

/** What the model knows of a node beyond the objects: when it was revoked and when the operator last looked. */
export interface NodeTruth {
  cluster: ClusterModel;
  node: NodeModel;
  revokedAt?: number;
  /** Clock of the last SovereignNode reconcile of this node. */
  lastVerifiedAt?: number;
}

export class FederationWorld {
  readonly model: FederationModel;
  readonly clock: { now: number };
  readonly config: TrustConfig;
  readonly sovereignNodes = new FakeKind<SovereignNode>(SovereignNodeKind);
  readonly gpuPools = new FakeKind<GpuPool>(GpuPoolKind);
  readonly memberClusters = new FakeKind<MemberCluster>(MemberClusterKind);
  readonly workloads = new FakeKind<FederatedWorkload>(FederatedWorkloadKind);
  readonly memberNodes = new FakeMemberNodes();
  readonly members = new Map<string, FakeMemberApi>();
  readonly truth = new Map<string, NodeTruth>();
  /** Every decision id a FederatedWorkload's status carried, per workload key. */
  readonly decisionIds = new Map<string, Set<string>>();
  /** The shares (cluster, pool, country) each decision id stood for, as the status said. */
  readonly decisionPlacements = new Map<string, ClusterPlacement[]>();
  /** Decisions whose ledger record the reason checks have read already. */
  readonly judgedDecisions = new Set<string>();
  /** Workloads whose decision changed in the last step. */
  readonly decidedInStep = new Set<string>();
  ledgerDown = false;
  /** SovereignNodes whose status an attacker wrote since the operator last verified them. */
  readonly forged = new Set<string>();
  private challenges = 0;
  /** The nonce each node's proof answers. */
  private readonly proofs = new Map<string, string>();
  readonly store: EmbeddedLedger;
  /** The operator's client of the real ledger, outside any injected outage: what the checks read. */
  readonly ledger: SovereigntyLedger;
  private readonly statusBits: Uint8Array;
  private statusListJwt = '';
  private readonly verifier: TrustVerifier;
  private readonly reconcilers: {
    node: SovereignNodeReconciler;
    pool: GpuPoolReconciler;
    member: MemberClusterReconciler;
    workload: FederatedWorkloadReconciler;
  };

  private constructor(model: FederationModel, store: EmbeddedLedger, config: TrustConfig, clock: { now: number }) {
    this.model = model;
    this.clock = clock;
    this.store = store;
    this.config = config;
    this.ledger = new SovereigntyLedger(store.connect(EMBEDDED_OPERATOR_IDENTITY));
    this.statusBits = decodeBitstring(newStatusListFile(STATUS_LIST_URL).encodedList);
    const fetcher: Fetcher = async (url) => {
      if (url.href !== STATUS_LIST_URL) throw new Error(`no fetch expected: ${url.href}`);
      return { status: 200, body: Buffer.from(this.statusListJwt), contentType: 'application/vc+jwt', url: url.href };
    };
    this.verifier = new TrustVerifier(config, { fetcher, now: () => this.clock.now });
    const ledger = switchable(this.ledger, () => this.ledgerDown);
    const now = () => this.clock.now;
    const sovereignNodes = () => [...this.sovereignNodes.objects.values()];
    const nodesOf = (cluster: string) => [...this.memberNodes.nodes.entries()].filter(([k]) => k.startsWith(`${cluster}/`)).map(([, n]) => structuredClone(n));
    const reachable = (cluster: string) => {
      const api = this.members.get(cluster)!;
      if (api.down) throw Object.assign(new Error(`connect ECONNREFUSED (member ${cluster})`), { code: 'ECONNREFUSED' });
      return api;
    };
    this.reconcilers = {
      node: new SovereignNodeReconciler({
        nodes: this.sovereignNodes,
        memberNodes: this.memberNodes,
        verifier: this.verifier,
        ledger,
        log,
        now,
        retryAfterMs: 1_000,
        // Challenges numbered per world, so the proofs answering them repeat across cases and are signed once.
        newNonce: () => `challenge-${String(++this.challenges).padStart(16, '0')}`,
      }),
      pool: new GpuPoolReconciler({
        pools: this.gpuPools,
        members: { snapshot: async (cluster) => ({ nodes: nodesOf(cluster), pods: reachable(cluster).podList() }), onChange: () => () => undefined },
        memberNodes: this.memberNodes,
        sovereignNodes,
        log,
        now,
      }),
      member: new MemberClusterReconciler({
        memberClusters: this.memberClusters,
        members: { probe: async (cluster) => ({ version: 'v1.34.4', nodes: nodesOf(cluster), pods: reachable(cluster).podList() }) },
        sovereignNodes,
        log,
        unreachableGraceMs: 30_000,
        now,
      }),
      workload: new FederatedWorkloadReconciler({
        workloads: this.observedWorkloads(),
        federation: () => ({
          memberClusters: [...this.memberClusters.objects.values()],
          sovereignNodes: sovereignNodes(),
          gpuPools: [...this.gpuPools.objects.values()],
          workloads: [...this.workloads.objects.values()],
        }),
        ledger,
        members: new InMemoryMembers(this.members),
        host: { configMap: async () => undefined, secret: async () => undefined },
        events: { emit: async () => undefined },
        trust: config,
        log,
        now,
      }),
    };
  }

  /** The workloads' client, remembering every decision id a status write carries. */
  private observedWorkloads(): FakeKind<FederatedWorkload> {
    const updateStatus = this.workloads.updateStatus.bind(this.workloads);
    this.workloads.updateStatus = async (fw) => {
      const id = fw.status?.decision?.decisionId;
      const key = `${fw.metadata.namespace}/${fw.metadata.name}`;
      const previous = this.workloads.objects.get(key)?.status?.decision?.decisionId;
      const written = await updateStatus(fw);
      if (id) {
        let ids = this.decisionIds.get(key);
        if (!ids) this.decisionIds.set(key, (ids = new Set()));
        ids.add(id);
        if (fw.status?.decision?.ledgerTxId) this.decisionPlacements.set(id, structuredClone(fw.status.decision.placements));
        if (id !== previous) this.decidedInStep.add(key);
      }
      return written;
    };
    return this.workloads;
  }

  static async create(model: FederationModel): Promise<FederationWorld> {
    const config = trustConfigFrom({ issuers: [{ did: keys().issuer.did, name: 'EU trust authority' }], audience: 'urn:cloud-empire:properties' });
    const fs = new CrashFileSystem('/');
    const clock = { now: T0 };
    const store = await EmbeddedLedger.open('/ledger', {
      signer: keys().operator,
      checkpoint: new FileHeadCheckpoint('/head.json', fs),
      fs,
      now: () => clock.now,
    });
    await new SovereigntyLedger(store.connect(EMBEDDED_TRUST_ADMIN_IDENTITY)).syncTrustAnchors(anchorsOf(config));
    // The ledger's transactions follow the world's clock, so it judges expiry as the controllers do.
    const world = new FederationWorld(model, store, config, clock);
    await world.populate();
    return world;
  }

  private async populate(): Promise<void> {
    const tenant = new SovereigntyLedger(this.store.connect(TENANT));
    for (const p of this.model.policies) await tenant.publishPolicy({ ...p, verifiedNodesOnly: true, grantTtlSeconds: 3600 });
    for (const cluster of this.model.clusters) {
      const api = new FakeMemberApi(cluster.name, () =>
        [...this.memberNodes.nodes.entries()].filter(([k]) => k.startsWith(`${cluster.name}/`)).map(([, n]) => n),
      );
      this.members.set(cluster.name, api);
      this.memberClusters.seed({
        apiVersion: API_VERSION,
        kind: 'MemberCluster',
        metadata: { name: cluster.name },
        spec: {
          kubeconfigSecretRef: { name: `${cluster.name}-kubeconfig`, namespace: 'cloud-empire' },
          country: cluster.declaredCountry as 'FR',
          provider: cluster.provider,
        },
      });
      for (const pool of cluster.pools)
        this.gpuPools.seed({
          apiVersion: API_VERSION,
          kind: 'GpuPool',
          metadata: { name: pool.name },
          spec: {
            memberCluster: cluster.name,
            nodeSelector: { matchLabels: { pool: pool.name } },
            resourceName: pool.resourceName,
            model: pool.model,
            provider: cluster.provider,
          },
        });
      for (const node of cluster.nodes) {
        this.memberNodes.add(cluster.name, memberNode(cluster, node));
        this.truth.set(`${cluster.name}/${node.name}`, { cluster, node });
        if (node.credential === 'revoked') setBit(this.statusBits, statusIndex(cluster.name, node.name));
        this.sovereignNodes.seed({
          apiVersion: API_VERSION,
          kind: 'SovereignNode',
          metadata: { name: `${cluster.name}-${node.name}` },
          spec: {
            memberCluster: cluster.name,
            nodeName: node.name,
            did: nodeIdentity(cluster.name, node.name).did,
            credential: await credentialFor(cluster, node, this.model.expiresAfterMs),
          },
        });
      }
    }
    await this.publishStatusList();
    for (const w of this.model.workloads) this.workloads.seed(workloadObject(w, this.model));
  }

  private async publishStatusList(): Promise<void> {
    const list = { ...newStatusListFile(STATUS_LIST_URL), encodedList: encodeBitstring(this.statusBits) };
    const now = Math.floor(this.clock.now / 1000);
    this.statusListJwt = await once(`list/${list.encodedList}/${now}`, () => publishStatusList(keys().issuer.key, list, 30 * 86_400, now));
  }

  /** The world as an operator's start leaves it: nodes verified, pools counted, members probed. */
  async start(): Promise<void> {
    await this.step({ kind: 'verifyNodes' });
    await this.step({ kind: 'countPools' });
    await this.step({ kind: 'probeMembers' });
  }

  async step(step: Step): Promise<void> {
    this.decidedInStep.clear();
    const clusters = this.model.clusters;
    switch (step.kind) {
      case 'verifyNodes':
        this.forged.clear();
        for (const key of [...this.sovereignNodes.objects.keys()]) {
          await this.reconcilers.node.reconcile(key, signal);
          // The node agent answers a new challenge with a proof of possession, and the operator judges it.
          if (await this.answerChallenge(key)) await this.reconcilers.node.reconcile(key, signal);
          const sn = this.sovereignNodes.objects.get(key)!;
          // The operator has acted on what it knows once the member Node carries the marks.
          if (sn.status?.conditions?.find((c) => c.type === 'NodeBound')?.status === 'True')
            this.truth.get(`${sn.spec.memberCluster}/${sn.spec.nodeName}`)!.lastVerifiedAt = this.clock.now;
        }
        return;
      case 'countPools':
        for (const key of [...this.gpuPools.objects.keys()]) await this.reconcilers.pool.reconcile(key);
        return;
      case 'probeMembers':
        for (const key of [...this.memberClusters.objects.keys()]) await this.reconcilers.member.reconcile(key);
        return;
      case 'reconcileWorkload': {
        const w = this.model.workloads[step.workload % this.model.workloads.length];
        await this.reconcilers.workload.reconcile(`${NAMESPACE}/${w.name}`);
        return;
      }
      case 'deleteWorkload': {
        const w = this.model.workloads[step.workload % this.model.workloads.length];
        if (this.workloads.objects.has(`${NAMESPACE}/${w.name}`)) await this.workloads.delete(`${NAMESPACE}/${w.name}`);
        return;
      }
      case 'settleMembers':
        for (const api of this.members.values()) api.settle();
        return;
      case 'revoke': {
        const cluster = clusters[step.cluster % clusters.length];
        const node = cluster.nodes[step.node % cluster.nodes.length];
        const truth = this.truth.get(`${cluster.name}/${node.name}`)!;
        if (truth.revokedAt !== undefined || node.credential === 'revoked') return;
        truth.revokedAt = this.clock.now;
        setBit(this.statusBits, statusIndex(cluster.name, node.name));
        await this.publishStatusList();
        // The verifier's cached list may be as old as the trust configuration allows: the revocation shows once that has passed.
        this.clock.now += this.config.statusListMaxAgeSeconds * 1000 + 1_000;
        return;
      }
      case 'ledger':
        this.ledgerDown = !step.up;
        return;
      case 'member':
        this.members.get(clusters[step.cluster % clusters.length].name)!.down = !step.up;
        return;
      case 'tick':
        this.clock.now += step.ms;
        return;
      case 'forgeStatus': {
        const cluster = clusters[step.cluster % clusters.length];
        const node = cluster.nodes[step.node % cluster.nodes.length];
        const key = `${cluster.name}-${node.name}`;
        const sn = this.sovereignNodes.objects.get(key)!;
        const verified = {
          type: 'Verified',
          status: 'True' as const,
          reason: 'Verified',
          message: 'forged',
          observedGeneration: sn.metadata.generation,
          lastTransitionTime: new Date(this.clock.now).toISOString(),
        };
        const conditions = [...(sn.status?.conditions ?? []).filter((c) => c.type !== 'Verified'), verified];
        const forged = { countryCode: step.country as 'FR', jurisdiction: 'EU', expiresAt: new Date(this.clock.now + 86_400_000).toISOString(), conditions };
        await this.sovereignNodes.updateStatus({ ...structuredClone(sn), status: { ...sn.status, ...forged } });
        this.forged.add(key);
        return;
      }
    }
  }

  /** Signs the published challenge with the node's DID key into spec.proof, unless the proof already answers it. */
  private async answerChallenge(key: string): Promise<boolean> {
    const sn = this.sovereignNodes.objects.get(key)!;
    const nonce = sn.status?.challenge?.nonce;
    if (!nonce || this.proofs.get(key) === nonce) return false;
    this.proofs.set(key, nonce);
    const now = Math.floor(this.clock.now / 1000);
    const nodeKey = nodeIdentity(sn.spec.memberCluster, sn.spec.nodeName).key;
    const proof = await once(`proof/${nodeKey.kid}/${nonce}/${now}`, () => proveNode(nodeKey, nonce, this.config.audience, now));
    await this.sovereignNodes.update({ ...structuredClone(sn), spec: { ...sn.spec, proof } });
    return true;
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
