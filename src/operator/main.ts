// The operator process (flags: USAGE below).
import { KubeConfig } from '@kubernetes/client-node';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { withConnectionReuse } from '../cluster/keep-alive.ts';
import { logger } from '../logging/logger.ts';
import { catalogRoute } from '../catalog/route.ts';
import { startHttp } from './http.ts';
import { loadOrCreateOperatorKey } from './identity.ts';
import { LeaderElector } from './leader.ts';
import { startOperator, type RunningOperator } from './operator.ts';

const USAGE = `usage: node src/operator/main.ts [--kubeconfig FILE] [--namespace cloud-empire] [--ledger-dir DIR | --fabric-connection DIR]
    [--http-addr 127.0.0.1:8080] [--leader-elect=false] [--lease-duration 15s] [--identity ID]
In a pod it uses its service account; elsewhere KUBECONFIG or --kubeconfig.`;

function parseFlags() {
  try {
    return parseArgs({
      options: {
        help: { type: 'boolean', short: 'h' },
        kubeconfig: { type: 'string' },
        namespace: { type: 'string', default: process.env.POD_NAMESPACE ?? 'cloud-empire' },
        'ledger-dir': { type: 'string', default: process.env.LEDGER_DIR ?? '/var/lib/cloud-empire/ledger' },
        'fabric-connection': { type: 'string', default: process.env.FABRIC_CONNECTION_DIR },
        'http-addr': { type: 'string', default: '127.0.0.1:8080' },
        'leader-elect': { type: 'string', default: 'true' },
        'lease-duration': { type: 'string', default: '15s' },
        identity: { type: 'string', default: `${process.env.POD_NAME ?? hostname()}-${process.pid}` },
      },
    });
  } catch (error) {
    // An unknown or malformed flag: say which, with the usage, instead of a stack trace.
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}
const { values } = parseFlags();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

function duration(text: string, flag: string): number {
  const match = /^(\d+)(ms|s)$/.exec(text);
  if (!match) {
    logger.error(`--${flag} ${text}: write a duration such as 15s or 500ms`);
    process.exit(2);
  }
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

const host = new KubeConfig();
if (values.kubeconfig) host.loadFromFile(values.kubeconfig);
else host.loadFromDefault();
withConnectionReuse(host);

const [httpHost, httpPort] = values['http-addr']!.split(/:(?=\d+$)/);
const leaseMs = duration(values['lease-duration']!, 'lease-duration');
let operator: RunningOperator | undefined;
let standby = values['leader-elect'] !== 'false';

const start = async () => {
  operator = await startOperator({ host, namespace: values.namespace!, ledgerDir: values['ledger-dir']!, fabricConnectionDir: values['fabric-connection'], log: logger });
  standby = false;
};
const stop = async () => {
  standby = true;
  await operator?.stop();
  operator = undefined;
};

// Every replica serves the catalog (read-only); the key is shared through a Secret.
const operatorKey = await loadOrCreateOperatorKey(host, values.namespace!);
const http = await startHttp({
  host: httpHost,
  port: Number(httpPort),
  ready: () => standby || operator !== undefined,
  routes: { '/catalog': catalogRoute(host, operatorKey) },
});
logger.info('serving /healthz /readyz /metrics /catalog', { component: 'operator', address: http.address, identity: values.identity, did: operatorKey.kid.split('#')[0] });

let elector: LeaderElector | undefined;
if (values['leader-elect'] === 'false') {
  await start();
} else {
  elector = new LeaderElector({
    kubeConfig: host,
    namespace: values.namespace!,
    name: 'cloud-empire-operator',
    identity: values.identity!,
    leaseDurationMs: leaseMs,
    renewDeadlineMs: Math.floor(leaseMs * 2 / 3),
    retryPeriodMs: Math.max(200, Math.floor(leaseMs / 5)),
    log: logger,
    onStartedLeading: start,
    onStoppedLeading: stop,
  });
  elector.start();
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info('shutting down', { component: 'operator', signal });
    void (async () => {
      if (elector) await elector.stop();
      else await stop();
      await http.close();
      process.exit(0);
    })();
  });
}
