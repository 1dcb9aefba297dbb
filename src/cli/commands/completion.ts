import type { CliCommand, CliOutput } from '../command.ts';
import { bashCompletion, zshCompletion } from '../completion.ts';

export function registerCompletion(program: CliCommand, io: CliOutput): void {
  const completion = program.command('completion').description('print a shell completion script');
  completion
    .command('bash')
    .description('for bash: source <(empirectl completion bash)')
    .handle(() => io.out(bashCompletion(program).trimEnd()));
  completion
    .command('zsh')
    .description('for zsh: source <(empirectl completion zsh)')
    .handle(() => io.out(zshCompletion(program).trimEnd()));
}
