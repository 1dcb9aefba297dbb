// The operator process: `node src/operator/main.ts [--kubeconfig FILE] [--namespace NS] [--ledger-dir DIR]`.
// In a pod it uses its service account; elsewhere KUBECONFIG or --kubeconfig.
import { KubeConfig } from '@kubernetes/client-node';
import { parseArgs } from 'node:util';
import { logger } from '../logging/logger.ts';
import { startOperator } from './operator.ts';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    namespace: { type: 'string', default: process.env.POD_NAMESPACE ?? 'cloud-empire' },
    'ledger-dir': { type: 'string', default: process.env.LEDGER_DIR ?? '/var/lib/cloud-empire/ledger' },
  },
});

const host = new KubeConfig();
if (values.kubeconfig) host.loadFromFile(values.kubeconfig);
else host.loadFromDefault();

const operator = await startOperator({ host, namespace: values.namespace!, ledgerDir: values['ledger-dir']!, log: logger });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info('stopping', { component: 'operator', signal });
    void operator.stop().then(() => process.exit(0));
  });
}
