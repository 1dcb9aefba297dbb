// Every shell block of the README either runs here as written, or says why
// not: so no command a newcomer copies can rot unnoticed.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, toolsBinDir } from '../../../src/controlplane/binaries.ts';
import { run } from '../../../src/controlplane/kubectl.ts';

interface Block {
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

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const blocks = shellBlocks(README);
const runnable = blocks.filter((b) => b.marker === 'run');

afterAll(() => rmSync(join(REPO_ROOT, '.walkthrough'), { recursive: true, force: true }));

describe('README command blocks', () => {
  it('are each marked run, or not run with the reason', () => {
    expect(blocks.length).toBeGreaterThan(5);
    for (const block of blocks) expect([block.line, block.marker]).toEqual([block.line, expect.stringMatching(/^(run|not run \(.+\))$/)]);
    expect(runnable.length).toBeGreaterThanOrEqual(2);
  });

  it('finds an unmarked block (the check itself can fail)', () => {
    expect(shellBlocks('text\n```sh\nls\n```\n')).toEqual([{ line: 2, marker: undefined, script: 'ls' }]);
  });

  it.each(runnable.map((b) => [b.line, b] as const))(
    'block at line %i runs as written, without warnings',
    async (_line, block) => {
      // helm and kubectl as a user has them on the PATH; npx as the README calls it.
      const env = { ...process.env, PATH: `${toolsBinDir()}:${process.env.PATH}` };
      const result = await run('bash', ['-euo', 'pipefail', '-c', `cd '${REPO_ROOT}'\n${block.script}`], { env, timeoutMs: 180_000 });
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.not.stringMatching(/warn|error/i) });
    },
    200_000,
  );

  it('prints a verified verdict for the identity walkthrough', async () => {
    const walkthrough = runnable.find((b) => b.script.includes('node verify'))!;
    const result = await run('bash', ['-euo', 'pipefail', '-c', `cd '${REPO_ROOT}'\n${walkthrough.script}`], { timeoutMs: 180_000 });
    expect(result.stdout).toMatch(/"verified":\s*true/);
  }, 200_000);
});
