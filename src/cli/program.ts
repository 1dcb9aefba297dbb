import { readFileSync } from 'node:fs';
import { CliCommand, type CliOutput } from './command.ts';
import { COMMANDS } from './commands/index.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface ProgramOutput extends CliOutput {
  /** Where help and parse errors go besides `out` (stderr in the real program). */
  err(line: string): void;
}

/**
 * The whole empirectl command tree. Parsing never exits the process: commander
 * throws a CommanderError instead (exitOverride), which main turns into the
 * exit code.
 */
export function buildProgram(io: ProgramOutput): CliCommand {
  const program = new CliCommand('empirectl')
    .description('Cloud Empire command line: node identities, credentials, status lists, the catalog and the ledger')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--debug', 'print stack traces of unexpected errors (also CLOUD_EMPIRE_DEBUG=1)')
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ writeOut: (text) => io.out(text.replace(/\n$/, '')), writeErr: (text) => io.err(text.replace(/\n$/, '')) })
    .addHelpText('after', '\nExit codes: 0 ok, 1 failed, 2 bad input, 3 refused (not verified, not allowed, altered).');
  for (const register of COMMANDS) register(program, io);
  return program;
}
