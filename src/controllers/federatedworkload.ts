// The FederatedWorkload controller: decide (scheduler over the cached
// federation), authorize and record on the ledger, then propagate into the
// chosen members and report what they run. Fail closed: nothing is created or
// changed in a member without a decision the ledger approved and recorded.
import type { Logger } from 'winston';
import type {
  ClusterPlacement,
  FederatedWorkload,
  FederatedWorkloadStatus,
  GpuPool,
  MemberCluster,
  PendingDecision,
  SovereignNode,
  SupersededDecision,
} from '../api/generated/types.ts';
import { MemberAccessError } from '../cluster/member-clients.ts';
import {
  aggregateStatus,
  allowedTerritory,
  ImmutableJobError,
  OwnershipConflictError,
  referencedDependencies,
  refOf,
  RenderError,
  renderConfigMap,
  renderMemberWorkload,
  renderSecret,
  workloadKey,
  type MemberObject,
  type MemberObservation,
  type PoolTarget,
  type Territory,
  type WorkloadKind,
} from '../cluster/propagation/index.ts';
import { LedgerContractError, LedgerUnavailableError, type Ledger, type RecordedDecision } from '../ledger/ledger.ts';
import { describeError, isTransient } from '../runtime/api-errors.ts';
import { Controller } from '../runtime/controller.ts';
import { ensureFinalizer, removeFinalizer } from '../runtime/finalizers.ts';
import { keysWhere, type SharedInformer } from '../runtime/informer.ts';
import type { KindClient } from '../runtime/kind-client.ts';
import { hasFinalizer, isDeleting } from '../runtime/objects.ts';
import { done, requeueAfter, type ReconcileResult, type Reconciler } from '../runtime/result.ts';
import type { DatasetPolicyView } from '../scheduler/framework.ts';
import { schedule, type Decision } from '../scheduler/schedule.ts';
import { book, bookingsOf } from '../scheduler/bookings.ts';
import { buildSnapshot, type FederationObjects } from '../scheduler/snapshot-builder.ts';
import { toStatusDecision } from '../scheduler/status.ts';
import type { TrustConfig } from '../trust/anchors.ts';
import { sameJson } from '../util/canonical-json.ts';
import {
  currentPlacement,
  failbackDue,
  failedOverFrom,
  FEDERATED_WORKLOAD_FINALIZER,
  ledgerRefusals,
  memberClusterChanges,
  membersNotAnswering,
  needsNewDecision,
  placementRequest,
  planDecision,
  abandonPending,
  recordedPlacements,
  unreachableClusters,
  unacknowledgedDecisions,
  unrecordedDecision,
  unschedulableMessage,
  workloadCondition,
  withConditions,
  waitsForLedger,
  wokenByMemberChange,
  supersede,
  closableSuperseded,
} from './federatedworkload-status.ts';
import { DecisionBookings } from './federatedworkload-bookings.ts';
import type { HostDependencies, MemberWorkloads, WorkloadEvents } from './federatedworkload-members.ts';
import { memberObjects, placementDecisions, propagateSeconds, scheduleSeconds } from './metrics.ts';

/** The federation as the informers cache it, with every FederatedWorkload: their recorded decisions book GPUs. */
export interface FederationView extends FederationObjects {
  workloads: readonly FederatedWorkload[];
}

export interface FederatedWorkloadReconcilerDeps {
  workloads: KindClient<FederatedWorkload>;
  /** The federation as the informers cache it now. */
  federation: () => FederationView;
  ledger: Pick<Ledger, 'authorizePlacement' | 'recordPlacement' | 'getDecision' | 'recordRemoval' | 'getPolicy'>;
  members: MemberWorkloads;
  host: HostDependencies;
  events: WorkloadEvents;
  trust: Pick<TrustConfig, 'jurisdiction' | 'countries'>;
  log: Logger;
  now?: () => number;
  /** How soon to look again while members are converging (default 2 s) and once they are (default 60 s). */
  progressingRequeueMs?: number;
  resyncMs?: number;
  /** How soon to retry while the ledger or a member cannot be reached (default 5 s). */
  retryMs?: number;
  /** Test only (chaos tests' deterministic kill point, CLOUD_EMPIRE_TEST_CRASH_POINT): called right after RecordPlacement returned. */
  testOnlyAfterRecordPlacement?: (decisionId: string) => void;
}

/** `recordedRefusal`: the refusal is the ledger's record of this decision id (it judged again when recording). */
type Authorization = { recorded: RecordedDecision } | { refused: string[]; recordedRefusal?: true } | { unavailable: string };

/** Why the members are not (yet) as the decision says, and which could not be reached. */
interface Propagation {
  unreachable: Map<string, string>;
  problems: string[];
  waiting?: string;
  /** Clusters the workload left where objects of it are still being deleted (foreground deletion). */
  leftovers?: string[];
}

const removalWorkload = (fw: FederatedWorkload) => ({
  namespace: fw.metadata.namespace!,
  name: fw.metadata.name!,
  ...(fw.metadata.uid && { uid: fw.metadata.uid }),
});

const firstRefusingPlugin = (decision: Decision) => decision.evaluations.find((e) => e.refusal)?.refusal?.plugin ?? 'none';

export class FederatedWorkloadReconciler implements Reconciler {
  private readonly deps: FederatedWorkloadReconcilerDeps;
  /** Objects per member per workload, for the member-objects gauge. */
  private readonly objectCounts = new Map<string, Map<string, number>>();
  /**
   * Per workload key, the (generation, recorded decision, silent members) the
   * members were last fully propagated to, and when. In memory only: a
   * restarted operator propagates everything once, so nothing relies on it
   * for correctness, it only spares unchanged workloads 30-odd member calls.
   */
  private readonly synced = new Map<string, { fingerprint: string; at: number }>();
  private readonly bookings = new DecisionBookings();

  constructor(deps: FederatedWorkloadReconcilerDeps) {
    this.deps = deps;
  }

  private get retryMs() {
    return this.deps.retryMs ?? 5_000;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const found = await this.deps.workloads.get(key);
    if (!found) {
      this.countObjects(key.replace('/', '.'), new Map());
      this.synced.delete(key);
      this.bookings.forget(key);
      return done;
    }
    if (isDeleting(found)) {
      this.synced.delete(key);
      return hasFinalizer(found, FEDERATED_WORKLOAD_FINALIZER) ? this.remove(found) : done;
    }
    let fw = await ensureFinalizer(this.deps.workloads, found, FEDERATED_WORKLOAD_FINALIZER);
    const nowMs = this.deps.now?.() ?? Date.now();
    const now = new Date(nowMs);

    let territory: Territory;
    try {
      workloadKey(fw);
      territory = allowedTerritory(fw.spec.placement, this.deps.trust);
    } catch (error) {
      if (!(error instanceof RenderError)) throw error;
      await this.writeStatus(fw, withConditions(fw, fw.status ?? {}, [workloadCondition(fw, 'Scheduled', 'False', 'InvalidSpec', error.message)], now));
      return done;
    }

    const federation = this.deps.federation();
    let status: FederatedWorkloadStatus = { ...fw.status };
    let retry = false;
    let empty = false;
    if (!fw.spec.suspend) {
      const decideOn = (view: FederationView) => this.decide(fw, view, nowMs, now);
      // GPU decisions one at a time, each on the federation as the one before left it (its booking included).
      const step = fw.spec.gpu ? await this.bookings.serialize(() => decideOn(this.deps.federation())) : await decideOn(federation);
      fw = step.workload;
      status = step.status;
      retry = step.retry;
      empty = step.empty ?? false;
    }

    const placements = recordedPlacements(fw);
    const kind = fw.spec.template.kind as WorkloadKind;
    let propagation: Propagation = { unreachable: new Map(), problems: [] };
    const silent = membersNotAnswering(federation.memberClusters);
    // What the members were last fully brought to; the same again within the resync only needs observing.
    const fingerprint = `${fw.metadata.generation ?? 0}/${fw.status?.decision?.ledgerTxId ?? ''}/${[...silent.keys()].sort().join(',')}`;
    const synced = this.synced.get(key);
    const upToDate = synced?.fingerprint === fingerprint && nowMs - synced.at < (this.deps.resyncMs ?? 60_000);
    // Scaled to zero, every member is pruned of the workload's objects (propagating an empty placement).
    let propagated = upToDate;
    if (!fw.spec.suspend && (placements.length || empty) && !upToDate) {
      propagated = true;
      const stop = propagateSeconds.startTimer();
      propagation = await this.propagate(fw, placements, federation, territory);
      stop();
      // Leftovers still being deleted are looked at again each round: a superseded decision closes only once they are gone.
      if (!propagation.unreachable.size && !propagation.problems.length && !propagation.waiting && !propagation.leftovers)
        this.synced.set(key, { fingerprint, at: nowMs });
      else this.synced.delete(key);
    }
    const observations = await this.observe(fw, placements, new Map([...silent, ...propagation.unreachable]));
    const aggregated = aggregateStatus(fw.metadata.generation ?? 0, kind, observations);
    const conditions = aggregated.conditions.map((c) => ({ ...c }));
    if (fw.spec.suspend) {
      const progressing = conditions.find((c) => c.type === 'Progressing')!;
      Object.assign(progressing, {
        status: 'False',
        reason: 'Suspended',
        message: 'spec.suspend: the decision is kept, nothing new is placed or changed in members',
      });
    }
    const degraded = conditions.find((c) => c.type === 'Degraded')!;
    const ready = conditions.find((c) => c.type === 'Ready')!;
    if (propagation.problems.length) {
      const message = propagation.problems.join('; ');
      Object.assign(degraded, { status: 'True', reason: 'PropagationFailed', message });
      Object.assign(ready, { status: 'False', reason: 'PropagationFailed', message });
    } else if (propagation.waiting) {
      const progressing = conditions.find((c) => c.type === 'Progressing')!;
      Object.assign(progressing, { status: 'True', reason: 'RemovingStale', message: propagation.waiting });
      if (ready.status === 'True') Object.assign(ready, { status: 'False', reason: 'RemovingStale', message: propagation.waiting });
    }
    if (!fw.spec.suspend && status.supersededDecisions?.length) {
      // Closed only once the members run nothing of them: every cluster they used answered and was pruned this
      // round (or is up to date), nothing of the workload is still being deleted there, and the current decision
      // is rolled out everywhere (Ready), so no pod of an old ReplicaSet still runs on the old pool or country.
      const blocked = new Set([...silent.keys(), ...propagation.unreachable.keys(), ...(propagation.leftovers ?? [])]);
      const settled = propagated && ready.status === 'True' && !propagation.problems.length && !propagation.waiting;
      const { closed, unavailable, refused } = await this.closeSuperseded(fw, closableSuperseded(status.supersededDecisions, settled, blocked));
      const open = status.supersededDecisions.filter((s) => !closed.includes(s.decisionId));
      if (open.length) status.supersededDecisions = open;
      else delete status.supersededDecisions;
      if (unavailable) retry = true;
      if (refused.length) await this.eventOnChange(fw, 'Warning', 'SupersededNotClosed', `the ledger refused to close ${refused.join('; ')}`);
    }
    status = withConditions(
      fw,
      { ...status, clusters: aggregated.clusters, replicas: aggregated.replicas, readyReplicas: aggregated.readyReplicas },
      conditions,
      now,
    );
    await this.writeStatus(fw, status);

    if (retry || propagation.unreachable.size) return requeueAfter(this.retryMs);
    const converging = conditions.some((c) => c.type === 'Progressing' && c.status === 'True');
    return requeueAfter(converging ? (this.deps.progressingRequeueMs ?? 2_000) : (this.deps.resyncMs ?? 60_000));
  }

  /**
   * Scheduler → ledger: a new share is authorized, then recorded, then
   * written into status.decision before any member is touched. Returns the
   * workload as stored after that write.
   */
  private async decide(
    fw: FederatedWorkload,
    federation: FederationView,
    nowMs: number,
    now: Date,
  ): Promise<{ workload: FederatedWorkload; status: FederatedWorkloadStatus; retry: boolean; empty?: true }> {
    const stopTimer = scheduleSeconds.startTimer();
    const fresh = failbackDue(fw, federation.memberClusters, nowMs);
    const datasetPolicies = await this.datasetPolicies(fw);
    const decision = schedule(fw, this.snapshot(fw, federation, nowMs, !fresh), {
      defaultJurisdictions: [this.deps.trust.jurisdiction],
      ...(datasetPolicies && { datasetPolicies }),
      ...(!fresh && { current: currentPlacement(fw) }),
    });
    stopTimer();
    const status: FederatedWorkloadStatus = { ...fw.status };
    const recorded = recordedPlacements(fw);

    if (decision.result !== 'Scheduled') {
      placementDecisions.inc({ result: 'Unschedulable', plugin: firstRefusingPlugin(decision) });
      const message = unschedulableMessage(decision) + (recorded.length ? '; the recorded placement keeps running' : '');
      if (!recorded.length) status.decision = unrecordedDecision(toStatusDecision(decision));
      await this.eventOnChange(fw, 'Warning', decision.unschedulable?.code ?? 'Unschedulable', message);
      return {
        workload: fw,
        status: withConditions(fw, status, [workloadCondition(fw, 'Scheduled', 'False', decision.unschedulable?.code ?? 'Unschedulable', message)], now),
        retry: false,
      };
    }
    if (!decision.placements.length) return this.scaleToZero(fw, decision, status, now);
    if (!needsNewDecision(fw, decision)) {
      placementDecisions.inc({ result: 'Kept', plugin: 'none' });
      if (fresh) delete status.failover;
      // A pending id left by an operator stopped after RecordPlacement, for a share the workload no longer takes
      // (the recorded one is kept): nothing will acknowledge it, so it is closed now, not at the next decision.
      const unacknowledged = unacknowledgedDecisions(fw);
      if (unacknowledged.length) {
        try {
          await this.closeNeverApplied(fw, unacknowledged);
          delete status.pendingDecision;
        } catch (error) {
          if (!(error instanceof LedgerUnavailableError)) throw error;
          return { workload: fw, status, retry: true };
        }
      }
      // A standing placement keeps the condition that says how it came about (Placed, FailedOver).
      const scheduled = fw.status?.conditions?.find((c) => c.type === 'Scheduled');
      if (scheduled?.status === 'True')
        return {
          workload: fw,
          status: withConditions(fw, status, [workloadCondition(fw, 'Scheduled', 'True', scheduled.reason, scheduled.message)], now),
          retry: false,
        };
      const message = `${recorded.length} cluster(s) as recorded on the ledger (transaction ${fw.status!.decision!.ledgerTxId})`;
      return { workload: fw, status: withConditions(fw, status, [workloadCondition(fw, 'Scheduled', 'True', 'Placed', message)], now), retry: false };
    }

    const plan = planDecision(fw, decision);
    const id = plan.id;
    const authorization = await this.authorize(placementRequest(fw, decision, id), async () => {
      // Stored before RecordPlacement: an operator stopped in between finds the id and acknowledges or closes it.
      fw = await this.storePending(fw, plan.pending);
      status.pendingDecision = plan.pending;
      await this.closeNeverApplied(fw, plan.close);
    });
    if ('unavailable' in authorization) {
      placementDecisions.inc({ result: 'LedgerUnavailable', plugin: 'ledger' });
      const message = `the ledger cannot be reached (${authorization.unavailable}); no new placement until it answers${recorded.length ? ', the recorded placement keeps running' : ''}`;
      return {
        workload: fw,
        status: withConditions(fw, status, [workloadCondition(fw, 'Scheduled', 'False', 'LedgerUnavailable', message)], now),
        retry: true,
      };
    }
    if ('refused' in authorization) {
      placementDecisions.inc({ result: 'LedgerRefused', plugin: 'ledger' });
      const message = `the ledger refused the placement: ${authorization.refused.join('; ')}${recorded.length ? '; the recorded placement keeps running' : ''}`;
      if (!recorded.length) status.decision = unrecordedDecision(toStatusDecision(decision));
      // A recorded refusal would be replayed for this id forever: the next attempt is decided under a new one.
      if ('recordedRefusal' in authorization) status.pendingDecision = abandonPending(plan.pending);
      await this.eventOnChange(fw, 'Warning', 'LedgerRefused', message);
      return { workload: fw, status: withConditions(fw, status, [workloadCondition(fw, 'Scheduled', 'False', 'LedgerRefused', message)], now), retry: true };
    }

    placementDecisions.inc({ result: 'Placed', plugin: 'none' });
    const { recorded: record } = authorization;
    const left = failedOverFrom(recorded, decision, unreachableClusters(federation.memberClusters));
    const shares = decision.placements.map((p) => `${p.cluster}${p.pool ? `/${p.pool}` : ''}: ${p.replicas}`).join(', ');
    const superseded = supersede(fw, id);
    status.decision = { ...toStatusDecision(decision, { ledgerTxId: record.txId, decidedAt: now.toISOString() }), decisionId: id };
    delete status.pendingDecision;
    if (superseded) status.supersededDecisions = superseded;
    // The clusters a failover left are remembered for placement.failback until a fresh decision was made.
    if (left.length) status.failover = { from: left, at: now.toISOString() };
    else if (fresh) delete status.failover;
    const reason = left.length ? 'FailedOver' : 'Placed';
    const message = left.length
      ? `moved away from unreachable ${left.join(', ')}; ${shares} (ledger transaction ${record.txId})`
      : `${shares} (ledger transaction ${record.txId})`;
    const next = withConditions(fw, status, [workloadCondition(fw, 'Scheduled', 'True', reason, message)], now);
    // The decision is stored before any member is touched: a restart finds it and propagates the same share.
    const written = await this.deps.workloads.updateStatus({ ...fw, status: next });
    this.bookings.wrote(written);
    await this.deps.events.emit(written, left.length ? 'Warning' : 'Normal', reason, message);
    return { workload: written, status: next, retry: false };
  }

  /**
   * Zero replicas: nothing is placed, so there is nothing for the ledger to
   * authorize (it approves no empty placement). The recorded decision's end
   * goes on the ledger first, then the empty decision into status; the
   * members are emptied after that, as on deletion.
   */
  private async scaleToZero(
    fw: FederatedWorkload,
    decision: Decision,
    status: FederatedWorkloadStatus,
    now: Date,
  ): Promise<{ workload: FederatedWorkload; status: FederatedWorkloadStatus; retry: boolean; empty?: true }> {
    const previous = fw.status?.decision;
    try {
      await this.closeNeverApplied(fw, unacknowledgedDecisions(fw));
      if (previous?.ledgerTxId && previous.decisionId)
        await this.deps.ledger.recordRemoval({ workload: removalWorkload(fw), decisionId: previous.decisionId, reason: 'ScaledToZero' });
    } catch (error) {
      if (!(error instanceof LedgerUnavailableError)) throw error;
      const message = `the ledger cannot record the end of the placement yet (${error.message}); the recorded placement keeps running`;
      return {
        workload: fw,
        status: withConditions(fw, status, [workloadCondition(fw, 'Scheduled', 'False', 'LedgerUnavailable', message)], now),
        retry: true,
      };
    }
    status.decision = toStatusDecision(decision);
    delete status.pendingDecision;
    const message = 'spec asks for 0 replicas: nothing is placed';
    const next = withConditions(fw, status, [workloadCondition(fw, 'Scheduled', 'True', 'ScaledToZero', message)], now);
    if (!previous?.ledgerTxId) return { workload: fw, status: next, retry: false, empty: true };
    // Stored before any member is emptied: a restart finds the empty decision, not the ended one.
    const written = await this.deps.workloads.updateStatus({ ...fw, status: next });
    this.bookings.wrote(written);
    await this.deps.events.emit(written, 'Normal', 'ScaledToZero', message);
    return { workload: written, status: next, retry: false, empty: true };
  }

  /**
   * The scheduler's snapshot: the cached federation minus the GPUs every
   * other workload's recorded decision books. The workload's own booking is
   * deducted too when its current placement is passed to the scheduler (which
   * adds the pods it runs back as room); a fresh decision (failback) gets its
   * own devices back.
   */
  private snapshot(fw: FederatedWorkload, federation: FederationView, nowMs: number, withOwn: boolean) {
    const key = `${fw.metadata.namespace}/${fw.metadata.name}`;
    const others = this.bookings.latest(federation.workloads).filter((w) => `${w.metadata.namespace}/${w.metadata.name}` !== key);
    return book(buildSnapshot(federation, nowMs), bookingsOf(withOwn ? [...others, fw] : others));
  }

  /**
   * The public policies of the datasets the workload reads, so the scheduler
   * proposes only clusters their owners allow (and names the refusal). Not
   * readable now (ledger down): decided without them, the ledger still judges.
   */
  private async datasetPolicies(fw: FederatedWorkload): Promise<Map<string, DatasetPolicyView> | undefined> {
    const datasets = fw.spec.dataAccess?.datasets ?? [];
    if (!datasets.length) return undefined;
    const policies = new Map<string, DatasetPolicyView>();
    for (const id of datasets) {
      try {
        policies.set(id, await this.deps.ledger.getPolicy(id));
      } catch (error) {
        if (error instanceof LedgerContractError && error.code === 'NotFound') continue;
        if (error instanceof LedgerUnavailableError) return undefined;
        throw error;
      }
    }
    return policies;
  }

  /**
   * AuthorizePlacement, then (once `beforeRecord` stored the pending id) RecordPlacement; a replayed id is this
   * controller's own earlier record (a restart), read back.
   */
  private async authorize(request: ReturnType<typeof placementRequest>, beforeRecord: () => Promise<void>): Promise<Authorization> {
    try {
      const verdict = await this.deps.ledger.authorizePlacement(request);
      const refused = ledgerRefusals(verdict);
      if (refused.length || !verdict.approved) return { refused: refused.length ? refused : ['no target approved'] };
      await beforeRecord();
      let recorded: RecordedDecision;
      try {
        recorded = await this.deps.ledger.recordPlacement(request);
        this.deps.testOnlyAfterRecordPlacement?.(request.decisionId);
      } catch (error) {
        // Closed before it was recorded (NeverApplied): refused for good, the next attempt uses a new id.
        if (error instanceof LedgerContractError && error.code === 'DecisionClosed') return { refused: [error.message], recordedRefusal: true };
        if (!(error instanceof LedgerContractError && error.code === 'DecisionReplayed')) throw error;
        recorded = await this.deps.ledger.getDecision(request.decisionId);
      }
      // The ledger evaluates again when it records: its verdict is the one that counts.
      const refusedOnRecord = ledgerRefusals(recorded);
      if (refusedOnRecord.length || !recorded.approved)
        return { refused: refusedOnRecord.length ? refusedOnRecord : ['no target approved'], recordedRefusal: true };
      return { recorded };
    } catch (error) {
      if (error instanceof LedgerUnavailableError) return { unavailable: error.message };
      throw error;
    }
  }

  private async storePending(fw: FederatedWorkload, pending: PendingDecision): Promise<FederatedWorkload> {
    if (sameJson(fw.status?.pendingDecision ?? null, pending)) return fw;
    return this.deps.workloads.updateStatus({ ...fw, status: { ...fw.status, pendingDecision: pending } });
  }

  /** Closes decisions that may have been recorded but never ran; the ledger answering NotFound means this one was never recorded. */
  private async closeNeverApplied(fw: FederatedWorkload, ids: readonly string[]): Promise<void> {
    for (const decisionId of ids) {
      try {
        await this.deps.ledger.recordRemoval({ workload: removalWorkload(fw), decisionId, reason: 'NeverApplied' });
      } catch (error) {
        // WorkloadMismatch: the status names an id that is not this workload's (edited by hand); nothing of ours to close.
        if (error instanceof LedgerContractError && error.code === 'WorkloadMismatch') {
          await this.deps.events.emit(fw, 'Warning', 'PendingNotClosed', `the ledger refused to close ${decisionId}: ${error.message}`);
          continue;
        }
        if (!(error instanceof LedgerContractError && error.code === 'NotFound')) throw error;
      }
    }
  }

  /**
   * Closes replaced decisions whose objects the members no longer run (Superseded: their data-access grants
   * end). Returns the ids closed; stops at the first the ledger cannot take now (the rest are tried again).
   */
  private async closeSuperseded(
    fw: FederatedWorkload,
    superseded: readonly SupersededDecision[],
  ): Promise<{ closed: string[]; unavailable?: string; refused: string[] }> {
    const closed: string[] = [];
    const refused: string[] = [];
    for (const { decisionId } of superseded) {
      try {
        await this.deps.ledger.recordRemoval({ workload: removalWorkload(fw), decisionId, reason: 'Superseded' });
      } catch (error) {
        if (error instanceof LedgerUnavailableError) return { closed, unavailable: error.message, refused };
        if (!(error instanceof LedgerContractError)) throw error;
        // One the ledger will not close (an edited status naming another workload's decision, say) must not hold up
        // the rest, nor the status write: it stays listed and is told in an Event; its grants end with their TTL.
        // Never recorded (NotFound): nothing stays open.
        if (error.code !== 'NotFound') {
          refused.push(`${decisionId}: ${error.message}`);
          continue;
        }
      }
      closed.push(decisionId);
    }
    return { closed, refused };
  }

  private pool(federation: FederationObjects, placement: ClusterPlacement): PoolTarget | undefined {
    if (!placement.pool) return undefined;
    const pool = federation.gpuPools.find((p: GpuPool) => p.metadata.name === placement.pool);
    if (!pool) return undefined;
    return { name: pool.metadata.name!, resourceName: pool.spec.resourceName, ...(pool.spec.nodeSelector && { nodeSelector: pool.spec.nodeSelector }) };
  }

  /** The objects one cluster's share needs: the rendered workload and its dependencies from the host namespace. */
  private async render(
    fw: FederatedWorkload,
    placement: ClusterPlacement,
    federation: FederationObjects,
    territory: Territory,
    cache: Map<string, MemberObject | null>,
  ): Promise<MemberObject[]> {
    // The ledger approved this share in one attested country: the pods may use that one only, not every country of the territory.
    const countries = placement.country ? territory.countries.filter((c) => c === placement.country) : territory.countries;
    const object = renderMemberWorkload({ workload: fw, placement, pool: this.pool(federation, placement), countries, jurisdictions: territory.jurisdictions });
    const { configMaps, secrets } = referencedDependencies(object.spec.template.spec);
    const namespace = fw.metadata.namespace!;
    const dependencies: MemberObject[] = [];
    for (const [kind, names] of [
      ['ConfigMap', configMaps],
      ['Secret', secrets],
    ] as const) {
      for (const name of names) {
        const cacheKey = `${kind}/${name}`;
        if (!cache.has(cacheKey)) {
          const source = kind === 'ConfigMap' ? await this.deps.host.configMap(namespace, name) : await this.deps.host.secret(namespace, name);
          cache.set(cacheKey, source ? (kind === 'ConfigMap' ? renderConfigMap(source, fw) : renderSecret(source, fw)) : null);
        }
        const rendered = cache.get(cacheKey);
        // A reference to a missing object (optional ones included) stays unresolved in the member, as on the host.
        if (rendered) dependencies.push(rendered);
      }
    }
    return [...dependencies, object];
  }

  /**
   * Stale copies first (in clusters no longer chosen), then each chosen
   * cluster's objects. A Job is created in a new cluster only once no stale
   * copy is left anywhere reachable: a share must never run twice.
   */
  private async propagate(
    fw: FederatedWorkload,
    placements: readonly ClusterPlacement[],
    federation: FederationObjects,
    territory: Territory,
  ): Promise<Propagation> {
    const key = workloadKey(fw);
    const chosen = new Set(placements.map((p) => p.cluster));
    const unreachable = new Map<string, string>();
    const problems: string[] = [];
    const silent = membersNotAnswering(federation.memberClusters);
    const counts = new Map<string, number>();
    const stale: string[] = [];
    for (const member of federation.memberClusters as MemberCluster[]) {
      const cluster = member.metadata.name!;
      if (chosen.has(cluster) || silent.has(cluster)) continue;
      try {
        const left = await this.deps.members.prune(cluster, key, []);
        if (left.length) stale.push(cluster);
      } catch (error) {
        if (error instanceof MemberAccessError && error.reason === 'MemberClusterNotFound') continue;
        unreachable.set(cluster, describeError(error));
      }
    }
    const isJob = fw.spec.template.kind === 'Job';
    const notYetPlaced = new Set<string>();
    const cache = new Map<string, MemberObject | null>();
    for (const placement of placements) {
      const cluster = placement.cluster;
      const why = silent.get(cluster);
      if (why) {
        unreachable.set(cluster, why);
        continue;
      }
      let objects: MemberObject[];
      try {
        objects = await this.render(fw, placement, federation, territory, cache);
      } catch (error) {
        if (!(error instanceof RenderError)) throw error;
        problems.push(`${cluster}: ${error.message}`);
        continue;
      }
      if (isJob && stale.length) {
        const existing = await this.deps.members.read(cluster, refOf(objects[objects.length - 1])).catch(() => undefined);
        if (!existing) {
          notYetPlaced.add(cluster);
          continue;
        }
      }
      try {
        await this.deps.members.apply(cluster, objects);
        await this.deps.members.prune(cluster, key, objects.map(refOf));
        counts.set(cluster, objects.length);
      } catch (error) {
        if (error instanceof ImmutableJobError) {
          // A Job takes no new template: the old one is removed, the new one created once it is gone.
          await this.deps.members.prune(cluster, key, []).catch(() => undefined);
          notYetPlaced.add(cluster);
        } else if (error instanceof OwnershipConflictError) problems.push(`${cluster}: ${error.message}`);
        else if (isTransient(error)) unreachable.set(cluster, describeError(error));
        else problems.push(`${cluster}: the member refused the objects: ${describeError(error)}`);
      }
    }
    this.countObjects(key, counts);
    const waiting = notYetPlaced.size
      ? `waiting for the Job's old copy to be removed (${[...stale, ...notYetPlaced].filter((c, i, all) => all.indexOf(c) === i).join(', ')}) before it runs in ${[...notYetPlaced].join(', ')}`
      : undefined;
    return { unreachable, problems, ...(waiting && { waiting }), ...(stale.length && { leftovers: stale }) };
  }

  private async observe(
    fw: FederatedWorkload,
    placements: readonly ClusterPlacement[],
    unreachable: ReadonlyMap<string, string>,
  ): Promise<MemberObservation[]> {
    const template = fw.spec.template;
    const ref = { apiVersion: template.apiVersion, kind: template.kind, namespace: fw.metadata.namespace!, name: template.metadata?.name ?? fw.metadata.name! };
    return Promise.all(
      placements.map(async (p): Promise<MemberObservation> => {
        const desired = p.replicas;
        const why = unreachable.get(p.cluster);
        if (why) return { cluster: p.cluster, desired, unreachable: why };
        try {
          return { cluster: p.cluster, desired, object: await this.deps.members.read(p.cluster, ref) };
        } catch (error) {
          return { cluster: p.cluster, desired, unreachable: describeError(error) };
        }
      }),
    );
  }

  /**
   * Deletion: every member object and propagated dependency is removed in
   * every member, then the removal is recorded on the ledger, then the
   * finalizer released. A member that cannot be reached keeps the finalizer.
   */
  private async remove(fw: FederatedWorkload): Promise<ReconcileResult> {
    const key = workloadKey(fw);
    const now = new Date(this.deps.now?.() ?? Date.now());
    const blocked: string[] = [];
    const members = this.deps.federation().memberClusters;
    const silent = membersNotAnswering(members);
    for (const member of members) {
      const cluster = member.metadata.name!;
      const why = silent.get(cluster);
      if (why) {
        blocked.push(`${cluster}: cannot be reached (${why})`);
        continue;
      }
      try {
        const left = await this.deps.members.prune(cluster, key, []);
        if (left.length) blocked.push(`${cluster}: ${left.length} object(s) still being deleted`);
      } catch (error) {
        if (error instanceof MemberAccessError && error.reason === 'MemberClusterNotFound') continue;
        blocked.push(`${cluster}: cannot be reached (${describeError(error)})`);
      }
    }
    if (!blocked.length) {
      const running = fw.status?.decision?.ledgerTxId ? fw.status.decision.decisionId : undefined;
      try {
        // A decision recorded but never acknowledged (the operator stopped in between) is closed too: nothing else names it.
        await this.closeNeverApplied(fw, unacknowledgedDecisions(fw));
        // Every member is clean by now. One the ledger refuses to close is left to its grants' TTL (and an Event)
        // rather than holding the finalizer for good.
        const { unavailable, refused } = await this.closeSuperseded(fw, fw.status?.supersededDecisions ?? []);
        if (unavailable) throw new LedgerUnavailableError(unavailable);
        if (refused.length) await this.deps.events.emit(fw, 'Warning', 'SupersededNotClosed', `the ledger refused to close ${refused.join('; ')}`);
        if (running) await this.deps.ledger.recordRemoval({ workload: removalWorkload(fw), decisionId: running, reason: 'WorkloadDeleted' });
      } catch (error) {
        if (!(error instanceof LedgerUnavailableError)) throw error;
        blocked.push(`the ledger cannot record the removal yet (${error.message})`);
      }
    }
    if (blocked.length) {
      const message = `deleting: ${blocked.join('; ')}; the finalizer stays until every member is clean`;
      await this.writeStatus(fw, withConditions(fw, fw.status ?? {}, [workloadCondition(fw, 'Ready', 'False', 'Terminating', message)], now));
      return requeueAfter(blocked.some((b) => b.includes('being deleted')) ? 1_000 : this.retryMs);
    }
    this.countObjects(key, new Map());
    await removeFinalizer(this.deps.workloads, fw, FEDERATED_WORKLOAD_FINALIZER);
    return done;
  }

  private async writeStatus(fw: FederatedWorkload, status: FederatedWorkloadStatus): Promise<void> {
    if (!sameJson(status, fw.status ?? {})) await this.deps.workloads.updateStatus({ ...fw, status });
  }

  /** An Event when the Scheduled condition would say something new, so a workload that stays refused does not flood Events. */
  private async eventOnChange(fw: FederatedWorkload, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const scheduled = fw.status?.conditions?.find((c) => c.type === 'Scheduled');
    if (scheduled?.reason === reason && scheduled.message?.startsWith(message.slice(0, 200))) return;
    await this.deps.events.emit(fw, type, reason, message);
  }

  private countObjects(workload: string, counts: Map<string, number>): void {
    if (counts.size) this.objectCounts.set(workload, counts);
    else this.objectCounts.delete(workload);
    const totals = new Map<string, number>();
    for (const perCluster of this.objectCounts.values()) for (const [cluster, n] of perCluster) totals.set(cluster, (totals.get(cluster) ?? 0) + n);
    memberObjects.reset();
    for (const [cluster, n] of totals) memberObjects.set({ cluster }, n);
  }
}

export interface FederatedWorkloadControllerDeps extends Omit<FederatedWorkloadReconcilerDeps, 'federation'> {
  informer: SharedInformer<FederatedWorkload>;
  memberClusters: SharedInformer<MemberCluster>;
  sovereignNodes: SharedInformer<SovereignNode>;
  gpuPools: SharedInformer<GpuPool>;
  workers?: number;
}

/**
 * Reconciles FederatedWorkloads when they change, and wakes the ones a
 * federation change affects: a MemberCluster or its SovereignNodes and
 * GpuPools wake the workloads placed there and those not placed yet (new
 * capacity may fit them); a MemberCluster change also wakes the workloads
 * that failed over (their stale copies, failback). Members' own progress is
 * followed by a short requeue while a workload is Progressing. A workload
 * held back for want of the ledger is left to its retry timer.
 */
export function federatedWorkloadController(deps: FederatedWorkloadControllerDeps): Controller<FederatedWorkload> {
  const federation = (): FederationView => ({
    memberClusters: deps.memberClusters.list(),
    sovereignNodes: deps.sovereignNodes.list(),
    gpuPools: deps.gpuPools.list(),
    workloads: deps.informer.list(),
  });
  // A GPU workload that changes (deleted, scaled down, re-placed, finished) may free devices others wait for.
  const waitingForGpus = (changed: FederatedWorkload) =>
    changed.spec.gpu
      ? keysWhere(
          deps.informer,
          (fw) =>
            fw !== changed &&
            Boolean(fw.spec.gpu) &&
            !waitsForLedger(fw) &&
            fw.status?.conditions?.some((c) => c.type === 'Scheduled' && c.status === 'False') === true,
        )
      : [];
  const affected = (cluster: string) => keysWhere(deps.informer, (fw) => wokenByMemberChange(fw, cluster));
  // A deleted MemberCluster is gone from the cache before its event is told.
  const memberChanged = memberClusterChanges((name) => deps.memberClusters.list().some((m) => m.metadata.name === name));
  return new Controller<FederatedWorkload>({
    name: 'federatedworkload',
    informer: deps.informer,
    reconciler: new FederatedWorkloadReconciler({ ...deps, federation }),
    reads: [deps.memberClusters, deps.sovereignNodes, deps.gpuPools],
    log: deps.log,
    // Reconciles mostly wait on member and ledger round trips, not CPU.
    workers: deps.workers ?? 8,
  })
    .watches(deps.memberClusters.subscribe, (member) =>
      memberChanged(member) ? [...new Set([...affected(member.metadata.name!), ...keysWhere(deps.informer, (fw) => Boolean(fw.status?.failover))])] : [],
    )
    .watches(deps.sovereignNodes.subscribe, (node) => affected(node.spec.memberCluster))
    .watches(deps.gpuPools.subscribe, (pool) => affected(pool.spec.memberCluster))
    .watches(deps.informer.subscribe, waitingForGpus);
}
