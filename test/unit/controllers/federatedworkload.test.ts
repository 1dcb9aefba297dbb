// The FederatedWorkload reconciler against in-memory members, host and
// ledger: fail closed, replay after a restart, suspend, stale removal order,
// deletion, failover and failback.
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import type { FederatedWorkload, MemberCluster } from '../../../src/api/generated/types.ts';
import { FederatedWorkloadKind } from '../../../src/api/schema/federatedworkload.ts';
import { LABEL_WORKLOAD, refKey, type MemberObject, type ObjectRef, type OwnedObject } from '../../../src/cluster/propagation/index.ts';
import type { MemberWorkload } from '../../../src/cluster/propagation/status.ts';
import { FederatedWorkloadReconciler } from '../../../src/controllers/federatedworkload.ts';
import type { HostDependencies, MemberWorkloads, WorkloadEvents } from '../../../src/controllers/federatedworkload-members.ts';
import {
  decisionId,
  failbackDue,
  FEDERATED_WORKLOAD_FINALIZER,
  memberClusterChanges,
  planDecision,
  shareOf,
  TAINT_UNREACHABLE,
  unacknowledgedDecisions,
  wokenByMemberChange,
} from '../../../src/controllers/federatedworkload-status.ts';
import {
  LedgerContractError,
  LedgerUnavailableError,
  type DatasetPolicy,
  type PlacementRequest,
  type RecordedDecision,
  type RecordedRemoval,
  type RemovalRequest,
} from '../../../src/ledger/ledger.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { trustConfigFrom } from '../../../src/trust/anchors.ts';
import type { FederationObjects } from '../../../src/scheduler/snapshot-builder.ts';
import { FakeKind } from '../../helpers/fake-kube.ts';
import { federation, member, NOW, workload } from '../scheduler/fixtures.ts';

const log = createLogger({ level: 'error' });
const trust = trustConfigFrom({ issuers: [{ did: 'did:key:zIssuer', name: 'issuer' }], audience: 'urn:test' });
const KEY = 'team/app';
const condition = (fw: FederatedWorkload | undefined, type: string) => fw?.status?.conditions?.find((c) => c.type === type);

/** Members as maps of objects; `down` clusters refuse every call as a stopped API server does. */
class FakeMembers implements MemberWorkloads {
  readonly objects = new Map<string, Map<string, MemberObject & { status?: unknown; deleting?: boolean }>>();
  readonly down = new Set<string>();
  readonly calls: string[] = [];
  /** Deletions that take one more prune to finish (a Job waiting for its pods). */
  slowDeletes = false;

  private of(cluster: string) {
    if (this.down.has(cluster)) throw Object.assign(new Error(`connect ECONNREFUSED (${cluster})`), { code: 'ECONNREFUSED' });
    let objects = this.objects.get(cluster);
    if (!objects) this.objects.set(cluster, (objects = new Map()));
    return objects;
  }

  async apply(cluster: string, objects: readonly MemberObject[]): Promise<void> {
    const stored = this.of(cluster);
    for (const object of objects) {
      this.calls.push(`apply ${cluster} ${object.kind}/${object.metadata.name}`);
      const key = refKey({ apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name });
      stored.set(key, { ...structuredClone(object), status: stored.get(key)?.status });
    }
  }

  async prune(cluster: string, workload: string, keep: readonly ObjectRef[]): Promise<OwnedObject[]> {
    const stored = this.of(cluster);
    const wanted = new Set(keep.map(refKey));
    const left: OwnedObject[] = [];
    for (const [key, object] of stored) {
      if (object.metadata.labels[LABEL_WORKLOAD] !== workload || wanted.has(key)) continue;
      this.calls.push(`delete ${cluster} ${object.kind}/${object.metadata.name}`);
      const isWorkload = ['Deployment', 'StatefulSet', 'Job'].includes(object.kind);
      if (isWorkload && this.slowDeletes && !object.deleting) {
        object.deleting = true;
        left.push({
          apiVersion: object.apiVersion,
          kind: object.kind,
          namespace: object.metadata.namespace,
          name: object.metadata.name,
          uid: key,
          workload,
          deleting: true,
        });
      } else stored.delete(key);
    }
    return left;
  }

  async read(cluster: string, ref: ObjectRef): Promise<MemberWorkload | undefined> {
    const object = this.of(cluster).get(refKey(ref));
    return object && (structuredClone(object) as unknown as MemberWorkload);
  }

  /** The member's controllers report the object converged. */
  converge(cluster: string, status: unknown): void {
    for (const object of this.objects.get(cluster)?.values() ?? []) if (object.kind !== 'ConfigMap' && object.kind !== 'Secret') object.status = status;
  }

  kinds(cluster: string): string[] {
    return [...(this.objects.get(cluster)?.values() ?? [])].map((o) => `${o.kind}/${o.metadata.name}`).sort();
  }
}

/** The ledger's Placement contract in memory: approves unless `refuse` names a cluster, refuses replays like the chaincode. */
class FakeLedger {
  readonly records = new Map<string, RecordedDecision>();
  readonly removals: RemovalRequest[] = [];
  down = false;
  refuse = new Set<string>();
  authorized = 0;
  private tx = 0;

  private verdict(request: PlacementRequest) {
    const targets = request.targets.map((t) => ({
      cluster: t.cluster,
      ...(t.pool && { pool: t.pool }),
      approved: !this.refuse.has(t.cluster),
      reasons: this.refuse.has(t.cluster) ? [{ code: 'CountryNotAllowed' as const, message: `dataset patients may not be processed in ${t.countryCode}` }] : [],
    }));
    return {
      decisionId: request.decisionId,
      workload: request.workload,
      purpose: request.purpose,
      datasets: request.datasets,
      approved: targets.some((t) => t.approved),
      targets,
      evaluatedAt: new Date(NOW).toISOString(),
    };
  }

  authorizePlacement = async (request: PlacementRequest) => {
    if (this.down) throw new LedgerUnavailableError('the ledger did not answer');
    this.authorized++;
    return this.verdict(request);
  };

  recordPlacement = async (request: PlacementRequest) => {
    if (this.down) throw new LedgerUnavailableError('the ledger did not answer');
    const existing = this.records.get(request.decisionId);
    if (existing) throw new LedgerContractError('DecisionReplayed', `decision ${request.decisionId} was recorded by transaction ${existing.txId}`);
    const recorded = { ...this.verdict(request), txId: `tx-${++this.tx}`, recordedBy: 'operator', grants: [] };
    this.records.set(request.decisionId, recorded);
    return recorded;
  };

  getDecision = async (id: string) => {
    const recorded = this.records.get(id);
    if (!recorded) throw new LedgerContractError('NotFound', `no decision ${id}`);
    return recorded;
  };

  readonly policies = new Map<string, DatasetPolicy>();
  getPolicy = async (id: string) => {
    if (this.down) throw new LedgerUnavailableError('the ledger did not answer');
    const policy = this.policies.get(id);
    if (!policy) throw new LedgerContractError('NotFound', `no policy for dataset ${id}`);
    return policy;
  };

  /** Like the chaincode: a decision is closed once, a second call returns the first record. */
  recordRemoval = async (removal: RemovalRequest): Promise<RecordedRemoval> => {
    if (this.down) throw new LedgerUnavailableError('the ledger did not answer');
    if (!this.records.has(removal.decisionId)) throw new LedgerContractError('NotFound', `no decision ${removal.decisionId}`);
    const first = this.removals.find((r) => r.decisionId === removal.decisionId);
    if (!first) this.removals.push(removal);
    return { ...(first ?? removal), removedAt: new Date(NOW).toISOString(), txId: `tx-${++this.tx}`, recordedBy: 'operator' };
  };
}

class FakeHost implements HostDependencies {
  readonly configMaps = new Map<string, V1ConfigMap>();
  async configMap(namespace: string, name: string) {
    return this.configMaps.get(`${namespace}/${name}`);
  }
  async secret(): Promise<V1Secret | undefined> {
    return undefined;
  }
}

class FakeEvents implements WorkloadEvents {
  readonly events: string[] = [];
  async emit(_fw: FederatedWorkload, type: string, reason: string) {
    this.events.push(`${type} ${reason}`);
  }
}

function world(
  fw: FederatedWorkload,
  clusters = [member('paris', { country: 'FR' }), member('madrid', { country: 'ES' }), member('warsaw', { country: 'PL' })],
) {
  const workloads = new FakeKind<FederatedWorkload>(FederatedWorkloadKind);
  workloads.seed(fw);
  const fed: { objects: FederationObjects } = { objects: federation(clusters) };
  const members = new FakeMembers();
  const ledger = new FakeLedger();
  const host = new FakeHost();
  const events = new FakeEvents();
  const clock = { now: NOW };
  const reconciler = () =>
    new FederatedWorkloadReconciler({
      workloads,
      federation: () => ({ ...fed.objects, workloads: [...workloads.objects.values()] }),
      ledger,
      members,
      host,
      events,
      trust,
      log,
      now: () => clock.now,
    });
  const reconcile = () => reconciler().reconcile(KEY);
  const taint = (cluster: string, tainted: boolean) => {
    fed.objects = {
      ...fed.objects,
      memberClusters: fed.objects.memberClusters.map((m): MemberCluster => {
        if (m.metadata.name !== cluster) return m;
        const taints = tainted ? [{ key: TAINT_UNREACHABLE, effect: 'NoSchedule' as const }] : [];
        const ready = {
          type: 'Ready',
          status: tainted ? ('False' as const) : ('True' as const),
          reason: tainted ? 'Unreachable' : 'Reachable',
          message: '',
          lastTransitionTime: new Date(clock.now).toISOString(),
        };
        return { ...m, spec: { ...m.spec, taints }, status: { ...m.status, conditions: [ready] } };
      }),
    };
  };
  return { workloads, fed, members, ledger, host, events, clock, reconcile, reconciler, taint, get: () => workloads.get(KEY) };
}

const spread = (replicas = 3) =>
  workload({
    replicas,
    placement: { spreadConstraints: [{ by: 'cluster', minGroups: 3 }], replicaScheduling: { type: 'Divided', divisionPreference: 'Balanced' } },
  });

describe('FederatedWorkload reconciler', () => {
  it('records the decision on the ledger before touching any member, then propagates and reports Ready', async () => {
    const w = world(spread());
    // The status write carrying the decision must come before the first member call.
    let membersAtDecision = -1;
    const updateStatus = w.workloads.updateStatus.bind(w.workloads);
    w.workloads.updateStatus = async (o) => {
      if (membersAtDecision < 0 && o.status?.decision?.ledgerTxId) membersAtDecision = w.members.calls.length;
      return updateStatus(o);
    };
    await w.reconcile();
    expect(membersAtDecision).toBe(0);
    const fw = await w.get();
    expect(fw?.metadata.finalizers).toContain(FEDERATED_WORKLOAD_FINALIZER);
    expect(fw?.status?.decision).toMatchObject({ ledgerTxId: 'tx-1', decisionId: expect.stringMatching(/^team\.app\./) });
    expect(fw?.status?.decision?.placements.map((p) => `${p.cluster}:${p.replicas}`).sort()).toEqual(['madrid:1', 'paris:1', 'warsaw:1']);
    expect(condition(fw, 'Scheduled')).toMatchObject({ status: 'True', reason: 'Placed', observedGeneration: 1 });
    expect(condition(fw, 'Ready')).toMatchObject({ status: 'False' });
    for (const cluster of ['paris', 'madrid', 'warsaw']) expect(w.members.kinds(cluster)).toEqual(['Deployment/app']);
    expect(w.events.events).toEqual(['Normal Placed']);

    for (const cluster of ['paris', 'madrid', 'warsaw'])
      w.members.converge(cluster, { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1 });
    const result = await w.reconcile();
    const ready = await w.get();
    expect(condition(ready, 'Ready')).toMatchObject({ status: 'True', reason: 'AllClustersReady' });
    expect(ready?.status).toMatchObject({ replicas: 3, readyReplicas: 3 });
    expect(result.requeueAfterMs).toBe(60_000);
    // Steady state: no new decision, no status write.
    const writes = w.workloads.statusWrites();
    await w.reconcile();
    expect(w.ledger.records.size).toBe(1);
    expect(w.workloads.statusWrites()).toBe(writes);
  });

  it('an unchanged, fully propagated workload is only observed until the resync, a member that returns or a new generation', async () => {
    const w = world(spread());
    const one = w.reconciler();
    await one.reconcile(KEY);
    const writes = () => w.members.calls.filter((c) => c.startsWith('apply')).length;
    const applied = writes();
    await one.reconcile(KEY);
    expect(writes()).toBe(applied);
    w.clock.now += 61_000;
    await one.reconcile(KEY);
    expect(writes()).toBe(applied + 3);
    const fw = (await w.get())!;
    await w.workloads.update({ ...fw, spec: { ...fw.spec, template: { ...fw.spec.template, metadata: { labels: { rollout: '2' } } } } });
    await one.reconcile(KEY);
    expect(writes()).toBe(applied + 6);
    expect(w.members.objects.get('paris')!.values().next().value!.metadata.labels.rollout).toBe('2');
  });

  it('creates nothing in any member when the ledger refuses a target, and says why', async () => {
    const w = world(spread());
    w.ledger.refuse.add('madrid');
    const result = await w.reconcile();
    const fw = await w.get();
    expect(condition(fw, 'Scheduled')).toMatchObject({
      status: 'False',
      reason: 'LedgerRefused',
      message: expect.stringContaining('madrid: CountryNotAllowed (dataset patients may not be processed in ES)'),
    });
    expect(fw?.status?.decision?.ledgerTxId).toBeUndefined();
    expect(w.members.calls).toEqual([]);
    expect(w.ledger.records.size).toBe(0);
    expect(w.events.events).toEqual(['Warning LedgerRefused']);
    expect(result.requeueAfterMs).toBe(5_000);
  });

  it("proposes only clusters the dataset owner's published policy allows, and names the refusal", async () => {
    const w = world(workload({ replicas: 1, dataAccess: { datasets: ['patients'], purpose: 'inference' } }));
    const base = {
      allowedJurisdictions: ['EU'],
      allowedProviders: [],
      allowedPurposes: ['inference'],
      verifiedNodesOnly: true,
      grantTtlSeconds: 3600,
      ownerMsp: 'HospitalMSP',
      version: 1,
      updatedAt: '2026-11-30T00:00:00Z',
      updatedBy: 'HospitalMSP/steward',
    };
    w.ledger.policies.set('patients', { datasetId: 'patients', allowedCountries: ['ES'], ...base });
    await w.reconcile();
    let fw = await w.get();
    expect(fw?.status?.decision?.placements.map((p) => p.cluster)).toEqual(['madrid']);
    expect(w.members.kinds('madrid')).toEqual(['Deployment/app']);
    // The owner allows no country the federation has: nothing is proposed to the ledger, nothing is created.
    const other = world(workload({ name: 'app', replicas: 1, dataAccess: { datasets: ['patients'], purpose: 'inference' } }));
    other.ledger.policies.set('patients', { datasetId: 'patients', allowedCountries: ['DE'], ...base });
    await other.reconcile();
    fw = await other.get();
    expect(condition(fw, 'Scheduled')).toMatchObject({ status: 'False', message: expect.stringContaining('dataset patients may be placed in DE, not FR') });
    expect(other.ledger.authorized).toBe(0);
    expect(other.members.calls).toEqual([]);
  });

  it('with the ledger down places nothing new, leaves running members untouched, and goes through when it returns', async () => {
    const w = world(spread());
    await w.reconcile();
    const before = w.members.calls.length;
    // A template change needs no ledger; a new share does: drop a cluster's nodes.
    w.ledger.down = true;
    w.fed.objects = { ...w.fed.objects, sovereignNodes: w.fed.objects.sovereignNodes.filter((n) => n.spec.memberCluster !== 'warsaw') };
    w.fed.objects = {
      ...w.fed.objects,
      memberClusters: [...w.fed.objects.memberClusters, member('berlin', { country: 'DE' }).member],
      sovereignNodes: [...w.fed.objects.sovereignNodes, ...member('berlin', { country: 'DE' }).nodes],
    };
    const result = await w.reconcile();
    let fw = await w.get();
    expect(condition(fw, 'Scheduled')).toMatchObject({ status: 'False', reason: 'LedgerUnavailable' });
    expect(fw?.status?.decision?.placements.map((p) => p.cluster).sort()).toEqual(['madrid', 'paris', 'warsaw']);
    expect(w.members.calls.slice(before).filter((c) => c.includes('berlin'))).toEqual([]);
    expect(w.members.kinds('warsaw')).toEqual(['Deployment/app']);
    expect(result.requeueAfterMs).toBe(5_000);

    w.ledger.down = false;
    await w.reconcile();
    fw = await w.get();
    expect(condition(fw, 'Scheduled')).toMatchObject({ status: 'True' });
    expect(fw?.status?.decision?.placements.map((p) => p.cluster).sort()).toEqual(['berlin', 'madrid', 'paris']);
    expect(w.members.kinds('berlin')).toEqual(['Deployment/app']);
    expect(w.members.kinds('warsaw')).toEqual([]);
  });

  it('after a restart between RecordPlacement and the status write, finds its own decision and records nothing twice', async () => {
    const w = world(spread());
    const updateStatus = w.workloads.updateStatus.bind(w.workloads);
    let crash = true;
    w.workloads.updateStatus = async (o) => {
      if (crash && o.status?.decision?.ledgerTxId) throw new Error('operator killed');
      return updateStatus(o);
    };
    await expect(w.reconcile()).rejects.toThrow('operator killed');
    expect(w.ledger.records.size).toBe(1);
    expect(w.members.calls).toEqual([]);
    crash = false;
    await w.reconcile();
    const fw = await w.get();
    expect(w.ledger.records.size).toBe(1);
    expect(fw?.status?.decision?.ledgerTxId).toBe([...w.ledger.records.values()][0].txId);
    expect(w.members.kinds('paris')).toEqual(['Deployment/app']);
  });

  it('a decision id is the same for the same share and changes with the previous decision (A → B → A is recorded again)', () => {
    const fw = { ...spread(), metadata: { ...spread().metadata, uid: 'u1' } };
    const decision = { placements: [{ cluster: 'paris', replicas: 1, country: 'FR', provider: 'p', nodes: [] }] } as never;
    expect(decisionId(fw, decision)).toBe(decisionId(structuredClone(fw), decision));
    const later = { ...fw, status: { decision: { placements: [], ledgerTxId: 'tx-7' } } };
    expect(decisionId(later, decision)).not.toBe(decisionId(fw, decision));
    expect(
      shareOf([
        { cluster: 'b', replicas: 1 },
        { cluster: 'a', replicas: 2 },
      ]),
    ).toBe(
      shareOf([
        { cluster: 'a', replicas: 2 },
        { cluster: 'b', replicas: 1 },
      ]),
    );
  });

  it('suspended: keeps the decision, creates nothing new and changes nothing', async () => {
    const w = world(spread());
    await w.reconcile();
    const fw = (await w.get())!;
    await w.workloads.update({ ...fw, spec: { ...fw.spec, suspend: true, template: { ...fw.spec.template, metadata: { labels: { changed: 'yes' } } } } });
    w.fed.objects = { ...w.fed.objects, sovereignNodes: w.fed.objects.sovereignNodes.filter((n) => n.spec.memberCluster !== 'warsaw') };
    const calls = w.members.calls.length;
    await w.reconcile();
    const suspended = await w.get();
    expect(w.members.calls.slice(calls)).toEqual([]);
    expect(w.ledger.records.size).toBe(1);
    expect(suspended?.status?.decision?.placements.map((p) => p.cluster).sort()).toEqual(['madrid', 'paris', 'warsaw']);
    expect(condition(suspended, 'Progressing')).toMatchObject({ status: 'False', reason: 'Suspended', observedGeneration: 2 });
  });

  it('a Job moved to another cluster waits until its old copy is gone before it is created there', async () => {
    const job = workload({
      kind: 'Job',
      parallelism: 1,
      completions: 1,
      placement: { clusterAffinity: { clusterNames: ['paris', 'madrid'] }, replicaScheduling: { type: 'Divided', divisionPreference: 'Aggregated' } },
    });
    const w = world(job, [member('paris', { country: 'FR' }), member('madrid', { country: 'ES' })]);
    await w.reconcile();
    const first = (await w.get())!.status!.decision!.placements[0].cluster;
    const other = first === 'paris' ? 'madrid' : 'paris';
    expect(w.members.kinds(first)).toEqual(['Job/app']);
    // Its verified node is revoked: the share must move.
    w.fed.objects = { ...w.fed.objects, sovereignNodes: w.fed.objects.sovereignNodes.filter((n) => n.spec.memberCluster !== first) };
    w.members.slowDeletes = true;
    const mark = w.members.calls.length;
    await w.reconcile();
    let fw = await w.get();
    expect(fw?.status?.decision?.placements.map((p) => p.cluster)).toEqual([other]);
    expect(w.members.calls.slice(mark)).toEqual([`delete ${first} Job/app`]);
    expect(w.members.kinds(other)).toEqual([]);
    expect(condition(fw, 'Progressing')).toMatchObject({ status: 'True', reason: 'RemovingStale' });
    await w.reconcile();
    fw = await w.get();
    expect(w.members.kinds(first)).toEqual([]);
    expect(w.members.kinds(other)).toEqual(['Job/app']);
    const calls = w.members.calls.slice(mark);
    expect(calls.indexOf(`delete ${first} Job/app`)).toBeLessThan(calls.indexOf(`apply ${other} Job/app`));
  });

  it('propagates the ConfigMaps the template references and removes them with the workload on deletion; records the removal', async () => {
    const fw = spread();
    fw.spec.template.spec.template = {
      spec: { containers: [{ name: 'app', image: 'registry.example.eu/app:1', envFrom: [{ configMapRef: { name: 'settings' } }] }] },
    };
    const w = world(fw);
    w.host.configMaps.set('team/settings', { metadata: { name: 'settings', namespace: 'team' }, data: { MODE: 'eu' } });
    await w.reconcile();
    expect(w.members.kinds('paris')).toEqual(['ConfigMap/settings', 'Deployment/app']);
    await w.workloads.delete(KEY);
    w.members.down.add('madrid');
    await w.reconcile();
    let deleting = await w.get();
    expect(deleting?.metadata.finalizers).toContain(FEDERATED_WORKLOAD_FINALIZER);
    expect(condition(deleting, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'Terminating',
      message: expect.stringContaining('madrid: cannot be reached'),
    });
    expect(w.ledger.removals).toEqual([]);
    w.members.down.delete('madrid');
    await w.reconcile();
    deleting = await w.get();
    expect(deleting).toBeUndefined();
    for (const cluster of ['paris', 'madrid', 'warsaw']) expect(w.members.kinds(cluster)).toEqual([]);
    expect(w.ledger.removals).toEqual([
      expect.objectContaining({ decisionId: fw.metadata.name && expect.stringMatching(/^team\.app\./), reason: 'WorkloadDeleted' }),
    ]);
  });

  it('a workload that fits nowhere is Scheduled=False with per-cluster reasons and nothing in any member', async () => {
    const w = world(workload({ replicas: 1, placement: { countries: { include: ['IT'] } } }));
    await w.reconcile();
    const fw = await w.get();
    expect(condition(fw, 'Scheduled')).toMatchObject({ status: 'False', message: expect.stringMatching(/paris: CountryNotAllowed/) });
    expect(fw?.status?.decision?.refused?.map((r) => r.cluster).sort()).toEqual(['madrid', 'paris', 'warsaw']);
    expect(w.members.calls).toEqual([]);
    expect(w.ledger.authorized).toBe(0);
  });

  it('fails over an unreachable member, removes the stale copy when it returns, and fails back only when asked', async () => {
    const fw = workload({
      replicas: 2,
      placement: {
        clusterAffinity: { clusterNames: ['paris', 'madrid'] },
        replicaScheduling: { type: 'Divided', divisionPreference: 'Aggregated' },
        failback: { policy: 'WhenRecovered', stabilizationSeconds: 60 },
      },
    });
    const w = world(fw, [member('paris', { country: 'FR' }), member('madrid', { country: 'ES' })]);
    await w.reconcile();
    const home = (await w.get())!.status!.decision!.placements[0].cluster;
    const away = home === 'paris' ? 'madrid' : 'paris';
    w.members.down.add(home);
    w.taint(home, true);
    await w.reconcile();
    let moved = await w.get();
    expect(moved?.status?.decision?.placements.map((p) => p.cluster)).toEqual([away]);
    expect(moved?.status?.failover).toMatchObject({ from: [home] });
    expect(condition(moved, 'Scheduled')).toMatchObject({ reason: 'FailedOver' });
    expect(w.events.events).toContain('Warning FailedOver');
    expect(w.members.kinds(away)).toEqual(['Deployment/app']);

    // Back, but not yet stable: the stale copy goes, the share stays away, the condition still says why it moved.
    w.members.down.delete(home);
    w.taint(home, false);
    await w.reconcile();
    moved = await w.get();
    expect(condition(moved, 'Scheduled')).toMatchObject({ status: 'True', reason: 'FailedOver' });
    expect(w.members.kinds(home)).toEqual([]);
    expect(moved?.status?.decision?.placements.map((p) => p.cluster)).toEqual([away]);
    expect(failbackDue(moved!, w.fed.objects.memberClusters, w.clock.now)).toBe(false);
    w.clock.now += 61_000;
    expect(failbackDue(moved!, w.fed.objects.memberClusters, w.clock.now)).toBe(true);
    // With Never it would stay: stability keeps the current share.
    const never = { ...moved!, spec: { ...moved!.spec, placement: { ...moved!.spec.placement, failback: { policy: 'Never' as const } } } };
    expect(failbackDue(never, w.fed.objects.memberClusters, w.clock.now)).toBe(false);
  });
});

// Found by the churn soak (bench/soak): a workload scaled to 0 replicas asked
// the ledger to approve an empty placement, which it never does, and stayed
// Scheduled=False LedgerRefused with its old replicas running in the members.
describe('FederatedWorkload scaled to zero', () => {
  const scale = async (w: ReturnType<typeof world>, replicas: number) => {
    const fw = (await w.get())!;
    await w.workloads.update({ ...fw, spec: { ...fw.spec, template: { ...fw.spec.template, spec: { ...fw.spec.template.spec, replicas } } } });
  };

  it('records the end of the placement, empties every member, and places again when scaled back up', async () => {
    const w = world(spread());
    await w.reconcile();
    const placed = (await w.get())!.status!.decision!;
    expect(placed.placements).toHaveLength(3);
    const authorized = w.ledger.authorized;

    await scale(w, 0);
    await w.reconcile();
    const empty = await w.get();
    expect(condition(empty, 'Scheduled')).toMatchObject({ status: 'True', reason: 'ScaledToZero', observedGeneration: 2 });
    expect(empty?.status?.decision?.placements).toEqual([]);
    expect(empty?.status?.decision?.ledgerTxId).toBeUndefined();
    for (const cluster of ['paris', 'madrid', 'warsaw']) expect(w.members.kinds(cluster)).toEqual([]);
    expect(w.ledger.removals).toEqual([expect.objectContaining({ decisionId: placed.decisionId, reason: 'ScaledToZero' })]);
    expect(w.ledger.authorized).toBe(authorized);

    // Level-based: looking again records nothing more.
    await w.reconcile();
    expect(w.ledger.removals).toHaveLength(1);

    await scale(w, 3);
    await w.reconcile();
    const again = await w.get();
    expect(condition(again, 'Scheduled')).toMatchObject({ status: 'True', reason: 'Placed' });
    // The same share as the first decision, but not its (closed) record replayed: a new decision, recorded.
    expect(again?.status?.decision?.decisionId).not.toBe(placed.decisionId);
    expect(w.ledger.records.size).toBe(2);
    expect(again?.status?.decision?.ledgerTxId).toBe(w.ledger.records.get(again!.status!.decision!.decisionId!)!.txId);
    expect(again?.status?.decision?.placements.reduce((a, p) => a + p.replicas, 0)).toBe(3);
    for (const cluster of ['paris', 'madrid', 'warsaw']) expect(w.members.kinds(cluster)).toEqual(['Deployment/app']);
  });

  it('keeps the recorded placement running while the ledger cannot record its end', async () => {
    const w = world(spread());
    await w.reconcile();
    await scale(w, 0);
    w.ledger.down = true;
    await w.reconcile();
    const fw = await w.get();
    expect(condition(fw, 'Scheduled')).toMatchObject({ status: 'False', reason: 'LedgerUnavailable' });
    expect(fw?.status?.decision?.ledgerTxId).toBe('tx-1');
    for (const cluster of ['paris', 'madrid', 'warsaw']) expect(w.members.kinds(cluster)).toEqual(['Deployment/app']);
    w.ledger.down = false;
    await w.reconcile();
    for (const cluster of ['paris', 'madrid', 'warsaw']) expect(w.members.kinds(cluster)).toEqual([]);
  });
});

// A decision recorded on the ledger but never acknowledged in status (the operator stopped in between) used to
// stay open when the workload was then deleted or decided anew: nothing on the host named it. The pending id is
// now stored before RecordPlacement; the next decision and the finalizer acknowledge or close it.
describe('FederatedWorkload decisions recorded but never acknowledged', () => {
  /** The operator stops right after RecordPlacement: the status write naming the decision never happens. */
  const stopAfterRecord = (w: ReturnType<typeof world>) => {
    const updateStatus = w.workloads.updateStatus.bind(w.workloads);
    const state = { stopped: true };
    w.workloads.updateStatus = async (o) => {
      // The write that names the recorded decision (and drops the pending id); the pending write itself goes through.
      if (state.stopped && o.status?.decision?.ledgerTxId && !o.status.pendingDecision) throw new Error('operator killed');
      return updateStatus(o);
    };
    return state;
  };
  const moveTo = async (w: ReturnType<typeof world>, clusters: string[]) => {
    const fw = (await w.get())!;
    // Spread over exactly the named clusters.
    const spreadConstraints = [{ by: 'cluster' as const, minGroups: clusters.length }];
    await w.workloads.update({
      ...fw,
      spec: { ...fw.spec, placement: { ...fw.spec.placement, spreadConstraints, clusterAffinity: { clusterNames: clusters } } },
    });
  };

  it('stores the pending id before RecordPlacement, and clears it in the same write that names the decision', async () => {
    const w = world(spread());
    const pendingAtRecord: (string | undefined)[] = [];
    const record = w.ledger.recordPlacement;
    w.ledger.recordPlacement = async (request) => {
      pendingAtRecord.push((await w.get())?.status?.pendingDecision?.decisionId);
      return record(request);
    };
    await w.reconcile();
    const fw = await w.get();
    expect(pendingAtRecord).toEqual([fw?.status?.decision?.decisionId]);
    expect(fw?.status?.pendingDecision).toBeUndefined();
  });

  it('does not record when the pending id cannot be stored', async () => {
    const w = world(spread());
    const updateStatus = w.workloads.updateStatus.bind(w.workloads);
    w.workloads.updateStatus = async (o) => {
      if (o.status?.pendingDecision) throw Object.assign(new Error('conflict'), { code: 409 });
      return updateStatus(o);
    };
    await expect(w.reconcile()).rejects.toThrow('conflict');
    expect(w.ledger.records.size).toBe(0);
    expect(w.members.calls).toEqual([]);
  });

  it('killed after RecordPlacement, then deleted: the finalizer closes the recorded decision (NeverApplied), exactly once', async () => {
    const w = world(spread());
    stopAfterRecord(w);
    await expect(w.reconcile()).rejects.toThrow('operator killed');
    const [recorded] = [...w.ledger.records.keys()];
    expect((await w.get())?.status).toMatchObject({ pendingDecision: { decisionId: recorded } });
    expect((await w.get())?.status?.decision?.ledgerTxId).toBeUndefined();
    await w.workloads.delete(KEY);
    w.ledger.down = true;
    await w.reconcile();
    expect(condition(await w.get(), 'Ready')).toMatchObject({
      reason: 'Terminating',
      message: expect.stringContaining('the ledger cannot record the removal'),
    });
    w.ledger.down = false;
    await w.reconcile();
    expect(await w.get()).toBeUndefined();
    expect(w.ledger.removals).toEqual([expect.objectContaining({ decisionId: recorded, reason: 'NeverApplied' })]);
    expect(w.members.calls).toEqual([]);
  });

  it('killed after RecordPlacement of a new share, then deleted: both the running decision and the unacknowledged one are closed', async () => {
    const w = world(spread());
    await w.reconcile();
    const running = (await w.get())!.status!.decision!.decisionId!;
    stopAfterRecord(w);
    await moveTo(w, ['paris']);
    await expect(w.reconcile()).rejects.toThrow('operator killed');
    const unacknowledged = [...w.ledger.records.keys()].find((id) => id !== running)!;
    await w.workloads.delete(KEY);
    await w.reconcile();
    expect(await w.get()).toBeUndefined();
    expect(w.ledger.removals.map((r) => `${r.decisionId} ${r.reason}`).sort()).toEqual([`${running} WorkloadDeleted`, `${unacknowledged} NeverApplied`].sort());
  });

  it('killed between storing the pending id and RecordPlacement, then deleted: the ledger never had it, nothing to close', async () => {
    const w = world(spread());
    w.ledger.recordPlacement = async () => {
      throw new Error('operator killed');
    };
    await expect(w.reconcile()).rejects.toThrow('operator killed');
    expect((await w.get())?.status?.pendingDecision?.decisionId).toBeDefined();
    await w.workloads.delete(KEY);
    await w.reconcile();
    expect(await w.get()).toBeUndefined();
    expect(w.ledger.removals).toEqual([]);
  });

  it('killed after RecordPlacement, restarted with the same share: acknowledges the record, closes nothing', async () => {
    const w = world(spread());
    const state = stopAfterRecord(w);
    await expect(w.reconcile()).rejects.toThrow('operator killed');
    state.stopped = false;
    await w.reconcile();
    const fw = await w.get();
    expect(w.ledger.records.size).toBe(1);
    expect(fw?.status?.decision?.decisionId).toBe([...w.ledger.records.keys()][0]);
    expect(fw?.status?.pendingDecision).toBeUndefined();
    expect(w.ledger.removals).toEqual([]);
  });

  it('killed after RecordPlacement, then changed: the next decision closes the unacknowledged one first', async () => {
    const w = world(spread());
    const state = stopAfterRecord(w);
    await expect(w.reconcile()).rejects.toThrow('operator killed');
    const [abandoned] = [...w.ledger.records.keys()];
    state.stopped = false;
    await moveTo(w, ['paris']);
    await w.reconcile();
    const fw = await w.get();
    expect(fw?.status?.decision?.placements.map((p) => p.cluster)).toEqual(['paris']);
    expect(fw?.status?.decision?.decisionId).not.toBe(abandoned);
    expect(fw?.status?.pendingDecision).toBeUndefined();
    expect(w.ledger.removals).toEqual([expect.objectContaining({ decisionId: abandoned, reason: 'NeverApplied' })]);
    expect(w.members.kinds('paris')).toEqual(['Deployment/app']);
    expect(w.members.kinds('madrid')).toEqual([]);
  });

  it('a closed pending decision is never replayed, even when the share returns to it', async () => {
    const w = world(spread());
    const state = stopAfterRecord(w);
    await expect(w.reconcile()).rejects.toThrow('operator killed');
    const [abandoned] = [...w.ledger.records.keys()];
    // Moved away: the unacknowledged decision is closed, then the operator stops again before recording the new one.
    const record = w.ledger.recordPlacement;
    w.ledger.recordPlacement = async () => {
      throw new Error('operator killed');
    };
    await moveTo(w, ['paris']);
    await expect(w.reconcile()).rejects.toThrow('operator killed');
    expect(w.ledger.removals).toEqual([expect.objectContaining({ decisionId: abandoned, reason: 'NeverApplied' })]);
    // Back to the first share, at the first share's generation-independent inputs: a fresh id, not the closed one.
    w.ledger.recordPlacement = record;
    state.stopped = false;
    await moveTo(w, ['paris', 'madrid', 'warsaw']);
    await w.reconcile();
    const fw = await w.get();
    expect(fw?.status?.decision?.decisionId).not.toBe(abandoned);
    expect(w.ledger.removals.map((r) => r.decisionId)).not.toContain(fw?.status?.decision?.decisionId);
    expect(w.ledger.removals).toHaveLength(1);
    expect(fw?.status?.pendingDecision).toBeUndefined();
  });

  it('a decision the ledger refused when recording it (after approving it) is not replayed: the next attempt is a new decision', async () => {
    const w = world(spread());
    const record = w.ledger.recordPlacement;
    // Between AuthorizePlacement and RecordPlacement an attestation lapsed: the ledger records a refusal.
    w.ledger.recordPlacement = async (request) => {
      w.ledger.refuse.add('madrid');
      try {
        return await record(request);
      } finally {
        w.ledger.refuse.delete('madrid');
      }
    };
    await w.reconcile();
    const refused = await w.get();
    expect(condition(refused, 'Scheduled')).toMatchObject({ status: 'False', reason: 'LedgerRefused' });
    const [first] = [...w.ledger.records.keys()];
    expect(refused?.status?.pendingDecision).toEqual({ decisionId: first, abandoned: [first] });
    w.ledger.recordPlacement = record;
    await w.reconcile();
    const placed = await w.get();
    expect(condition(placed, 'Scheduled')).toMatchObject({ status: 'True', reason: 'Placed' });
    expect(placed?.status?.decision?.decisionId).not.toBe(first);
    expect(w.ledger.records.size).toBe(2);
    expect(placed?.status?.pendingDecision).toBeUndefined();
    for (const cluster of ['paris', 'madrid', 'warsaw']) expect(w.members.kinds(cluster)).toEqual(['Deployment/app']);
  });

  it('planDecision reuses a pending id of the same decision, abandons any other, and never reuses an abandoned one', () => {
    const decision = (cluster: string) => ({ placements: [{ cluster, replicas: 1, country: 'FR', provider: 'p', nodes: [] }] }) as never;
    const fw = { ...spread(), metadata: { ...spread().metadata, uid: 'u1', generation: 4 } };
    const first = planDecision(fw, decision('paris'));
    expect(first).toEqual({ id: decisionId(fw, decision('paris')), pending: { decisionId: first.id }, close: [] });
    const pendingFirst = { ...fw, status: { pendingDecision: first.pending } };
    expect(planDecision(pendingFirst, decision('paris'))).toEqual(first);
    const moved = planDecision(pendingFirst, decision('madrid'));
    expect(moved.close).toEqual([first.id]);
    expect(moved.pending).toEqual({ decisionId: moved.id, abandoned: [first.id] });
    const back = planDecision({ ...fw, status: { pendingDecision: moved.pending } }, decision('paris'));
    expect(back.close).toEqual([first.id, moved.id]);
    expect([first.id, moved.id]).not.toContain(back.id);
    expect(unacknowledgedDecisions({ ...fw, status: { pendingDecision: back.pending } })).toEqual([first.id, moved.id, back.id]);
    expect(
      unacknowledgedDecisions({ ...fw, status: { decision: { placements: [], ledgerTxId: 'tx', decisionId: first.id }, pendingDecision: first.pending } }),
    ).toEqual([]);
    // The generation is part of the id: a scale to zero (no previous transaction) and back does not meet an old id.
    expect(decisionId({ ...fw, metadata: { ...fw.metadata, generation: 5 } }, decision('paris'))).not.toBe(first.id);
  });
});

// Found by the Fabric outage chaos test: 163 ledger calls in 21 s for 5 held-back workloads, most of them woken
// by MemberCluster status writes that only refreshed lastProbeTime.
describe('MemberCluster events that wake FederatedWorkloads', () => {
  it('a heartbeat (lastProbeTime alone) wakes nothing; a first sight, a changed condition or taint, and a deletion do', () => {
    const present = new Set(['paris']);
    const changed = memberClusterChanges((name) => present.has(name));
    const paris = member('paris', { country: 'FR' }).member;
    const at = (m: MemberCluster, time: string, version: string): MemberCluster => ({
      ...m,
      metadata: { ...m.metadata, resourceVersion: version },
      status: { ...m.status, lastProbeTime: time },
    });
    expect(changed(at(paris, '2026-12-01T10:00:00Z', '1'))).toBe(true);
    expect(changed(at(paris, '2026-12-01T10:00:05Z', '2'))).toBe(false);
    const notReady = {
      ...paris,
      status: {
        ...paris.status,
        conditions: [{ type: 'Ready', status: 'False' as const, reason: 'Unreachable', message: 'x', lastTransitionTime: '2026-12-01T10:00:10Z' }],
      },
    };
    expect(changed(at(notReady, '2026-12-01T10:00:10Z', '3'))).toBe(true);
    expect(changed(at(notReady, '2026-12-01T10:00:15Z', '4'))).toBe(false);
    const tainted = { ...notReady, spec: { ...notReady.spec, taints: [{ key: TAINT_UNREACHABLE, effect: 'NoSchedule' as const }] } };
    expect(changed(at(tainted, '2026-12-01T10:00:15Z', '5'))).toBe(true);
    present.delete('paris');
    expect(changed(at(tainted, '2026-12-01T10:00:15Z', '5'))).toBe(true);
  });
});

// The rest of the Fabric outage's wakes (54 ledger calls in 22 s against the ~22 of the 5 s retry alone) came from
// SovereignNode status writes (LedgerAvailable) waking every unplaced workload of their member.
describe('which workloads a change in a member wakes', () => {
  const at = (conditions: NonNullable<FederatedWorkload['status']>['conditions'], decision?: NonNullable<FederatedWorkload['status']>['decision']) => ({
    ...workload(),
    status: { conditions, ...(decision && { decision }) },
  });
  const scheduled = (status: 'True' | 'False', reason: string) => [
    { type: 'Scheduled', status, reason, message: 'm', lastTransitionTime: new Date(NOW).toISOString() },
  ];
  const inParis = { placements: [{ cluster: 'paris', replicas: 1 }], ledgerTxId: 'tx-1' };

  it('wakes a workload placed there, one not placed yet and one refused for a reason capacity may lift; not elsewhere', () => {
    expect(wokenByMemberChange(at(scheduled('True', 'Placed'), inParis), 'paris')).toBe(true);
    expect(wokenByMemberChange(at(scheduled('True', 'Placed'), inParis), 'madrid')).toBe(false);
    expect(wokenByMemberChange(workload(), 'madrid')).toBe(true);
    expect(wokenByMemberChange(at(scheduled('False', 'Unschedulable'), inParis), 'madrid')).toBe(true);
  });

  it('leaves a workload held back for want of the ledger to its retry timer, placed there or not', () => {
    expect(wokenByMemberChange(at(scheduled('False', 'LedgerUnavailable')), 'paris')).toBe(false);
    expect(wokenByMemberChange(at(scheduled('False', 'LedgerUnavailable'), inParis), 'paris')).toBe(false);
  });
});

// Found by the attack review of data access: a workload moved A → B kept decision A's data-access grants alive
// until their TTL, although nothing of it ran on A's nodes any more (only removals end grants).
describe('superseded decisions', () => {
  const onlyIn = (cluster: string) => workload({ replicas: 1, placement: { clusterAffinity: { clusterNames: [cluster] } } });
  const moveTo = async (w: ReturnType<typeof world>, cluster: string) => {
    const fw = (await w.get())!;
    await w.workloads.update({ ...fw, spec: { ...fw.spec, placement: { clusterAffinity: { clusterNames: [cluster] } } } });
  };
  const removals = (w: ReturnType<typeof world>) => w.ledger.removals.map((r) => `${r.decisionId} ${r.reason}`);
  // The member's Deployment controller reports the rollout of the current generation done.
  const rolledOut = (w: ReturnType<typeof world>, cluster: string, generation = 1) =>
    w.members.converge(cluster, { observedGeneration: generation, replicas: 1, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1 });

  it('closes the replaced decision (Superseded) once the member it ran in no longer has the workload and the new one is rolled out', async () => {
    const w = world(onlyIn('paris'));
    await w.reconcile();
    const first = (await w.get())!.status!.decision!.decisionId!;
    await moveTo(w, 'madrid');
    await w.reconcile();
    let moved = (await w.get())!;
    expect(moved.status?.decision?.placements.map((p) => p.cluster)).toEqual(['madrid']);
    expect(w.members.kinds('paris')).toEqual([]);
    // Pruned, but madrid's pods are not ready yet: the old decision's grants may still be in use during the move.
    expect(w.ledger.removals).toEqual([]);
    expect(moved.status?.supersededDecisions).toEqual([{ decisionId: first, clusters: ['paris'] }]);
    rolledOut(w, 'madrid');
    await w.reconcile();
    moved = (await w.get())!;
    expect(removals(w)).toEqual([`${first} Superseded`]);
    expect(moved.status?.supersededDecisions).toBeUndefined();
    // Level-based: looking again closes nothing more, and never the running decision.
    await w.reconcile();
    expect(removals(w)).toEqual([`${first} Superseded`]);
  });

  it('keeps it open while the old member still deletes the workload (foreground deletion), closes it once gone', async () => {
    const w = world(onlyIn('paris'));
    await w.reconcile();
    const first = (await w.get())!.status!.decision!.decisionId!;
    w.members.slowDeletes = true;
    await moveTo(w, 'madrid');
    await w.reconcile();
    expect(w.members.kinds('paris')).toEqual(['Deployment/app']);
    // madrid is rolled out, but paris's garbage collector still holds the old Deployment (one more round).
    for (const object of w.members.objects.get('paris')!.values()) object.deleting = false;
    rolledOut(w, 'madrid');
    await w.reconcile();
    expect(condition(await w.get(), 'Ready')).toMatchObject({ status: 'True' });
    expect(removals(w)).toEqual([]);
    await w.reconcile();
    await w.reconcile();
    expect(w.members.kinds('paris')).toEqual([]);
    expect(removals(w)).toEqual([`${first} Superseded`]);
  });

  it('keeps it open while the member it ran in cannot be reached (its pods may still run there), closes it once pruned', async () => {
    const w = world(
      workload({
        replicas: 1,
        placement: { clusterAffinity: { clusterNames: ['paris', 'madrid'] }, replicaScheduling: { type: 'Divided', divisionPreference: 'Aggregated' } },
      }),
      [member('paris', { country: 'FR' }), member('madrid', { country: 'ES' })],
    );
    await w.reconcile();
    const first = (await w.get())!.status!.decision!;
    const home = first.placements[0].cluster;
    const away = home === 'paris' ? 'madrid' : 'paris';
    w.members.down.add(home);
    w.taint(home, true);
    await w.reconcile();
    rolledOut(w, away);
    await w.reconcile();
    let moved = (await w.get())!;
    expect(condition(moved, 'Scheduled')).toMatchObject({ reason: 'FailedOver' });
    expect(moved.status?.supersededDecisions).toEqual([{ decisionId: first.decisionId, clusters: [home] }]);
    expect(w.ledger.removals).toEqual([]);
    w.members.down.delete(home);
    w.taint(home, false);
    await w.reconcile();
    moved = (await w.get())!;
    expect(w.members.kinds(home)).toEqual([]);
    expect(removals(w)).toEqual([`${first.decisionId} Superseded`]);
    expect(moved.status?.supersededDecisions).toBeUndefined();
  });

  it('a ledger that cannot take the removal now keeps the decision listed and retries; deletion closes what is left', async () => {
    const w = world(onlyIn('paris'));
    await w.reconcile();
    const first = (await w.get())!.status!.decision!.decisionId!;
    const recordRemoval = w.ledger.recordRemoval;
    w.ledger.recordRemoval = async () => {
      throw new LedgerUnavailableError('the ledger did not answer');
    };
    await moveTo(w, 'madrid');
    await w.reconcile();
    rolledOut(w, 'madrid');
    const result = await w.reconcile();
    const moved = (await w.get())!;
    expect(result).toMatchObject({ requeueAfterMs: 5_000 });
    expect(moved.status?.supersededDecisions).toEqual([{ decisionId: first, clusters: ['paris'] }]);
    const second = moved.status!.decision!.decisionId!;
    // Deleted before the ledger answered again: the finalizer closes both, each once, with its own reason.
    w.ledger.recordRemoval = recordRemoval;
    await w.workloads.delete(KEY);
    await w.reconcile();
    expect(await w.get()).toBeUndefined();
    expect(removals(w).sort()).toEqual([`${first} Superseded`, `${second} WorkloadDeleted`].sort());
  });

  it('one the ledger refuses to close holds up neither the status nor the deletion: it is told in an Event', async () => {
    const w = world(onlyIn('paris'));
    await w.reconcile();
    const fw = (await w.get())!;
    // A status edited to name a decision of another workload.
    await w.workloads.updateStatus({ ...fw, status: { ...fw.status, supersededDecisions: [{ decisionId: 'other.x.1', clusters: ['warsaw'] }] } });
    w.ledger.records.set('other.x.1', { ...[...w.ledger.records.values()][0], decisionId: 'other.x.1' });
    const recordRemoval = w.ledger.recordRemoval;
    w.ledger.recordRemoval = async (removal) => {
      if (removal.decisionId === 'other.x.1')
        throw new LedgerContractError('WorkloadMismatch', 'WorkloadMismatch: decision other.x.1 placed other/x, not team/app');
      return recordRemoval(removal);
    };
    rolledOut(w, 'paris');
    await w.reconcile();
    const after = (await w.get())!;
    expect(condition(after, 'Ready')).toMatchObject({ status: 'True' });
    expect(after.status?.supersededDecisions).toEqual([{ decisionId: 'other.x.1', clusters: ['warsaw'] }]);
    expect(w.events.events).toContain('Warning SupersededNotClosed');
    await w.workloads.delete(KEY);
    await w.reconcile();
    expect(await w.get()).toBeUndefined();
    expect(removals(w)).toEqual([`${fw.status!.decision!.decisionId} WorkloadDeleted`]);
  });
});

describe('a decision id the ledger closed before it was recorded', () => {
  it('is refused for good (DecisionClosed): the next attempt is decided under a new id and placed', async () => {
    const w = world(workload({ replicas: 1, placement: { clusterAffinity: { clusterNames: ['paris'] } } }));
    const recordPlacement = w.ledger.recordPlacement;
    let closedId: string | undefined;
    w.ledger.recordPlacement = async (request) => {
      closedId = request.decisionId;
      throw new LedgerContractError('DecisionClosed', `DecisionClosed: decision ${request.decisionId} was closed (NeverApplied) by transaction tx-0`);
    };
    await w.reconcile();
    let fw = (await w.get())!;
    expect(condition(fw, 'Scheduled')).toMatchObject({ status: 'False', reason: 'LedgerRefused', message: expect.stringContaining('DecisionClosed') });
    expect(fw.status?.pendingDecision?.abandoned).toContain(closedId);
    expect(w.members.kinds('paris')).toEqual([]);
    w.ledger.recordPlacement = recordPlacement;
    await w.reconcile();
    fw = (await w.get())!;
    expect(condition(fw, 'Scheduled')).toMatchObject({ status: 'True', reason: 'Placed' });
    expect(fw.status?.decision?.decisionId).not.toBe(closedId);
    expect(w.members.kinds('paris')).toEqual(['Deployment/app']);
  });
});

// Attack review: an operator stopped after RecordPlacement of a new share, after which the workload's share went back to
// the recorded one (a failed-over member returned, a scale undone): the scheduler keeps the recorded share, and the
// pending decision was left open on the ledger until the next decision or the deletion.
describe('a pending decision the kept share no longer needs', () => {
  it('is closed as never applied and cleared, the recorded decision untouched', async () => {
    const w = world(workload({ replicas: 1, placement: { clusterAffinity: { clusterNames: ['paris'] } } }));
    await w.reconcile();
    const fw = (await w.get())!;
    const running = fw.status!.decision!.decisionId!;
    const orphan = 'team.app.0123456789abcdef0123';
    w.ledger.records.set(orphan, { ...w.ledger.records.get(running)!, decisionId: orphan, txId: 'tx-orphan' });
    await w.workloads.updateStatus({ ...fw, status: { ...fw.status, pendingDecision: { decisionId: orphan } } });
    await w.reconcile();
    const after = (await w.get())!;
    expect(w.ledger.removals.map((r) => `${r.decisionId} ${r.reason}`)).toEqual([`${orphan} NeverApplied`]);
    expect(after.status?.pendingDecision).toBeUndefined();
    expect(after.status?.decision?.decisionId).toBe(running);
    expect(condition(after, 'Scheduled')).toMatchObject({ status: 'True' });
  });
});
