import type { KubeConfig } from '@kubernetes/client-node';
import { Command, CommanderError, Option } from 'commander';
import { hostname } from 'node:os';
import { HostKubeconfigError, loadHostKubeConfig } from '../cluster/host-kubeconfig.ts';
import { printable } from '../util/printable.ts';

/** The operator's command line, checked. */
export interface OperatorFlags {
  kubeconfig?: string;
  namespace: string;
  ledgerDir: string;
  fabricConnection?: string;
  httpHost: string;
  httpPort: number;
  leaderElect: boolean;
  leaseMs: number;
  identity: string;
  /** Namespaces besides `namespace` whose Secrets may hold member kubeconfigs. */
  memberSecretNamespaces: string[];
}

/** The outcome of reading the command line: run, print help (exit 0), or refuse (exit 2). */
export type CommandLine = { run: OperatorFlags } | { help: string } | { error: string };

const PROGRAM = 'cloud-empire-operator';

interface RawFlags {
  kubeconfig?: string;
  namespace: string;
  ledgerDir: string;
  fabricConnection?: string;
  httpAddr: string;
  leaderElect: string;
  leaseDuration: string;
  identity: string;
  memberSecretNamespaces: string;
}

function program(env: NodeJS.ProcessEnv, output: { out: string; err: string }): Command {
  return new Command(PROGRAM)
    .description('The Cloud Empire operator: federates member clusters, verifies their nodes, records verdicts on the ledger.')
    .usage('[options]   (npm run operator -- [options])')
    .option('--kubeconfig <file>', 'the host cluster (default: $KUBECONFIG, ~/.kube/config, or the pod’s service account)')
    .option('--namespace <ns>', 'the operator’s namespace (Secrets, Lease, trust anchors)', env.POD_NAMESPACE ?? 'cloud-empire')
    .option('--ledger-dir <dir>', 'the embedded ledger’s directory', env.LEDGER_DIR ?? '/var/lib/cloud-empire/ledger')
    .option('--fabric-connection <dir>', 'use a Fabric network instead: connection.json, tls-ca.pem, cert.pem, key.pem', env.FABRIC_CONNECTION_DIR)
    .option('--http-addr <host:port>', 'where /healthz, /readyz, /metrics and /catalog listen', '127.0.0.1:8080')
    .addOption(new Option('--leader-elect <bool>', 'elect a leader through the Lease cloud-empire-operator').choices(['true', 'false']).default('true'))
    .option('--lease-duration <duration>', 'the Lease duration, e.g. 15s or 500ms', '15s')
    .option('--identity <id>', 'this replica’s name in the Lease', `${env.POD_NAME ?? hostname()}-${process.pid}`)
    .option(
      '--member-secret-namespaces <ns,...>',
      'namespaces besides --namespace whose Secrets may hold member kubeconfigs',
      env.MEMBER_SECRET_NAMESPACES ?? '',
    )
    .helpOption('-h, --help', 'print this help')
    .allowExcessArguments(false)
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (text) => (output.out += text), writeErr: (text) => (output.err += text) });
}

function duration(text: string, flag: string): number | string {
  const match = /^(\d+)(ms|s)$/.exec(text);
  if (!match || Number(match[1]) === 0) return `--${flag} ${text}: write a positive duration such as 15s or 500ms`;
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

function address(text: string): { host: string; port: number } | string {
  const match = /^(.+):(\d+)$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65_535) return `--http-addr ${text}: write host:port, e.g. 127.0.0.1:8080 or 0.0.0.0:8080`;
  return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port };
}

/** Reads the operator's flags; pure but for the defaults it takes from `env`, the host name and the pid. */
export function parseOperatorFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): CommandLine {
  const output = { out: '', err: '' };
  const command = program(env, output);
  try {
    command.parse(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.exitCode === 0) return { help: output.out };
    return { error: error.message.replace(/^error: /, '') };
  }
  const raw = command.opts<RawFlags>();
  const leaseMs = duration(raw.leaseDuration, 'lease-duration');
  if (typeof leaseMs === 'string') return { error: leaseMs };
  const http = address(raw.httpAddr);
  if (typeof http === 'string') return { error: http };
  return {
    run: {
      kubeconfig: raw.kubeconfig,
      namespace: raw.namespace,
      ledgerDir: raw.ledgerDir,
      fabricConnection: raw.fabricConnection,
      httpHost: http.host,
      httpPort: http.port,
      leaderElect: raw.leaderElect === 'true',
      leaseMs,
      identity: raw.identity,
      memberSecretNamespaces: raw.memberSecretNamespaces
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean),
    },
  };
}

/** Ends the process with one line naming the problem and exit code 2, before anything has started. */
function refuse(message: string): never {
  process.stderr.write(`${PROGRAM}: ${printable(message.replace(/\n/g, ' '))} (see --help)\n`);
  process.exit(2);
}

/** The flags to run with; prints help and exits 0, or prints one line and exits 2, as the command line asks. */
export function operatorFlags(argv = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): OperatorFlags {
  const line = parseOperatorFlags(argv, env);
  if ('run' in line) return line.run;
  if ('error' in line) refuse(line.error);
  process.stdout.write(line.help);
  process.exit(0);
}

/** The host cluster the flags name; a missing or unreadable kubeconfig ends the process (exit 2) instead of failing later. */
export function operatorHost(flags: OperatorFlags): KubeConfig {
  try {
    return loadHostKubeConfig(flags.kubeconfig);
  } catch (error) {
    if (error instanceof HostKubeconfigError) refuse(error.message);
    throw error;
  }
}
