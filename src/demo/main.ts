// `npm run demo [-- --once]`: the local federation on real control planes,
// with the operator verifying every node's identity.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FederatedWorkload, GpuPool, MemberCluster, SovereignNode } from '../api/generated/types.ts';
import { FederatedWorkloadKind } from '../api/schema/federatedworkload.ts';
import { GpuPoolKind } from '../api/schema/gpupool.ts';
import { MemberClusterKind } from '../api/schema/membercluster.ts';
import { SovereignNodeKind } from '../api/schema/sovereignnode.ts';
import { catalogTable } from '../catalog/catalog.ts';
import { readCatalog } from '../catalog/source.ts';
import { kubectl } from '../controlplane/kubectl.ts';
import { EmbeddedLedger } from '../ledger/embedded/embedded-ledger.ts';
import type { LedgerIdentity } from '../ledger/embedded/stub.ts';
import { verifyLedger } from '../ledger/embedded/verify.ts';
import { anchorsOf, SovereigntyLedger } from '../ledger/ledger.ts';
import { EMBEDDED_OPERATOR_IDENTITY, EMBEDDED_TRUST_ADMIN_IDENTITY } from '../ledger/open.ts';
import { embeddedLedgerIntegrity } from '../operator/ledger-integrity.ts';
import { ConfigMapHeadCheckpoint } from '../ledger/kube-head-checkpoint.ts';
import { createLogger } from '../logging/logger.ts';
import { loadTrustConfig, startOperator, type RunningOperator } from '../operator/operator.ts';
import { kindClient } from '../runtime/kind-client.ts';
import { answerChallenge } from '../trust/node-agent.ts';
import { didOfKey, type KeyFile } from '../trust/issue.ts';
import { verifyingKeyOfDid } from '../trust/signing-key.ts';
import { loadOrCreateOperatorKey } from '../operator/identity.ts';
import { demoNodeKeys, OPERATOR_NAMESPACE, startDemoFederation } from './federation.ts';
import { DEMO_SOVEREIGN_NODES } from './inventory.ts';

const once = process.argv.includes('--once');
const expectedVerified = (cluster: string) =>
  Object.entries(DEMO_SOVEREIGN_NODES).filter(([name, verdict]) => name.startsWith(`${cluster}-`) && verdict === 'Verified').length;
const log = (line: string) => console.log(`demo: ${line}`);

/** The hospital that owns the clinical notes llm-inference reads: its own organization on the ledger. */
const DATA_OWNER: LedgerIdentity = { mspId: 'HospitalMSP', id: 'x509::/CN=data-steward/OU=client::/CN=ca.hospital.example.eu' };

/** One line per FederatedWorkload: where it runs and how far it got. */
function workloadLine(w: FederatedWorkload): string {
  const condition = (type: string) => w.status?.conditions?.find((c) => c.type === type);
  const placed =
    (w.status?.decision?.ledgerTxId ? w.status.decision.placements : []).map((p) => `${p.cluster}${p.pool ? `/${p.pool}` : ''}×${p.replicas}`).join(', ') ||
    '-';
  const scheduled = condition('Scheduled');
  const ready = condition('Ready');
  return `${w.metadata.namespace}/${w.metadata.name}: placed ${placed}; Scheduled=${scheduled?.status ?? '?'} ${scheduled?.reason ?? ''}; Ready=${ready?.status ?? '?'} ${ready?.reason ?? ''}${scheduled?.status === 'False' ? ` — ${scheduled.message}` : ''}`;
}

/** Prints each workload's placement and readiness whenever it changes, until each is Ready or refused. */
async function followWorkloads(host: ReturnType<typeof federation.host.kubeConfig>, timeoutMs: number): Promise<void> {
  const seen = new Map<string, string>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const workloads = (await kindClient<FederatedWorkload>(host, FederatedWorkloadKind).list()).items;
    for (const w of workloads) {
      const line = workloadLine(w);
      if (seen.get(w.metadata.name!) !== line) log(`fw ${line}`);
      seen.set(w.metadata.name!, line);
    }
    const settled = workloads.every((w) =>
      w.status?.conditions?.some(
        (c) => (c.type === 'Ready' && c.status === 'True') || (c.type === 'Scheduled' && c.status === 'False' && c.reason !== 'LedgerUnavailable'),
      ),
    );
    if (settled) return;
    if (Date.now() > deadline) {
      log('some workloads are still converging; the table below shows where they are');
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

const federation = await startDemoFederation(log);
let operator: RunningOperator | undefined;
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  log('stopping the operator and the control planes…');
  await operator?.stop();
  await federation.stop();
  log('stopped; nothing left running');
};

try {
  const host = federation.host.kubeConfig();
  // One embedded ledger, two organizations: the operator records, the hospital owns its dataset's policy.
  const operatorKey = await loadOrCreateOperatorKey(host, OPERATOR_NAMESPACE);
  const store = await EmbeddedLedger.open(join(federation.dir, 'ledger'), embeddedLedgerIntegrity(host, OPERATOR_NAMESPACE, operatorKey));
  await new SovereigntyLedger(store.connect(EMBEDDED_TRUST_ADMIN_IDENTITY)).syncTrustAnchors(anchorsOf(await loadTrustConfig(host, OPERATOR_NAMESPACE)));
  await new SovereigntyLedger(store.connect(DATA_OWNER)).publishPolicy({
    datasetId: 'clinical-notes-fr',
    allowedJurisdictions: ['EU'],
    allowedCountries: ['FR'],
    allowedProviders: [],
    allowedPurposes: ['inference'],
    verifiedNodesOnly: true,
    grantTtlSeconds: 3600,
  });
  log('HospitalMSP published the policy of dataset clinical-notes-fr: FR only, purpose inference, verified nodes only');
  operator = await startOperator({
    host,
    namespace: OPERATOR_NAMESPACE,
    ledgerDir: join(federation.dir, 'ledger'),
    ledger: new SovereigntyLedger(store.connect(EMBEDDED_OPERATOR_IDENTITY), () => store.close()),
    log: createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }),
  });
  log('operator running (SovereignNode, MemberCluster, GpuPool and FederatedWorkload controllers, embedded ledger)');

  // Each node's agent answers the challenge the operator publishes.
  await Promise.all(demoNodeKeys(federation).map(({ name, keyFile }) => answerChallenge(host, name, JSON.parse(readFileSync(keyFile, 'utf8')) as KeyFile)));
  log('node agents answered their challenges');

  const deadline = Date.now() + 60_000;
  for (;;) {
    const list = await kindClient<SovereignNode>(host, SovereignNodeKind).list();
    const settled = list.items.filter((n) => {
      const verified = n.status?.conditions?.find((c) => c.type === 'Verified');
      return verified?.reason === DEMO_SOVEREIGN_NODES[n.metadata.name!] && n.status?.conditions?.some((c) => c.type === 'NodeBound' && c.status === 'True');
    });
    if (settled.length === Object.keys(DEMO_SOVEREIGN_NODES).length) break;
    if (Date.now() > deadline) throw new Error(`only ${settled.length} of ${list.items.length} nodes reached their expected verdict`);
    await new Promise((r) => setTimeout(r, 250));
  }
  log('every node has its verdict, recorded on the ledger');

  // Member health and pool capacity follow from the verdicts.
  const capacityDeadline = Date.now() + 60_000;
  for (;;) {
    const clusters = await kindClient<MemberCluster>(host, MemberClusterKind).list();
    const pools = await kindClient<GpuPool>(host, GpuPoolKind).list();
    const ready = clusters.items.filter(
      (c) => c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') && c.status.verifiedNodeCount === expectedVerified(c.metadata.name!),
    );
    const counted = pools.items.filter((p) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
    if (ready.length === clusters.items.length && counted.length === pools.items.length) break;
    if (Date.now() > capacityDeadline) throw new Error(`only ${ready.length} member clusters and ${counted.length} GPU pools are ready`);
    await new Promise((r) => setTimeout(r, 250));
  }
  log('member clusters probed, GPU pools counted from verified nodes');

  await followWorkloads(host, 60_000);
  const hostKubeconfig = federation.host.access.kubeconfigPath;
  console.log(`\n${(await kubectl(hostKubeconfig, ['get', 'mc,sn,gp,fw', '-A'])).stdout}`);
  for (const member of federation.members.values()) {
    const nodes = await kubectl(member.access.kubeconfigPath, [
      'get',
      'nodes',
      '-o',
      'custom-columns=NODE:.metadata.name,VERIFIED:.metadata.labels.trust\\.cloudempire\\.eu/verified,COUNTRY:.metadata.labels.trust\\.cloudempire\\.eu/country,TAINTS:.spec.taints[*].key,ALLOCATABLE:.status.allocatable',
    ]);
    console.log(`member ${member.name}:\n${nodes.stdout}`);
    const objects = await kubectl(member.access.kubeconfigPath, [
      'get',
      'deployments,jobs,pods',
      '-A',
      '-l',
      'cloudempire.eu/managed-by=cloud-empire',
      '-o',
      'wide',
    ]);
    console.log(`member ${member.name}, objects the operator placed:\n${objects.stdout || '(none)\n'}`);
  }
  console.log(`catalog of sovereign GPU offerings (empirectl catalog):\n${catalogTable(await readCatalog(host))}\n`);
  // With --once everything below is removed on exit: say so rather than point at a deleted folder.
  if (once) console.log('\n(--once: the folders below are removed when the demo stops; run `npm run demo` without it to use them)');
  console.log(`\nThe host API server:   export KUBECONFIG=${hostKubeconfig}`);
  for (const member of federation.members.values()) console.log(`member ${member.name.padEnd(8)}      KUBECONFIG=${member.access.kubeconfigPath}`);
  const ledgerDir = join(federation.dir, 'ledger');
  const operatorDid = didOfKey(operatorKey);
  const head = await new ConfigMapHeadCheckpoint(host, OPERATOR_NAMESPACE).read();
  const check = verifyLedger(ledgerDir, { operator: verifyingKeyOfDid(operatorDid), expectHead: head });
  console.log(
    `ledger (embedded, hash-chained, signed): ${check.blocks} blocks, ${check.transactions} transactions, ${check.ok ? 'intact' : `ALTERED: ${check.problem}`}`,
  );
  console.log(
    `                      check it yourself: npx empirectl ledger verify --dir ${ledgerDir} --operator ${operatorDid} --kubeconfig ${hostKubeconfig} --namespace ${OPERATOR_NAMESPACE}`,
  );
} catch (error) {
  await stop();
  throw error;
}

if (once) {
  await stop();
} else {
  log('running; press Ctrl-C to stop');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().then(() => process.exit(0)));
}
