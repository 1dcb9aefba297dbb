import { CommanderError } from 'commander';
import { inspect } from 'node:util';
import { LedgerContractError, LedgerUnavailableError } from '../ledger/gateway.ts';
import { errorMessage } from '../util/error-message.ts';
import { debugRequested } from '../util/fatal.ts';
import { printable } from '../util/printable.ts';
import { CommandFailed } from './command.ts';
import { UsageError } from './errors.ts';
import { buildProgram } from './program.ts';

/** Runs empirectl on `argv` (without node and the script) and returns the exit code; never exits the process. */
export async function main(argv: string[], out = (line: string) => console.log(line), err = (line: string) => console.error(line)): Promise<number> {
  // Text that reaches the terminal from input (file contents, arguments) is escaped once, here.
  // Callers' writers may return something (an array push returns a length): handlers answer `io.out(...)`
  // as their exit code (undefined, so 0), so the writers given to them return nothing.
  const errLine = (line: string): void => void err(printable(line));
  const outLine = (line: string): void => void out(line);
  const program = buildProgram({ out: outLine, err: errLine });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return program.exitCode ?? 0;
  } catch (error) {
    return report(error, errLine, debugRequested(argv));
  }
}

function report(error: unknown, err: (line: string) => void, debug: boolean): number {
  // Help and --version end parsing with exit code 0; a bare command group (help shown
  // as an error) and every parse error are bad input. commander has printed them already.
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  const command = error instanceof CommandFailed ? error.command : 'empirectl';
  const cause = error instanceof CommandFailed ? error.cause : error;
  if (cause instanceof UsageError) {
    err(`${command}: ${cause.message}`);
    return 2;
  }
  // A ledger's refusal or absence is an answer, not a crash: its message says what happened.
  if (cause instanceof LedgerContractError || cause instanceof LedgerUnavailableError) {
    err(`${command}: ${errorMessage(cause)}`);
    return 1;
  }
  err(`${command}: ${debug ? inspect(cause) : errorMessage(cause)}`);
  return 1;
}
