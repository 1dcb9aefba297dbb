// empirectl explain: why each cluster and pool was chosen or refused, and the
// replicas each gets — offline from a snapshot file, or live from the host.
// empirectl federation snapshot: writes that file from a live host.
import type { FederatedWorkload } from '../../api/generated/types.ts';
import { FederatedWorkloadKind } from '../../api/schema/federatedworkload.ts';
import { parseManifests, ManifestError } from '../../api/manifests.ts';
import { validate } from '../../api/validate.ts';
import type { CurrentPlacement, ScheduleOptions } from '../../scheduler/framework.ts';
import { scheduleAll, type Decision } from '../../scheduler/schedule.ts';
import { book, bookingsOf, type Booking } from '../../scheduler/bookings.ts';
import { buildSnapshot } from '../../scheduler/snapshot-builder.ts';
import type { CliCommand, CliOutput } from '../command.ts';
import { UsageError } from '../errors.ts';
import { federationYaml, parseFederationFile } from '../federation-snapshot.ts';
import { readText } from '../input.ts';
import { hostKubeConfig } from '../kubeconfig.ts';
import { epochSeconds } from '../values.ts';

const USAGE = `empirectl explain -f WORKLOAD.yaml --snapshot FEDERATION.yaml, or empirectl explain fw/NAME [-n NAMESPACE]`;

interface ExplainOptions {
  filename?: string;
  snapshot?: string;
  output: string;
  namespace?: string;
  kubeconfig?: string;
  now?: string;
  jurisdiction?: string[];
  allowedRegistries?: string;
}

export function registerExplain(program: CliCommand, io: CliOutput): void {
  program
    .command('explain')
    .description('why each cluster and GPU pool was chosen or refused for FederatedWorkloads, and the replicas each gets (exit 0 all scheduled, 3 not)')
    .argument('[workload]', 'fw/NAME: a live FederatedWorkload on the host (otherwise -f with --snapshot, offline)')
    .option('-f, --filename <file>', 'FederatedWorkloads (multi-document YAML), decided in order, each reserving what it takes')
    .option('--snapshot <file>', 'the federation: MemberClusters, SovereignNodes, GpuPools with status (empirectl federation snapshot)')
    .option('-o, --output <format>', 'table or json', 'table')
    .option('-n, --namespace <namespace>', "the live workload's namespace (default: the context's, else default)")
    .option('--kubeconfig <file>', 'the host cluster (default: $KUBECONFIG, ~/.kube/config or the pod)')
    .option('--now <RFC3339>', 'judge credential expiry as of this time')
    .option('--jurisdiction <name...>', 'jurisdictions for workloads that name none (default EU)')
    .option('--allowed-registries <list>', 'comma-separated registries images may come from where a cluster sets none')
    .handle<ExplainOptions>((options, command) => explain(command.args[0], options, io));
  program
    .command('federation')
    .description('the federation as a whole')
    .command('snapshot')
    .description('write MemberClusters, SovereignNodes and GpuPools with their status, for explain --snapshot')
    .option('--kubeconfig <file>', 'the host cluster (default: $KUBECONFIG, ~/.kube/config or the pod)')
    .handle<{ kubeconfig?: string }>(async (options) => {
      const host = await hostKubeConfig(options.kubeconfig);
      const { readFederation } = await import('../federation-live.ts'); // the Kubernetes client, loaded on use (see hostKubeConfig)
      io.out(federationYaml(await readFederation(host)).trimEnd());
    });
}

function readWorkloads(path: string): FederatedWorkload[] {
  let manifests;
  try {
    manifests = parseManifests(readText(path, '-f'), path);
  } catch (error) {
    if (error instanceof ManifestError) throw new UsageError(error.message);
    throw error;
  }
  const workloads = manifests.map((m) => {
    const where = `${path} document ${m.index + 1}`;
    if (m.object.kind !== 'FederatedWorkload')
      throw new UsageError(`${where}: kind: ${JSON.stringify(m.object.kind ?? null)}; explain reads FederatedWorkloads`);
    const result = validate('FederatedWorkload', m.object);
    if (!result.ok) throw new UsageError(`${where}: ${result.issues[0].path || '(root)'}: ${result.issues[0].message}`);
    return result.value;
  });
  if (!workloads.length) throw new UsageError(`${path}: no FederatedWorkload in it`);
  return workloads;
}

const currentOf = (workload: FederatedWorkload): CurrentPlacement[] | undefined =>
  workload.status?.decision?.placements.map((p) => ({ cluster: p.cluster, ...(p.pool && { pool: p.pool }), replicas: p.replicas }));

function pad(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}

/** The decision as a table: one row per cluster, pool refusals under it, then the assignment. */
export function decisionTable(decision: Decision): string {
  const lines = [
    `${decision.workload}: ${decision.result}${decision.fallback ? ' (ordered fallback)' : ''}${decision.unschedulable ? ` — ${decision.unschedulable.code}: ${decision.unschedulable.message}` : ''}`,
  ];
  const rows: string[][] = [['CLUSTER', 'VERDICT', 'PLUGIN', 'POOL', 'REPLICAS', 'DETAIL']];
  const placed = new Map(decision.placements.map((p) => [p.cluster, p]));
  for (const e of decision.evaluations) {
    const p = placed.get(e.cluster);
    if (e.refusal) rows.push([e.cluster, 'refused', e.refusal.plugin, '', '', `${e.refusal.code}: ${e.refusal.reason}`]);
    else {
      const scores = e.scores!.map((s) => `${s.plugin}=${s.score}`).join(' ');
      rows.push([
        e.cluster,
        `score ${e.score}`,
        '',
        e.pool ?? '',
        p ? String(p.replicas) + (p.completions !== undefined ? ` (${p.completions} completions)` : '') : '0',
        `${e.country}, ${e.slots} pod(s) fit; ${scores}`,
      ]);
    }
    for (const pool of e.poolRefusals ?? []) rows.push([`  pool ${pool.pool}`, 'refused', pool.plugin, '', '', `${pool.code}: ${pool.reason}`]);
  }
  lines.push(...pad(rows));
  if (decision.placements.length) {
    lines.push('', 'Placement:');
    for (const p of decision.placements) {
      lines.push(
        `  ${p.cluster}${p.pool ? `/${p.pool}` : ''}: ${p.replicas} pod(s)${p.completions !== undefined ? `, ${p.completions} completions` : ''} on ${p.nodes.length} verified node(s) in ${p.country} (${p.provider})`,
      );
    }
  }
  return lines.join('\n');
}

function decisionJson(decision: Decision) {
  const { reservations: _reservations, ...rest } = decision;
  return { ...rest, placements: decision.placements.map((p) => ({ ...p, nodes: p.nodes.map((n) => ({ name: n.name, did: n.did, country: n.country })) })) };
}

async function explain(positional: string | undefined, values: ExplainOptions, io: CliOutput): Promise<number> {
  const output = values.output;
  if (output !== 'table' && output !== 'json') throw new UsageError(`-o ${output}: use table or json`);
  const options: ScheduleOptions = {
    ...(values.jurisdiction && { defaultJurisdictions: values.jurisdiction }),
    ...(values.allowedRegistries && { allowedRegistries: values.allowedRegistries.split(',').filter(Boolean) }),
  };
  const nowMs = values.now ? epochSeconds(values.now, 'now') * 1000 : Date.now();

  let workloads: FederatedWorkload[];
  let federation;
  let bookings: Booking[] = [];
  if (positional) {
    if (values.filename || values.snapshot) throw new UsageError(`give either fw/NAME (live) or -f with --snapshot (offline); usage: ${USAGE}`);
    const match = /^(?:fw|federatedworkloads?|federatedworkload\.cloudempire\.eu)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(positional);
    if (!match) throw new UsageError(`${positional}: name the workload as fw/NAME; usage: ${USAGE}`);
    const host = await hostKubeConfig(values.kubeconfig);
    const { readFederation } = await import('../federation-live.ts'); // the Kubernetes client, loaded on use (see hostKubeConfig)
    const { kindClient } = await import('../../runtime/kind-client.ts');
    const namespace = values.namespace ?? host.getContextObject(host.getCurrentContext())?.namespace ?? 'default';
    const workload = await kindClient<FederatedWorkload>(host, FederatedWorkloadKind).get(`${namespace}/${match[1]}`);
    if (!workload) throw new UsageError(`federatedworkload ${namespace}/${match[1]} not found`);
    workloads = [workload];
    federation = await readFederation(host);
    // As the controller decides: on what every recorded decision (this workload's included, its current placement) has booked.
    bookings = bookingsOf((await kindClient<FederatedWorkload>(host, FederatedWorkloadKind).list()).items);
  } else {
    if (!values.filename || !values.snapshot) throw new UsageError(`offline explain needs both -f and --snapshot (or name a live fw/NAME); usage: ${USAGE}`);
    workloads = readWorkloads(values.filename);
    federation = parseFederationFile(readText(values.snapshot, '--snapshot'), values.snapshot);
  }

  const { decisions } = scheduleAll(workloads, book(buildSnapshot(federation, nowMs), bookings), (w) => ({ ...options, current: currentOf(w) }));
  if (output === 'json') io.out(JSON.stringify(decisions.length === 1 ? decisionJson(decisions[0]) : decisions.map(decisionJson), null, 2));
  else io.out(decisions.map(decisionTable).join('\n\n'));
  return decisions.every((d) => d.result === 'Scheduled') ? 0 : 3;
}
