// The operator as the soak runs it, in its own process so its memory is its
// own: src/operator/operator.ts's controllers and src/operator/http.ts's
// /metrics, as src/operator/main.ts wires them, with one difference: the
// soak's issuer and status list are served on loopback with a private CA,
// which the production fetcher refuses (by design), so this entry trusts that
// CA and allows 127.0.0.0/8. Leader election is off (one replica).
//   node bench/soak/operator-process.ts KUBECONFIG NAMESPACE LEDGER_DIR PORT CA_FILE
import '../../src/operator/fatal-guard.ts';
import { KubeConfig } from '@kubernetes/client-node';
import { Gauge } from 'prom-client';
import { readFileSync } from 'node:fs';
import { withConnectionReuse } from '../../src/cluster/keep-alive.ts';
import { logger } from '../../src/logging/logger.ts';
import { startHttp } from '../../src/operator/http.ts';
import { startOperator } from '../../src/operator/operator.ts';
import { registry } from '../../src/runtime/metrics.ts';
import { httpsFetcher } from '../../src/trust/fetcher.ts';

const [kubeconfig, namespace, ledgerDir, port, caFile] = process.argv.slice(2);
if (!caFile) {
  process.stderr.write('usage: operator-process.ts KUBECONFIG NAMESPACE LEDGER_DIR PORT CA_FILE\n');
  process.exit(2);
}
// prom-client reports external memory but not the ArrayBuffers among it; the soak tells them apart.
new Gauge({
  name: 'cloud_empire_nodejs_array_buffers_bytes',
  help: 'ArrayBuffer and Buffer memory (process.memoryUsage().arrayBuffers).',
  registers: [registry],
  collect() {
    this.set(process.memoryUsage().arrayBuffers);
  },
});

const host = new KubeConfig();
host.loadFromFile(kubeconfig);
withConnectionReuse(host);

let started = false;
const http = await startHttp({ host: '127.0.0.1', port: Number(port), ready: () => started });
const operator = await startOperator({
  host,
  namespace,
  ledgerDir,
  log: logger,
  fetcher: httpsFetcher({ ca: readFileSync(caFile, 'utf8'), allowLoopback: true, log: logger }),
  probeIntervalMs: 5_000,
});
started = true;
logger.info('soak operator running', { component: 'operator', address: http.address });

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void (async () => {
      await operator.stop();
      await http.close();
      process.exit(0);
    })();
  });
}
