import type { Command } from 'commander';

/** One command of the tree as completion sees it: its path, subcommands and flags. */
interface Node {
  path: string;
  subcommands: string[];
  flags: string[];
}

function walk(command: Command, prefix: string[] = []): Node[] {
  const flags = [...command.options.flatMap((o) => [o.short, o.long]), '-h', '--help'].filter((f): f is string => Boolean(f));
  const here: Node = { path: prefix.join(' '), subcommands: command.commands.map((c) => c.name()), flags: [...new Set(flags)] };
  return [here, ...command.commands.flatMap((c) => walk(c, [...prefix, c.name()]))];
}

// Names and flags are the program's own literals ([a-z0-9-]); quoting them is still cheap insurance.
const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** `case` arms: one `'pattern') body ;;` line per entry (the same syntax in bash and zsh). */
const arms = (entries: [string, string][], indent: string) => entries.map(([pattern, body]) => `${indent}${quote(pattern)}) ${body} ;;`).join('\n');

/** The arms that advance `cmd` along a typed command path. */
const pathArms = (nodes: Node[]) =>
  arms(
    nodes.filter((n) => n.path).map((n) => [n.path, `cmd=${quote(n.path)}`]),
    '      ',
  );

/**
 * A bash completion script for `program`, generated from its command tree so
 * it cannot drift: the words typed so far that name subcommands select a
 * node; its subcommands and flags are offered. The table is static, so
 * completing costs no process start.
 */
export function bashCompletion(program: Command): string {
  const name = program.name();
  const nodes = walk(program);
  const words = arms(
    nodes.map((n) => [n.path, `words=${quote([...n.subcommands, ...n.flags].join(' '))}`]),
    '    ',
  );
  return `# bash completion for ${name}; load it with: source <(${name} completion bash)
_${fn(name)}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmd="" next word words i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
${commandDispatch(nodes, words)}
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _${fn(name)} ${name}
`;
}

/** The same for zsh, as a native completion function (no bashcompinit). */
export function zshCompletion(program: Command): string {
  const name = program.name();
  const nodes = walk(program);
  const words = arms(
    nodes.map((n) => [n.path, `candidates=(${[...n.subcommands, ...n.flags].map(quote).join(' ')})`]),
    '    ',
  );
  return `#compdef ${name}
# zsh completion for ${name}; load it with: source <(${name} completion zsh), or save it as _${name} on $fpath
_${fn(name)}() {
  local cmd="" next word
  local -a candidates
  for word in "\${(@)words[2,CURRENT-1]}"; do
${commandDispatch(nodes, words)}
  compadd -a candidates
}
compdef _${fn(name)} ${name}
`;
}

/** The body both shells share: find the command path typed so far, skipping flags, then pick its candidate words. */
function commandDispatch(nodes: Node[], words: string): string {
  return `    [[ $word == -* ]] && continue
    next="\${cmd:+$cmd }$word"
    case "$next" in
${pathArms(nodes)}
    esac
  done
  case "$cmd" in
${words}
  esac`;
}

const fn = (name: string) => name.replace(/[^A-Za-z0-9_]/g, '_');
