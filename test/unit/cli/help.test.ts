import type { Command } from 'commander';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { bashCompletion, zshCompletion } from '../../../src/cli/completion.ts';
import { buildProgram } from '../../../src/cli/program.ts';
import { cli, runProgram } from '../../helpers/cli.ts';

const program = () => buildProgram({ out: () => undefined, err: () => undefined });

/** Every command and command group of the program, as the words that name it (the program itself is []). */
function commandPaths(command: Command, prefix: string[] = []): { path: string[]; command: Command }[] {
  return [{ path: prefix, command }, ...command.commands.flatMap((c) => commandPaths(c, [...prefix, c.name()]))];
}
const ALL = commandPaths(program());
const GROUPS = ALL.filter(({ command }) => command.commands.length && !(command as unknown as { _actionHandler: unknown })._actionHandler);

const empirectl = (...args: string[]) => runProgram(['src', 'cli', 'empirectl.ts'], args, tmpdir());

describe('empirectl --help', () => {
  it('covers the whole tree, so a new command is tested here without a new line', () => {
    const paths = ALL.map(({ path }) => path.join(' '));
    expect(paths).toEqual(expect.arrayContaining(['', 'did new', 'node verify', 'catalog verify', 'ledger grant check', 'completion zsh']));
    expect(paths.length).toBeGreaterThan(25);
  });

  it.each(ALL.map(({ path }) => [path.join(' ') || '(program)', path]))('%s: --help and -h print its usage on stdout and exit 0', async (_name, path) => {
    for (const flag of ['--help', '-h']) {
      const result = await cli(...(path as string[]), flag);
      expect(result).toMatchObject({ code: 0, err: '' });
      expect(result.out).toContain(`Usage: ${['empirectl', ...(path as string[])].join(' ')} `);
    }
  });

  it.each(GROUPS.map(({ path }) => [path.join(' ') || '(program)', path]))('%s without a subcommand shows its help and exits 2', async (_name, path) => {
    const result = await cli(...(path as string[]));
    expect(result.code).toBe(2);
    expect(result.err).toContain(`Usage: ${['empirectl', ...(path as string[])].join(' ')} `);
    expect(result.err).not.toMatch(/unknown command/);
  });

  it('exits 0 from the real process, prints the version from package.json and nothing on stderr', async () => {
    const help = await empirectl('ledger', 'verify', '--help');
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain('Usage: empirectl ledger verify [options]');
    const version = await empirectl('--version');
    expect(version).toMatchObject({ code: 0, stdout: `${JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version}\n` });
    const group = await empirectl('did');
    expect(group.code).toBe(2);
    expect(group.stderr).toContain('Usage: empirectl did [options] [command]');
  });
});

describe('empirectl names the closest valid flag or command', () => {
  it.each([
    [['did', 'new', '--metod', 'key'], /empirectl did new: unknown option '--metod'\n\(Did you mean --method\?\)\nRun 'empirectl did new --help' for usage\./],
    [['ledgr', 'verify'], /empirectl: unknown command 'ledgr'\n\(Did you mean ledger\?\)/],
    [['ledger', 'grant', 'chek'], /empirectl ledger grant: unknown command 'chek'\n\(Did you mean check\?\)\nCommands: list, get, check, revoke\./],
    [['catalog', 'verify', '--credentials', 'x'], /\(Did you mean --credential\?\)/],
    [['catalog', 'verfy'], /^empirectl catalog: unknown command 'verfy'\nCommands: verify\.\nRun 'empirectl catalog --help' for usage\.$/],
  ])('%j', async (argv, message) => {
    const result = await cli(...(argv as string[]));
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message as RegExp);
  });
});

describe('empirectl completion', () => {
  // Asks the generated bash function what it offers after `words` (the last one being typed).
  const complete = (script: string, words: string[]) =>
    execFileSync(
      'bash',
      ['-c', `${script}\nCOMP_WORDS=(empirectl "$@"); COMP_CWORD=$(( $# )); _empirectl; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', ...words],
      {
        encoding: 'utf8',
      },
    )
      .split('\n')
      .filter(Boolean);
  const script = bashCompletion(program());

  it.each(ALL.map(({ path, command }) => [path.join(' ') || '(program)', path, command]))(
    'bash offers the subcommands and flags of %s',
    (_name, path, command) => {
      const c = command as Command;
      const offered = complete(script, [...(path as string[]), '']);
      expect(offered).toEqual(expect.arrayContaining([...c.commands.map((s) => s.name()), ...c.options.map((o) => o.long!), '--help']));
      expect(offered).not.toContain('--no-such-flag');
    },
  );

  it('bash skips option values and completes a partial word', () => {
    expect(complete(script, ['did', 'new', '--out', 'did', '--me'])).toEqual(['--method']);
    expect(complete(script, ['led'])).toEqual(['ledger']);
  });

  // zsh's completion system needs a terminal; compadd and compdef are stubbed to print what would be offered.
  const hasZsh = spawnSync('zsh', ['--version']).status === 0;
  const completeZsh = (script: string, words: string[]) =>
    execFileSync(
      'zsh',
      [
        '-c',
        `compdef() { :; }; compadd() { [[ $1 == -a ]] && print -l -- "\${(@P)2}"; }\n${script}\nwords=(empirectl "$@"); CURRENT=$(( $# + 1 )); _empirectl`,
        'zsh',
        ...words,
      ],
      { encoding: 'utf8' },
    )
      .split('\n')
      .filter(Boolean);

  (hasZsh ? it : it.skip)('zsh offers the subcommands and flags of every command, skipping option values', () => {
    const zsh = zshCompletion(program());
    for (const { path, command } of ALL) {
      expect(completeZsh(zsh, [...path, ''])).toEqual([
        ...command.commands.map((c) => c.name()),
        ...new Set([...command.options.flatMap((o) => [o.short, o.long].filter(Boolean)), '-h', '--help']),
      ]);
    }
    expect(completeZsh(zsh, ['did', 'new', '--out', 'did', ''])).toContain('--method');
  });

  it('zsh gets every command path and its candidates, and is printed by `empirectl completion zsh`', async () => {
    const zsh = zshCompletion(program());
    expect(zsh.startsWith('#compdef empirectl\n')).toBe(true);
    for (const { path, command } of ALL.filter(({ path }) => path.length)) {
      expect(zsh).toContain(`'${path.join(' ')}') cmd='${path.join(' ')}' ;;`);
      expect(zsh).toContain(`'${path.join(' ')}') candidates=(${[...command.commands.map((c) => `'${c.name()}'`)].join(' ')}`.trimEnd());
    }
    expect((await cli('completion', 'zsh')).out).toBe(zsh.replace(/\n$/, ''));
    expect((await cli('completion', 'bash')).out).toBe(script.replace(/\n$/, ''));
  });
});
