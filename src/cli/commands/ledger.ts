import { KubeConfig } from '@kubernetes/client-node';
import { formatHead, parseHeadText, type LedgerHead } from '../../ledger/embedded/head-checkpoint.ts';
import { verifyLedger, type LedgerCheck } from '../../ledger/embedded/verify.ts';
import { ConfigMapHeadCheckpoint } from '../../ledger/kube-head-checkpoint.ts';
import { verifyingKeyOfDid } from '../../trust/signing-key.ts';
import { parse, required, UsageError } from '../args.ts';
import { FABRIC_USAGE, isFabricSubcommand, ledgerFabric } from './ledger-fabric.ts';

const USAGE = `empirectl ledger verify --operator DID [--dir DIR] [--kubeconfig FILE [--namespace NS] | --expect-head HEIGHT:HASH] [-o text|json]
  Checks the embedded ledger offline: every block's hash, link and signature
  by the operator's did:key (the \`did\` in Secret cloud-empire-operator-identity),
  every private value against its block, and, given a kubeconfig (ConfigMap
  NS/cloud-empire-ledger-head) or the head to expect, that no block was cut
  off its end (exit 0 intact, 3 altered, 2 bad input). DIR defaults to
  $LEDGER_DIR or /var/lib/cloud-empire/ledger, the operator's --ledger-dir.
${FABRIC_USAGE}`;

async function expectedHead(values: Record<string, unknown>): Promise<{ head?: LedgerHead; source?: string }> {
  if (values['expect-head'] && values.kubeconfig) throw new UsageError(`give --kubeconfig or --expect-head, not both\nusage: ${USAGE}`);
  if (typeof values['expect-head'] === 'string') {
    try {
      return { head: parseHeadText(values['expect-head'], '--expect-head'), source: '--expect-head' };
    } catch (error) {
      throw new UsageError((error as Error).message.replace(/;.*$/, ', e.g. 42:<64 hex digits>'));
    }
  }
  if (typeof values.kubeconfig !== 'string') return {};
  const host = new KubeConfig();
  host.loadFromFile(values.kubeconfig);
  const checkpoint = new ConfigMapHeadCheckpoint(host, (values.namespace as string | undefined) ?? 'cloud-empire');
  const head = await checkpoint.read();
  if (!head) throw new UsageError(`${checkpoint.where} does not exist: the operator has not checkpointed this ledger there (wrong cluster or --namespace?)`);
  return { head, source: checkpoint.where };
}

function report(dir: string, check: LedgerCheck, source: string | undefined, out: (line: string) => void): void {
  if (check.ok) {
    out(`ledger ${dir}: intact — ${check.blocks} blocks, ${check.transactions} transactions, head ${formatHead(check.head)}, every block signed by the operator`);
    out(source ? `head matches ${source}` : 'head NOT checked: pass --kubeconfig or --expect-head to detect blocks cut off its end');
    if (check.tornTail) out('a torn last write will be cut off when the ledger opens');
    return;
  }
  out(`ledger ${dir}: ALTERED — ${check.problem}`);
  if (check.firstBadBlock !== undefined) {
    const good = check.firstBadBlock === 0 ? 'no block verifies' : `blocks 0–${check.firstBadBlock - 1} verify`;
    out(`first bad block: ${check.firstBadBlock} (${good}; nothing from block ${check.firstBadBlock} on can be trusted)`);
  }
  for (const m of check.privateDataMismatches) out(`private value ${m.missing ? 'missing' : 'does not match its block'}: tx ${m.txId} ${m.collection} ${JSON.stringify(m.key)}`);
}

export async function ledger(args: string[], out: (line: string) => void): Promise<number> {
  if (isFabricSubcommand(args)) return ledgerFabric(args, out);
  if (args[0] !== 'verify') throw new UsageError(`unknown subcommand ${JSON.stringify(args.slice(0, 2).join(' '))}\nusage: ${USAGE}`);
  const values = parse(
    args.slice(1),
    {
      dir: { type: 'string' },
      output: { type: 'string', short: 'o' },
      operator: { type: 'string' },
      'expect-head': { type: 'string' },
      kubeconfig: { type: 'string' },
      namespace: { type: 'string' },
    },
    USAGE,
  );
  const dir = (values.dir as string | undefined) ?? process.env.LEDGER_DIR ?? '/var/lib/cloud-empire/ledger';
  const output = (values.output as string | undefined) ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UsageError(`-o ${output}: use text or json`);
  let operator;
  try {
    operator = verifyingKeyOfDid(required(values, 'operator', USAGE));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--operator: ${(error as Error).message}`);
  }
  const { head, source } = await expectedHead(values);
  let check;
  try {
    check = verifyLedger(dir, { operator, expectHead: head, headSource: source });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (output === 'json') out(JSON.stringify(check, null, 2));
  else report(dir, check, source, out);
  return check.ok ? 0 : 3;
}
