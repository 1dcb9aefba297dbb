// The README's shell blocks, for the tests that run them as written.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { run } from '../../../src/controlplane/kubectl.ts';

export interface Block {
  line: number;
  marker: string | undefined;
  script: string;
}

/** The ```sh blocks of a Markdown text with the `<!-- readme: … -->` marker right above each. */
export function shellBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash)\s*$/.test(lines[i])) continue;
    const end = lines.indexOf('```', i + 1);
    const marker = /^<!-- readme: (.+) -->$/.exec(lines[i - 1] ?? '')?.[1];
    blocks.push({ line: i + 1, marker, script: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

export function readmeBlocks(): Block[] {
  return shellBlocks(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));
}

/** Runs a block as a user pastes it into bash, from the repository's root; a failing command fails it. */
export function runBlock(block: Block, env: NodeJS.ProcessEnv = process.env, timeoutMs = 180_000) {
  return run('bash', ['-euo', 'pipefail', '-c', `cd '${REPO_ROOT}'\n${block.script}`], { env, timeoutMs });
}
