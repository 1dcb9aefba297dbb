// Every shell block of the README either runs here as written, or says why
// not: so no command a newcomer copies can rot unnoticed.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, toolsBinDir } from '../../../src/controlplane/binaries.ts';
import { readmeBlocks, runBlock, shellBlocks } from './readme-blocks.ts';

const blocks = readmeBlocks();
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
      const result = await runBlock(block, env);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.not.stringMatching(/warn|error/i) });
      // The identity walkthrough ends with the operator's verdict on the node: verified.
      if (block.script.includes('node verify')) expect(result.stdout).toMatch(/"verified":\s*true/);
    },
    200_000,
  );

  it('runs the identity walkthrough offline: a did:key issuer, the status list from a file, the challenge from a SovereignNode', () => {
    const walkthrough = runnable.find((b) => b.script.includes('node verify'))!.script;
    expect(walkthrough).toMatch(/did new --method key --out issuer/);
    expect(walkthrough).toMatch(/node verify .*--status-list https:\/\/\S+=\S+/);
    expect(walkthrough).toMatch(/node prove .*--challenge-from node\.yaml/);
    expect(walkthrough).not.toMatch(/--nonce/);
  });
});
