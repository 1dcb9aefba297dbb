import { verifyLedger } from '../../ledger/embedded/verify.ts';
import type { CliCommand, CliOutput } from '../command.ts';
import { UsageError } from '../errors.ts';
import { registerFabricLedger } from './ledger-fabric.ts';

export function registerLedger(program: CliCommand, io: CliOutput): void {
  const ledger = program.command('ledger').description('the embedded ledger (verify) and, on Fabric, trust anchors, dataset policies, grants and decisions');
  ledger
    .command('verify')
    .description("recompute the embedded ledger's hash chain and private-data hashes; name the first altered block (exit 0 intact, 3 altered)")
    .option('--dir <dir>', "the ledger directory (default: $LEDGER_DIR or /var/lib/cloud-empire/ledger, the operator's --ledger-dir)")
    .option('-o, --output <format>', 'text or json', 'text')
    .handle<{ dir?: string; output: string }>((options) => verify(options, io));
  registerFabricLedger(ledger, io);
}

function verify(options: { dir?: string; output: string }, io: CliOutput): number {
  const dir = options.dir ?? process.env.LEDGER_DIR ?? '/var/lib/cloud-empire/ledger';
  const { output } = options;
  if (output !== 'text' && output !== 'json') throw new UsageError(`-o ${output}: use text or json`);
  let check;
  try {
    check = verifyLedger(dir);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (output === 'json') io.out(JSON.stringify(check, null, 2));
  else if (check.ok) {
    io.out(
      `ledger ${dir}: intact — ${check.blocks} blocks, ${check.transactions} transactions${check.tornTail ? ' (a torn last write will be cut off when the ledger opens)' : ''}`,
    );
  } else {
    io.out(`ledger ${dir}: ALTERED — ${check.problem}`);
    if (check.firstBadBlock !== undefined) {
      io.out(
        `first bad block: ${check.firstBadBlock} (blocks 0–${check.firstBadBlock - 1} verify; nothing from block ${check.firstBadBlock} on can be trusted)`,
      );
    }
    for (const m of check.privateDataMismatches) io.out(`private value does not match its block: tx ${m.txId} ${m.collection} ${JSON.stringify(m.key)}`);
  }
  return check.ok ? 0 : 3;
}
