import { CoreV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import type { FederatedWorkload, GpuPool, MemberCluster, SovereignNode } from '../api/generated/types.ts';
import { GpuPoolKind } from '../api/schema/gpupool.ts';
import type { KindDefinition } from '../api/schema/kind.ts';
import { MemberClusterKind } from '../api/schema/membercluster.ts';
import { SovereignNodeKind } from '../api/schema/sovereignnode.ts';
import { withConnectionReuse } from '../cluster/keep-alive.ts';
import { fencedMemberNodes, MemberClients } from '../cluster/member-clients.ts';
import { MemberWatches } from '../cluster/member-watches.ts';
import { GpuMeter } from '../cluster/gpu-meter.ts';
import { MeteringLog } from '../audit/metering-log.ts';
import { runAuditJournal } from '../audit/event-journal.ts';
import { FederatedWorkloadKind } from '../api/schema/federatedworkload.ts';
import { federatedWorkloadController } from '../controllers/federatedworkload.ts';
import {
  fencedMemberWorkloads,
  fencedWorkloadEvents,
  HostApiDependencies,
  HostWorkloadEvents,
  MemberApiWorkloads,
} from '../controllers/federatedworkload-members.ts';
import { gpuPoolController } from '../controllers/gpupool.ts';
import { memberClusterController } from '../controllers/membercluster.ts';
import { sovereignNodeController } from '../controllers/sovereignnode.ts';
import { readFabricConnection } from '../ledger/fabric/connection-files.ts';
import { openEmbeddedLedger, openFabricLedger } from '../ledger/open.ts';
import { loadOrCreateOperatorKey } from './identity.ts';
import { embeddedLedgerIntegrity } from './ledger-integrity.ts';
import { LedgerOutbox, OutboxLedger } from '../ledger/outbox.ts';
import { fencedLedger } from '../ledger/fenced-ledger.ts';
import { anchorsOf, type Ledger, type SovereigntyLedger } from '../ledger/ledger.ts';
import { parseTrustConfig, TRUST_ANCHORS_KEY, type TrustConfig } from '../trust/anchors.ts';
import { httpsFetcher, type Fetcher } from '../trust/fetcher.ts';
import type { KeyFile } from '../trust/issue.ts';
import { TrustVerifier } from '../trust/verifier.ts';
import type { Runnable } from '../runtime/controller.ts';
import { Informers, type SharedInformer } from '../runtime/informer.ts';
import { kindClient, type KindClient } from '../runtime/kind-client.ts';
import { fencedKindClient, type WriteFence } from '../runtime/write-fence.ts';

export const TRUST_ANCHORS_CONFIGMAP = 'cloud-empire-trust-anchors';

export interface OperatorOptions {
  host: KubeConfig;
  /** The operator's namespace: trust anchors ConfigMap, member kubeconfig Secrets. */
  namespace: string;
  /** The embedded ledger's directory, used unless a Fabric connection is given. */
  ledgerDir: string;
  /** A directory with a Fabric connection (see connection-files.ts): the ledger is then that network's chaincode, and `ledgerDir` keeps its outbox. */
  fabricConnectionDir?: string;
  log: Logger;
  /** A ledger already open (the demo and tests share one embedded ledger with a data owner); otherwise one is opened from the options above. */
  ledger?: Ledger;
  /** The operator's did:key (src/operator/identity.ts), read once at start: it signs the embedded ledger's blocks. Read from the host when not given. */
  operatorKey?: KeyFile;
  /** Namespaces besides `namespace` that member kubeconfig Secrets may be read from. */
  memberSecretNamespaces?: string[];
  /** Why this replica may not write now, to the host or into members (it no longer holds the leader lease), or undefined. */
  writeFence?: WriteFence;
  /** Extra CA certificates (PEM) for did:web and status-list fetches. */
  caPem?: string;
  /** How did:web documents and status lists are fetched (default: HTTPS to public addresses, trusting `caPem`); local federations (the soak) serve them on loopback. */
  fetcher?: Fetcher;
  /** MemberCluster probing: interval, and how long unreachable before the cluster is tainted. */
  probeIntervalMs?: number;
  unreachableGraceMs?: number;
  /** How soon a FederatedWorkload whose members are converging is looked at again (default 2 s). */
  workloadProgressRequeueMs?: number;
  /** Test only: the chaos tests' kill point right after RecordPlacement (src/operator/test-crash-point.ts). */
  testOnlyAfterRecordPlacement?: (decisionId: string) => void;
}

export interface RunningOperator {
  trust: TrustConfig;
  ledger: Ledger;
  stop(): Promise<void>;
}

/** Reads the trust configuration the Helm chart renders into a ConfigMap. */
export async function loadTrustConfig(host: KubeConfig, namespace: string): Promise<TrustConfig> {
  const configMap = await host.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: TRUST_ANCHORS_CONFIGMAP, namespace });
  const document = configMap.data?.[TRUST_ANCHORS_KEY];
  if (!document) throw new Error(`ConfigMap ${namespace}/${TRUST_ANCHORS_CONFIGMAP} has no key ${TRUST_ANCHORS_KEY}`);
  return parseTrustConfig(document, `ConfigMap ${namespace}/${TRUST_ANCHORS_CONFIGMAP}`);
}

/**
 * On Fabric the trust authority's admin registers anchors, not the operator:
 * say so when the ledger's anchors differ from the operator's configuration,
 * because the contract will refuse positive verdicts from the missing ones.
 */
async function warnOnAnchorDrift(ledger: SovereigntyLedger, trust: TrustConfig, log: Logger): Promise<void> {
  try {
    const registered = new Set((await ledger.listTrustAnchors()).map((a) => a.did));
    const missing = trust.issuers.filter((i) => !registered.has(i.did)).map((i) => i.did);
    if (missing.length)
      log.warn('trust anchors missing on the ledger; their nodes cannot be verified until the trust admin registers them (empirectl ledger anchors sync)', {
        component: 'ledger',
        missing,
      });
  } catch (error) {
    log.warn('cannot read the ledger trust anchors yet', { component: 'ledger', error: (error as Error).message });
  }
}

/**
 * Fabric through an outbox in the ledger directory: verdicts made while the
 * network is unreachable are kept on disk and recorded, in order, when it returns.
 */
async function openRemoteLedger(options: OperatorOptions, trust: TrustConfig): Promise<{ ledger: OutboxLedger; fabric: SovereigntyLedger }> {
  const fabric = await openFabricLedger(readFabricConnection(options.fabricConnectionDir!));
  await warnOnAnchorDrift(fabric, trust, options.log);
  const ledger = new OutboxLedger(fabric, LedgerOutbox.open(options.ledgerDir), options.log);
  ledger.start();
  return { ledger, fabric };
}

/**
 * GPU metering from the member Pod caches into the journal beside the
 * ledger (metering.jsonl). FederatedWorkloads only lend their placement
 * transaction id: their watch is not awaited, so metering runs before the
 * placement controller exists.
 */
function meterGpus(
  informers: Informers,
  watches: MemberWatches,
  sovereignNodes: SharedInformer<SovereignNode>,
  options: OperatorOptions,
): { start(): void; stop(): Promise<void> } {
  const pools = informers.forKind<GpuPool>(GpuPoolKind);
  const clusters = informers.forKind<MemberCluster>(MemberClusterKind);
  const workloads = informers.forKind<FederatedWorkload>(FederatedWorkloadKind);
  const journal = MeteringLog.open(options.ledgerDir);
  const meter = new GpuMeter({
    members: watches,
    journal,
    log: options.log,
    facts: () => ({ pools: pools.list(), memberClusters: clusters.list(), sovereignNodes: sovereignNodes.list(), workloads: workloads.list() }),
  });
  return {
    start() {
      workloads.start().catch((error: Error) =>
        options.log.warn('FederatedWorkloads not watched: metered intervals carry no placement transaction', {
          component: 'gpu-meter',
          error: error.message,
        }),
      );
      meter.start();
    },
    async stop() {
      await meter.stop();
      journal.close();
    },
  };
}

/** Starts the operator's controllers against a host cluster. */
export async function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const { host, log } = options;
  withConnectionReuse(host);
  const trust = await loadTrustConfig(host, options.namespace);
  const remote = !options.ledger && options.fabricConnectionDir ? await openRemoteLedger(options, trust) : undefined;
  // On Fabric the audit trail is journaled from the chaincode events (the embedded ledger's blocks are read directly).
  const auditJournal = remote && runAuditJournal(remote.fabric, options.ledgerDir, log);
  const ledger = options.ledger
    ? options.ledger
    : remote
      ? remote.ledger
      : await openEmbeddedLedger(options.ledgerDir, {
          trustAnchors: anchorsOf(trust),
          ...embeddedLedgerIntegrity(host, options.namespace, options.operatorKey ?? (await loadOrCreateOperatorKey(host, options.namespace))),
        });
  const members = new MemberClients(host, { secretNamespaces: [options.namespace, ...(options.memberSecretNamespaces ?? [])] });
  const watches = new MemberWatches(members, log);
  // One watch per kind, whichever controllers read it: SovereignNodes feed all three.
  const informers = new Informers(host, log);
  const sovereignNodes = informers.forKind<SovereignNode>(SovereignNodeKind);
  const memberClusters = informers.forKind<MemberCluster>(MemberClusterKind);
  const gpuPools = informers.forKind<GpuPool>(GpuPoolKind);
  const verifier = new TrustVerifier(trust, { fetcher: options.fetcher ?? httpsFetcher({ ca: options.caPem, log }) });
  // Every write a controller makes, to the host, a member or the ledger, passes the leader fence (src/runtime/write-fence.ts).
  const fence = options.writeFence;
  const hostKind = <T extends KubernetesObject>(kind: KindDefinition): KindClient<T> =>
    fence ? fencedKindClient(kindClient<T>(host, kind), fence) : kindClient<T>(host, kind);
  const memberNodes = fence ? fencedMemberNodes(members, fence) : members;
  const controllerLedger = fence ? fencedLedger(ledger, fence) : ledger;
  const controllers: Runnable[] = [
    sovereignNodeController({ informer: sovereignNodes, nodes: hostKind(SovereignNodeKind), memberNodes, verifier, ledger: controllerLedger, log }),
    memberClusterController({
      informer: memberClusters,
      memberClusters: hostKind(MemberClusterKind),
      members: watches,
      sovereignNodes,
      log,
      probeIntervalMs: options.probeIntervalMs,
      unreachableGraceMs: options.unreachableGraceMs,
    }),
    gpuPoolController({ informer: gpuPools, pools: hostKind(GpuPoolKind), members: watches, memberNodes, sovereignNodes, log }),
    federatedWorkloadController({
      informer: informers.forKind<FederatedWorkload>(FederatedWorkloadKind),
      workloads: hostKind(FederatedWorkloadKind),
      memberClusters,
      sovereignNodes,
      gpuPools,
      ledger: controllerLedger,
      members: fence ? fencedMemberWorkloads(new MemberApiWorkloads(members), fence) : new MemberApiWorkloads(members),
      host: new HostApiDependencies(host),
      events: fence ? fencedWorkloadEvents(new HostWorkloadEvents(host), fence) : new HostWorkloadEvents(host),
      trust,
      log,
      progressingRequeueMs: options.workloadProgressRequeueMs,
      ...(options.testOnlyAfterRecordPlacement && { testOnlyAfterRecordPlacement: options.testOnlyAfterRecordPlacement }),
    }),
  ];
  const gpuMeter = meterGpus(informers, watches, sovereignNodes, options);
  const stop = async () => {
    await gpuMeter.stop();
    await auditJournal?.stop();
    await Promise.allSettled(controllers.map((c) => c.stop()));
    await informers.stop();
    await watches.stop();
    await ledger.close();
  };
  try {
    await Promise.all(controllers.map((c) => c.start()));
    gpuMeter.start();
  } catch (error) {
    await stop();
    throw error;
  }
  log.info('operator started', { component: 'operator', issuers: trust.issuers.length, jurisdiction: trust.jurisdiction });
  return { trust, ledger, stop };
}
