// The operator process. In a pod it uses its service account; elsewhere KUBECONFIG or --kubeconfig.
//   node src/operator/main.ts [--kubeconfig FILE] [--namespace cloud-empire] [--ledger-dir DIR | --fabric-connection DIR]
//     [--http-addr 127.0.0.1:8080] [--leader-elect=false] [--lease-duration 15s] [--identity ID]
import './fatal-guard.ts'; // first: before any library can install its own handlers
import { withConnectionReuse } from '../cluster/keep-alive.ts';
import { logger } from '../logging/logger.ts';
import { catalogRoute } from '../catalog/route.ts';
import { operatorFlags, operatorHost } from './flags.ts';
import { signingKeyOf } from '../trust/signing-key.ts';
import { AUDIT_EXPORT_PATH, auditExportRoute, kubeAuthorizer } from './audit-route.ts';
import { startHttp } from './http.ts';
import { loadOrCreateOperatorKey } from './identity.ts';
import { LeaderElector } from './leader.ts';
import { startOperator, type RunningOperator } from './operator.ts';
import { testOnlyCrashAfterRecordPlacement } from './test-crash-point.ts';

const flags = operatorFlags();

const host = operatorHost(flags);
const crashAfterRecordPlacement = testOnlyCrashAfterRecordPlacement(process.env, logger);
withConnectionReuse(host);

let operator: RunningOperator | undefined;
let standby = flags.leaderElect;

const start = async () => {
  operator = await startOperator({
    host,
    namespace: flags.namespace,
    ledgerDir: flags.ledgerDir,
    fabricConnectionDir: flags.fabricConnection,
    log: logger,
    memberSecretNamespaces: flags.memberSecretNamespaces,
    operatorKey,
    writeFence: () => elector?.leadershipLapse(),
    testOnlyAfterRecordPlacement: crashAfterRecordPlacement,
  });
  standby = false;
};
const stop = async () => {
  standby = true;
  await operator?.stop();
  operator = undefined;
};

// Every replica serves the catalog (read-only); the key is shared through a Secret.
const operatorKey = await loadOrCreateOperatorKey(host, flags.namespace, {
  onRetry: (reason, waitMs) => logger.warn('operator identity not ready; retrying', { component: 'operator', reason, waitMs }),
});
const http = await startHttp({
  host: flags.httpHost,
  port: flags.httpPort,
  ready: () => standby || operator !== undefined,
  routes: {
    '/catalog': catalogRoute(host, operatorKey),
    [AUDIT_EXPORT_PATH]: auditExportRoute({
      ledgerDir: flags.ledgerDir,
      fabric: !!flags.fabricConnection,
      operator: signingKeyOf(operatorKey),
      authorizer: kubeAuthorizer(host),
      log: logger,
    }),
  },
});
logger.info('serving /healthz /readyz /metrics /catalog /audit/export', {
  component: 'operator',
  address: http.address,
  identity: flags.identity,
  did: operatorKey.kid.split('#')[0],
});

let elector: LeaderElector | undefined;
if (!flags.leaderElect) {
  await start();
} else {
  elector = new LeaderElector({
    kubeConfig: host,
    namespace: flags.namespace,
    name: 'cloud-empire-operator',
    identity: flags.identity,
    leaseDurationMs: flags.leaseMs,
    renewDeadlineMs: Math.floor((flags.leaseMs * 2) / 3),
    retryPeriodMs: Math.max(200, Math.floor(flags.leaseMs / 5)),
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
