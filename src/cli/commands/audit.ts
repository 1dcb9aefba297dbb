import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { checkClaimsAgainstLedger, signCertificate, sovereigntyClaims, verifyCertificate } from '../../audit/certificate.ts';
import { exportAudit, ExportRequestError, meteringFromDir, parseFormat, parseInstant, parseKind, parseRange, type ExportResult } from '../../audit/export.ts';
import { closedIntervals } from '../../audit/metering-log.ts';
import { AUDIT_JOURNAL_FILE, JournalAuditSource } from '../../audit/event-journal.ts';
import { AuditLedgerError, EmbeddedAuditSource, type AuditSource } from '../../audit/source.ts';
import { blocksPath } from '../../ledger/embedded/files.ts';
import { indexLedger, verifyExport } from '../../audit/verify-export.ts';
import { OPERATOR_IDENTITY_SECRET } from '../../operator/identity.ts';
import type { KeyFile } from '../../trust/issue.ts';
import { verifyingKeyOfDid } from '../../trust/signing-key.ts';
import type { CliCommand, CliOutput } from '../command.ts';
import { UsageError } from '../errors.ts';
import { readText } from '../input.ts';
import { hostKubeConfig } from '../kubeconfig.ts';

const DEFAULT_LEDGER_DIR = '/var/lib/cloud-empire/ledger';
const LEDGER_DIR_HELP = "the operator's ledger directory (default: $LEDGER_DIR or /var/lib/cloud-empire/ledger)";
const OPERATOR_HELP = "the operator's did:key: every block read must carry its signature (recommended)";

interface SourceOptions {
  ledgerDir?: string;
  operator?: string;
}

interface ExportOptions extends SourceOptions {
  out: string;
  kind: string;
  format: string;
  from?: string;
  to?: string;
}

/** Request errors are bad input: exit 2 with the field and an example. */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ExportRequestError) throw new UsageError(error.message);
    throw error;
  }
}

function ledgerSource(options: SourceOptions): { dir: string; source: AuditSource } {
  const dir = options.ledgerDir ?? process.env.LEDGER_DIR ?? DEFAULT_LEDGER_DIR;
  let operator;
  if (options.operator) {
    try {
      operator = verifyingKeyOfDid(options.operator);
    } catch (error) {
      throw new UsageError(`--operator: ${(error as Error).message}`);
    }
  }
  // A Fabric operator's directory holds the journal of the chaincode events instead of blocks.
  if (!existsSync(blocksPath(dir)) && existsSync(join(dir, AUDIT_JOURNAL_FILE))) return { dir, source: new JournalAuditSource(dir) };
  return { dir, source: new EmbeddedAuditSource(dir, operator) };
}

/** A ledger that does not verify is a refusal (exit 3), not a crash. */
async function orLedgerRefusal<T>(io: CliOutput, run: () => Promise<T>): Promise<T | number> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof AuditLedgerError)) throw error;
    io.out(JSON.stringify({ ok: false, problem: error.message }, null, 2));
    return 3;
  }
}

export function registerAudit(program: CliCommand, io: CliOutput): void {
  const audit = program.command('audit').description('the audit trail: Parquet and FOCUS exports, row checks against the ledger, sovereignty certificates');
  audit
    .command('export')
    .description('write verification verdicts, placements, data access and GPU metering as Parquet (for DuckDB, Spark, pandas; FOCUS 1.2 for FinOps tools)')
    .required('--out <file>', 'the Parquet file to write')
    .option('--kind <kind>', 'verifications, placements, access, metering or all', 'all')
    .option('--format <format>', 'audit, or focus (FOCUS 1.2 cost and usage; with --kind metering)', 'audit')
    .option('--from <instant>', 'only records at or after this ISO 8601 instant, e.g. 2026-11-01T00:00:00Z')
    .option('--to <instant>', 'only records before this instant')
    .option('--ledger-dir <dir>', LEDGER_DIR_HELP)
    .option('--operator <did>', OPERATOR_HELP)
    .handle<ExportOptions>((options) => runExport(options, io));
  audit
    .command('verify')
    .description("check each row of an audit export against the ledger (and the meter's journal); list rows it does not back (exit 0 all backed, 3 not)")
    .argument('<file>', 'the Parquet file (an audit export, not FOCUS)')
    .option('--ledger-dir <dir>', LEDGER_DIR_HELP)
    .option('--operator <did>', OPERATOR_HELP)
    .option('-o, --output <format>', 'text or json', 'text')
    .handle<SourceOptions & { output: string }>((options, command) => runVerify(command.args[0], options, io));
  const certificate = audit
    .command('certificate')
    .description("write a sovereignty certificate: a VC-JWT signed by the operator's did:key stating where fw/NAME ran in a period")
    .argument('[workload]', 'fw/NAME (or federatedworkload/NAME)')
    .option('-n, --namespace <ns>', "the workload's namespace", 'default')
    .option('--from <instant>', 'the period start (ISO 8601); default: all history')
    .option('--to <instant>', 'the period end (ISO 8601); default: now')
    .option('--out <file>', 'where to write the VC-JWT (default: stdout)')
    .option('--key <file>', "the operator's key file (key.jwk); default: read Secret cloud-empire-operator-identity with --kubeconfig")
    .option('--kubeconfig <file>', 'the host cluster holding the operator identity Secret')
    .option('--operator-namespace <ns>', "the operator's namespace", 'cloud-empire')
    .option('--ledger-dir <dir>', LEDGER_DIR_HELP)
    .option('--operator <did>', OPERATOR_HELP)
    .handle<CertificateOptions>((options, command) => runCertificate(command.args[0], options, io));
  certificate
    .command('verify')
    .description(
      'check a sovereignty certificate: signature, issuer, type and claims offline; with --ledger-dir every claim against the ledger (exit 0 verified, 3 not)',
    )
    .argument('<file>', 'the certificate (VC-JWT)')
    .option('--operator <did>', "the operator's did:key the certificate must be issued by")
    .option('--ledger-dir <dir>', 'also check every claim against this ledger and its meter journal')
    // commander gives options also named on `certificate` to it, wherever they are typed: read both.
    .handle<{ operator?: string; ledgerDir?: string }>((_options, command) => runCertificateVerify(command.args[0], command.optsWithGlobals(), io));
}

/** Writes to FILE.tmp, syncs and renames: a crash or a refused ledger never leaves a half file under the name asked for. */
async function writeFileAtomically(path: string, write: (sink: (chunk: Buffer) => void) => Promise<ExportResult>): Promise<ExportResult> {
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  let result: ExportResult;
  try {
    result = await write((chunk) => {
      writeSync(fd, chunk);
    });
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temporary, path);
  return result;
}

async function runExport(options: ExportOptions, io: CliOutput): Promise<number> {
  const kind = usage(() => parseKind(options.kind));
  const format = usage(() => parseFormat(options.format, kind));
  const range = usage(() => parseRange(options.from, options.to));
  const { dir, source } = ledgerSource(options);
  const result = await orLedgerRefusal(io, () =>
    writeFileAtomically(options.out, (sink) => exportAudit({ ledger: source, metering: meteringFromDir(dir) }, { kind, format, range }, sink)),
  );
  if (typeof result === 'number') return result;
  io.out(JSON.stringify({ out: options.out, kind, format, rows: result.rows, byKind: result.byKind }));
  return 0;
}

async function runVerify(file: string, options: SourceOptions & { output: string }, io: CliOutput): Promise<number> {
  if (options.output !== 'text' && options.output !== 'json') throw new UsageError(`-o ${options.output}: use text or json`);
  const { dir, source } = ledgerSource(options);
  const check = await orLedgerRefusal(io, async () => verifyExport(file, await indexLedger(source), closedIntervals(dir)));
  if (typeof check === 'number') return check;
  if (options.output === 'json') io.out(JSON.stringify(check, null, 2));
  else {
    io.out(`${file}: ${check.rows} rows, ${check.backed} backed by ${source.description}, ${check.unbacked.length} not`);
    for (const row of check.unbacked) io.out(`row ${row.row} (${row.kind}${row.txId ? `, tx ${row.txId}` : ''}): ${row.problem}`);
  }
  return check.unbacked.length ? 3 : 0;
}

interface CertificateOptions extends SourceOptions {
  namespace: string;
  from?: string;
  to?: string;
  out?: string;
  key?: string;
  kubeconfig?: string;
  operatorNamespace: string;
}

function workloadName(ref: string | undefined): string {
  const match = /^(fw|federatedworkload|federatedworkloads)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(ref ?? '');
  if (!match) throw new UsageError(`the workload ${ref === undefined ? 'is missing' : JSON.stringify(ref)}: write fw/NAME, e.g. fw/llm-inference`);
  return match[2];
}

async function operatorKey(options: CertificateOptions): Promise<KeyFile> {
  if (options.key) {
    try {
      return JSON.parse(readText(options.key, '--key')) as KeyFile;
    } catch (error) {
      throw error instanceof UsageError ? error : new UsageError(`--key ${options.key} is not a JSON key file (key.jwk)`);
    }
  }
  const core = (await hostKubeConfig(options.kubeconfig)).makeApiClient(CoreV1Api);
  const secret = await core.readNamespacedSecret({ name: OPERATOR_IDENTITY_SECRET, namespace: options.operatorNamespace });
  const data = secret.data?.['key.jwk'];
  if (!data) throw new UsageError(`Secret ${options.operatorNamespace}/${OPERATOR_IDENTITY_SECRET} has no key.jwk`);
  return JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as KeyFile;
}

async function runCertificate(ref: string | undefined, options: CertificateOptions, io: CliOutput): Promise<number> {
  const name = workloadName(ref);
  const from = options.from === undefined ? undefined : usage(() => parseInstant(options.from!, '--from'));
  const to = options.to === undefined ? Date.now() : usage(() => parseInstant(options.to!, '--to'));
  if (from !== undefined && to <= from) throw new UsageError(`--to ${options.to ?? 'now'} must be after --from ${options.from}`);
  const key = await operatorKey(options);
  const { dir, source } = ledgerSource(options);
  const claims = await orLedgerRefusal(io, () => sovereigntyClaims({ namespace: options.namespace, name }, { from, to }, source, closedIntervals(dir)));
  if (typeof claims === 'number') return claims;
  const jwt = signCertificate(claims, key);
  if (!options.out) io.out(jwt);
  else {
    const fd = openSync(options.out, 'w', 0o644);
    writeSync(fd, `${jwt}\n`);
    closeSync(fd);
    io.out(
      JSON.stringify({
        out: options.out,
        workload: `${options.namespace}/${name}`,
        clusters: claims.clusters,
        countries: claims.countries,
        providers: claims.providers,
        nodes: claims.nodes.length,
      }),
    );
  }
  return 0;
}

async function runCertificateVerify(file: string, options: { operator?: string; ledgerDir?: string }, io: CliOutput): Promise<number> {
  if (options.operator && !options.operator.startsWith('did:key:')) throw new UsageError(`--operator ${options.operator}: the operator signs with a did:key`);
  const verdict = verifyCertificate(readText(file, 'the certificate'), options.operator);
  if (verdict.verified && options.ledgerDir) {
    const { dir, source } = ledgerSource({ ledgerDir: options.ledgerDir, operator: verdict.issuer });
    const problem = await orLedgerRefusal(io, () => checkClaimsAgainstLedger(verdict.claims!, source, closedIntervals(dir)));
    if (typeof problem === 'number') return problem;
    if (problem) {
      io.out(JSON.stringify({ verified: false, issuer: verdict.issuer, problem }, null, 2));
      return 3;
    }
  }
  if (!verdict.verified) {
    io.out(JSON.stringify(verdict, null, 2));
    return 3;
  }
  io.out(
    JSON.stringify(
      {
        verified: true,
        issuer: verdict.issuer,
        checkedAgainstLedger: !!options.ledgerDir,
        workload: verdict.claims!.workload,
        period: verdict.claims!.period,
        clusters: verdict.claims!.clusters,
        countries: verdict.claims!.countries,
        providers: verdict.claims!.providers,
      },
      null,
      2,
    ),
  );
  return 0;
}
