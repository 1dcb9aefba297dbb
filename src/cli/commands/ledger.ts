import { verifyLedger } from '../../ledger/embedded/verify.ts';
import { parse, UsageError } from '../args.ts';
import { FABRIC_USAGE, isFabricSubcommand, ledgerFabric } from './ledger-fabric.ts';

const USAGE = `empirectl ledger verify [--dir DIR] [-o text|json]
  Recomputes the embedded ledger's hash chain and private-data hashes
  (exit 0 intact, 3 altered, 2 bad input). DIR defaults to $LEDGER_DIR or
  /var/lib/cloud-empire/ledger, the operator's --ledger-dir.
${FABRIC_USAGE}`;

export async function ledger(args: string[], out: (line: string) => void): Promise<number> {
  if (isFabricSubcommand(args)) return ledgerFabric(args, out);
  if (args[0] !== 'verify') throw new UsageError(`unknown subcommand ${JSON.stringify(args.slice(0, 2).join(' '))}\nusage: ${USAGE}`);
  const values = parse(args.slice(1), { dir: { type: 'string' }, output: { type: 'string', short: 'o' } }, USAGE);
  const dir = (values.dir as string | undefined) ?? process.env.LEDGER_DIR ?? '/var/lib/cloud-empire/ledger';
  const output = (values.output as string | undefined) ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UsageError(`-o ${output}: use text or json`);
  let check;
  try {
    check = verifyLedger(dir);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (output === 'json') out(JSON.stringify(check, null, 2));
  else if (check.ok) {
    out(`ledger ${dir}: intact — ${check.blocks} blocks, ${check.transactions} transactions${check.tornTail ? ' (a torn last write will be cut off when the ledger opens)' : ''}`);
  } else {
    out(`ledger ${dir}: ALTERED — ${check.problem}`);
    if (check.firstBadBlock !== undefined) out(`first bad block: ${check.firstBadBlock} (blocks 0–${check.firstBadBlock - 1} verify; nothing from block ${check.firstBadBlock} on can be trusted)`);
    for (const m of check.privateDataMismatches) out(`private value does not match its block: tx ${m.txId} ${m.collection} ${JSON.stringify(m.key)}`);
  }
  return check.ok ? 0 : 3;
}
