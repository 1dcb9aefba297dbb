// empirectl explain: why each cluster and pool was chosen or refused, and the
// replicas each gets — offline from a snapshot file, or live from the host.
// empirectl federation snapshot: writes that file from a live host.
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { FederatedWorkload } from '../../api/generated/types.ts';
import { GROUP, VERSION } from '../../api/schema/common.ts';
import { parseManifests, ManifestError } from '../../api/manifests.ts';
import { validate } from '../../api/validate.ts';
import { isNotFound } from '../../operator/api-errors.ts';
import type { CurrentPlacement, ScheduleOptions } from '../../scheduler/framework.ts';
import { scheduleAll, type Decision } from '../../scheduler/schedule.ts';
import { buildSnapshot } from '../../scheduler/snapshot-builder.ts';
import { epochSeconds, parse, readText, UsageError } from '../args.ts';
import { federationYaml, parseFederationFile, readFederation } from '../federation-snapshot.ts';

const USAGE = `empirectl explain -f WORKLOAD.yaml --snapshot FEDERATION.yaml [-o table|json] [--now RFC3339] [--jurisdiction EU] [--allowed-registries R1,R2]
       empirectl explain fw/NAME [-n NAMESPACE] [-o table|json] [--kubeconfig FILE]
exit 0: every workload scheduled; 3: at least one could not be; 2: bad input`;

const SNAPSHOT_USAGE = 'empirectl federation snapshot [--kubeconfig FILE] > federation.yaml';

function hostConfig(path: string | undefined): KubeConfig {
  const host = new KubeConfig();
  if (path) host.loadFromFile(path);
  else host.loadFromDefault();
  return host;
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
    if (m.object.kind !== 'FederatedWorkload') throw new UsageError(`${where}: kind: ${JSON.stringify(m.object.kind ?? null)}; explain reads FederatedWorkloads`);
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
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd());
}

/** The decision as a table: one row per cluster, pool refusals under it, then the assignment. */
export function decisionTable(decision: Decision): string {
  const lines = [`${decision.workload}: ${decision.result}${decision.fallback ? ' (ordered fallback)' : ''}${decision.unschedulable ? ` — ${decision.unschedulable.code}: ${decision.unschedulable.message}` : ''}`];
  const rows: string[][] = [['CLUSTER', 'VERDICT', 'PLUGIN', 'POOL', 'REPLICAS', 'DETAIL']];
  const placed = new Map(decision.placements.map((p) => [p.cluster, p]));
  for (const e of decision.evaluations) {
    const p = placed.get(e.cluster);
    if (e.refusal) rows.push([e.cluster, 'refused', e.refusal.plugin, '', '', `${e.refusal.code}: ${e.refusal.reason}`]);
    else {
      const scores = e.scores!.map((s) => `${s.plugin}=${s.score}`).join(' ');
      rows.push([e.cluster, `score ${e.score}`, '', e.pool ?? '', p ? String(p.replicas) + (p.completions !== undefined ? ` (${p.completions} completions)` : '') : '0', `${e.country}, ${e.slots} pod(s) fit; ${scores}`]);
    }
    for (const pool of e.poolRefusals ?? []) rows.push([`  pool ${pool.pool}`, 'refused', pool.plugin, '', '', `${pool.code}: ${pool.reason}`]);
  }
  lines.push(...pad(rows));
  if (decision.placements.length) {
    lines.push('', 'Placement:');
    for (const p of decision.placements) {
      lines.push(`  ${p.cluster}${p.pool ? `/${p.pool}` : ''}: ${p.replicas} pod(s)${p.completions !== undefined ? `, ${p.completions} completions` : ''} on ${p.nodes.length} verified node(s) in ${p.country} (${p.provider})`);
    }
  }
  return lines.join('\n');
}

function decisionJson(decision: Decision) {
  const { reservations: _reservations, ...rest } = decision;
  return { ...rest, placements: decision.placements.map((p) => ({ ...p, nodes: p.nodes.map((n) => ({ name: n.name, did: n.did, country: n.country })) })) };
}

export async function explain(args: string[], out: (line: string) => void): Promise<number> {
  const positional = args[0] && !args[0].startsWith('-') ? args[0] : undefined;
  const values = parse(
    positional ? args.slice(1) : args,
    {
      filename: { type: 'string', short: 'f' },
      snapshot: { type: 'string' },
      output: { type: 'string', short: 'o' },
      namespace: { type: 'string', short: 'n' },
      kubeconfig: { type: 'string' },
      now: { type: 'string' },
      jurisdiction: { type: 'string', multiple: true },
      'allowed-registries': { type: 'string' },
    },
    USAGE,
  );
  const output = (values.output as string | undefined) ?? 'table';
  if (output !== 'table' && output !== 'json') throw new UsageError(`-o ${output}: use table or json`);
  const options: ScheduleOptions = {
    ...(values.jurisdiction && { defaultJurisdictions: values.jurisdiction as unknown as string[] }),
    ...(values['allowed-registries'] && { allowedRegistries: (values['allowed-registries'] as string).split(',').filter(Boolean) }),
  };
  const nowMs = values.now ? epochSeconds(values.now as string, 'now') * 1000 : Date.now();

  let workloads: FederatedWorkload[];
  let federation;
  if (positional) {
    if (values.filename || values.snapshot) throw new UsageError(`give either fw/NAME (live) or -f with --snapshot (offline)\nusage: ${USAGE}`);
    const match = /^(?:fw|federatedworkloads?|federatedworkload\.cloudempire\.eu)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(positional);
    if (!match) throw new UsageError(`${positional}: name the workload as fw/NAME\nusage: ${USAGE}`);
    const host = hostConfig(values.kubeconfig as string | undefined);
    const namespace = (values.namespace as string | undefined) ?? host.getContextObject(host.getCurrentContext())?.namespace ?? 'default';
    const custom = host.makeApiClient(CustomObjectsApi);
    try {
      workloads = [(await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'federatedworkloads', name: match[1] })) as FederatedWorkload];
    } catch (error) {
      if (isNotFound(error)) throw new UsageError(`federatedworkload ${namespace}/${match[1]} not found`);
      throw error;
    }
    federation = await readFederation(host);
  } else {
    if (!values.filename || !values.snapshot) throw new UsageError(`offline explain needs both -f and --snapshot (or name a live fw/NAME)\nusage: ${USAGE}`);
    workloads = readWorkloads(values.filename as string);
    federation = parseFederationFile(readText(values.snapshot as string, '--snapshot'), values.snapshot as string);
  }

  const { decisions } = scheduleAll(workloads, buildSnapshot(federation, nowMs), (w) => ({ ...options, current: currentOf(w) }));
  if (output === 'json') out(JSON.stringify(decisions.length === 1 ? decisionJson(decisions[0]) : decisions.map(decisionJson), null, 2));
  else out(decisions.map(decisionTable).join('\n\n'));
  return decisions.every((d) => d.result === 'Scheduled') ? 0 : 3;
}

export async function federationSnapshot(args: string[], out: (line: string) => void): Promise<number> {
  const values = parse(args, { kubeconfig: { type: 'string' } }, SNAPSHOT_USAGE);
  out(federationYaml(await readFederation(hostConfig(values.kubeconfig as string | undefined))).trimEnd());
  return 0;
}
