import { formatHead, parseHeadText, type LedgerHead } from '../../ledger/embedded/head-checkpoint.ts';
import { verifyLedger, type LedgerCheck } from '../../ledger/embedded/verify.ts';
import { verifyingKeyOfDid } from '../../trust/signing-key.ts';
import { printable } from '../../util/printable.ts';
import type { CliCommand, CliOutput } from '../command.ts';
import { UsageError } from '../errors.ts';
import { hostKubeConfig } from '../kubeconfig.ts';
import { registerFabricLedger } from './ledger-fabric.ts';

interface VerifyOptions {
  dir?: string;
  output: string;
  operator: string;
  expectHead?: string;
  kubeconfig?: string;
  namespace: string;
}

export function registerLedger(program: CliCommand, io: CliOutput): void {
  const ledger = program.command('ledger').description('the embedded ledger (verify) and, on Fabric, trust anchors, dataset policies, grants and decisions');
  ledger
    .command('verify')
    .description(
      "check the embedded ledger offline: every block's hash, link and operator signature, every private value, and the head against its checkpoint; name the first bad block (exit 0 intact, 3 altered)",
    )
    .required('--operator <did>', "the operator's did:key (the `did` in Secret cloud-empire-operator-identity): every block must carry its signature")
    .option('--dir <dir>', "the ledger directory (default: $LEDGER_DIR or /var/lib/cloud-empire/ledger, the operator's --ledger-dir)")
    .option('--kubeconfig <file>', 'the host cluster: compare the head with ConfigMap NAMESPACE/cloud-empire-ledger-head')
    .option('--namespace <ns>', "the operator's namespace", 'cloud-empire')
    .option('--expect-head <height:hash>', 'compare the head with this one instead (e.g. from an earlier verify)')
    .option('-o, --output <format>', 'text or json', 'text')
    .handle<VerifyOptions>((options) => verify(options, io));
  registerFabricLedger(ledger, io);
}

async function expectedHead(options: VerifyOptions): Promise<{ head?: LedgerHead; source?: string }> {
  if (options.expectHead && options.kubeconfig) throw new UsageError('give --kubeconfig or --expect-head, not both');
  if (options.expectHead) {
    try {
      return { head: parseHeadText(options.expectHead, '--expect-head'), source: '--expect-head' };
    } catch (error) {
      throw new UsageError((error as Error).message.replace(/;.*$/, ', e.g. 42:<64 hex digits>'));
    }
  }
  if (!options.kubeconfig) return {};
  const host = await hostKubeConfig(options.kubeconfig);
  const { ConfigMapHeadCheckpoint } = await import('../../ledger/kube-head-checkpoint.ts'); // the Kubernetes client, loaded on use (see hostKubeConfig)
  const checkpoint = new ConfigMapHeadCheckpoint(host, options.namespace);
  const head = await checkpoint.read();
  if (!head) throw new UsageError(`${checkpoint.where} does not exist: the operator has not checkpointed a ledger there (wrong cluster or --namespace?)`);
  return { head, source: checkpoint.where };
}

function report(dir: string, check: LedgerCheck, source: string | undefined, io: CliOutput): void {
  if (check.ok) {
    io.out(
      `ledger ${dir}: intact — ${check.blocks} blocks, ${check.transactions} transactions, head ${formatHead(check.head)}, every block signed by the operator`,
    );
    io.out(source ? `head matches ${source}` : 'head NOT checked: pass --kubeconfig or --expect-head to detect blocks cut off its end');
    if (check.tornTail) io.out('a torn last write will be cut off when the ledger opens');
    return;
  }
  io.out(`ledger ${dir}: ALTERED — ${printable(check.problem ?? '')}`);
  if (check.firstBadBlock !== undefined) {
    const good = check.firstBadBlock === 0 ? 'no block verifies' : `blocks 0–${check.firstBadBlock - 1} verify`;
    io.out(`first bad block: ${check.firstBadBlock} (${good}; nothing from block ${check.firstBadBlock} on can be trusted)`);
  }
  for (const m of check.privateDataMismatches)
    io.out(`private value ${m.missing ? 'missing' : 'does not match its block'}: tx ${m.txId} ${m.collection} ${JSON.stringify(m.key)}`);
}

async function verify(options: VerifyOptions, io: CliOutput): Promise<number> {
  const dir = options.dir ?? process.env.LEDGER_DIR ?? '/var/lib/cloud-empire/ledger';
  if (options.output !== 'text' && options.output !== 'json') throw new UsageError(`-o ${options.output}: use text or json`);
  let operator;
  try {
    operator = verifyingKeyOfDid(options.operator);
  } catch (error) {
    throw new UsageError(`--operator: ${(error as Error).message}`);
  }
  const { head, source } = await expectedHead(options);
  let check;
  try {
    check = verifyLedger(dir, { operator, expectHead: head, headSource: source });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (options.output === 'json') io.out(JSON.stringify(check, null, 2));
  else report(dir, check, source, io);
  return check.ok ? 0 : 3;
}
