import { writeSync } from 'node:fs';
import { inspect } from 'node:util';
import { errorMessage } from './error-message.ts';
import { printable } from './printable.ts';

export interface FatalOptions {
  /** The program's name, first on the line. */
  program: string;
  /** Print the stack trace too. */
  debug?: boolean;
  /** Formats the line (e.g. as a JSON log record); the default is `program: fatal: message`. */
  format?: (message: string, error: unknown) => string;
}

function describe(error: unknown, debug: boolean): string {
  return debug ? inspect(error) : errorMessage(error);
}

/**
 * Makes an uncaught exception or unhandled rejection end the process with one
 * line on stderr and exit code 1, whatever a library installed. fabric-shim
 * and fabric-contract-api create, as soon as they are loaded, a winston logger
 * with `handleExceptions: true` and `exitOnError: false`, and an
 * `unhandledRejection` listener that only logs: together they turn every fatal
 * error of the process into a logged stack trace and, once the event loop
 * drains, exit code 0. These handlers go first in the listener lists and exit
 * synchronously, so the library's never run. Call it from the program's first
 * import, before any library is loaded.
 */
export function installFatalHandlers(options: FatalOptions): void {
  const fatal = (error: unknown) => {
    const message = printable(describe(error, options.debug ?? false));
    const line = options.format ? options.format(message, error) : `${options.program}: fatal: ${message}`;
    try {
      writeSync(2, `${line}\n`);
    } finally {
      process.exit(1);
    }
  };
  process.prependListener('uncaughtException', fatal);
  process.prependListener('unhandledRejection', fatal);
}

/** `--debug` among the arguments or CLOUD_EMPIRE_DEBUG=1. */
export function debugRequested(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CLOUD_EMPIRE_DEBUG === '1' || argv.includes('--debug');
}
