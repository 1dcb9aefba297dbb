import { Command, Option, type ErrorOptions } from 'commander';
import { UsageError } from './errors.ts';

/** What a command's action returns: its exit code (0 when it returns nothing). */
export type ExitCode = number | void;

/**
 * commander's Command with what every empirectl command shares: options that
 * must be given (checked after parsing, with empirectl's own "--x is
 * required" message and exit code 2) and actions that return an exit code.
 */
export class CliCommand extends Command {
  private readonly mandatory: Option[] = [];
  /** On the program: the exit code of the action that ran. */
  exitCode: number | undefined;

  override createCommand(name?: string): CliCommand {
    return new CliCommand(name);
  }

  /** `empirectl did new`: how the user typed this command. */
  path(): string {
    return this.parent instanceof CliCommand ? `${this.parent.path()} ${this.name()}` : this.name();
  }

  /** The root of the command tree. */
  program(): CliCommand {
    return this.parent instanceof CliCommand ? this.parent.program() : this;
  }

  /** Every parse error (unknown option or command, missing argument) names the command and where its usage is. */
  override error(message: string, options?: ErrorOptions): never {
    // `catalog verfy`: a command that runs on its own but also has subcommands sees an extra argument, which is a mistyped subcommand.
    const mistyped = options?.code === 'commander.excessArguments' && this.commands.length > 0;
    const lines = [mistyped ? `${this.path()}: unknown command '${this.args[0]}'` : message.replace(/^error: /, `${this.path()}: `)];
    if (options?.code === 'commander.unknownCommand' || mistyped) lines.push(`Commands: ${this.commands.map((c) => c.name()).join(', ')}.`);
    lines.push(`Run '${this.path()} --help' for usage.`);
    super.error(lines.join('\n'), options);
  }

  /** An option the command cannot run without; help marks it "(required)". */
  required(flags: string, description: string): this {
    const option = new Option(flags, `${description} (required)`);
    this.mandatory.push(option);
    return this.addOption(option);
  }

  /** Throws a UsageError naming the first required option that is missing or empty. */
  checkRequired(): void {
    for (const option of this.mandatory) {
      const value: unknown = this.getOptionValue(option.attributeName());
      if (value === undefined || value === '') throw new UsageError(`${option.long} is required`);
    }
  }

  /** Runs `handler` with the parsed options and records its exit code. */
  handle<O extends object>(handler: (options: O, command: CliCommand) => Promise<ExitCode> | ExitCode): this {
    return this.action(async () => {
      try {
        this.checkRequired();
        this.program().exitCode = (await handler(this.opts<O>(), this)) ?? 0;
      } catch (error) {
        throw new CommandFailed(this.path(), error);
      }
    });
  }
}

/** An action's error, with the command it came from so the message can name it. */
export class CommandFailed extends Error {
  readonly command: string;
  override readonly cause: unknown;
  constructor(command: string, cause: unknown) {
    super(`${command}: ${(cause as Error)?.message ?? String(cause)}`);
    this.command = command;
    this.cause = cause;
  }
}

/** Where a command writes its results (stdout in the real program, an array in tests). */
export interface CliOutput {
  out(line: string): void;
}

/** Registers one command or command group on the program: each file in commands/ exports one. */
export type RegisterCommand = (program: CliCommand, io: CliOutput) => void;
