import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedLedger } from '../../../src/ledger/embedded/embedded-ledger.ts';
import { FileHeadCheckpoint } from '../../../src/ledger/embedded/head-checkpoint.ts';
import { verifyLedger } from '../../../src/ledger/embedded/verify.ts';
import { newIdentity } from '../../../src/trust/issue.ts';
import { signingKeyOf } from '../../../src/trust/signing-key.ts';
import { embeddedParties } from '../../ledger/embedded-parties.ts';

const KILLS = 20;
const WRITER = join(import.meta.dirname, '..', '..', 'ledger', 'crash-writer.ts');

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ledger-crash-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the writer until it has acknowledged something, SIGKILLs it after a random pause, and returns what it acknowledged. */
function runAndKill(args: string[], pauseMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let errors = '';
    let armed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (!armed && out.split('\n').length > 2) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), pauseMs);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`the writer exited on its own (${_code}): ${errors}`));
      // Only whole lines were written after an acknowledgement; a partial one cannot happen on a pipe, but is not counted.
      else
        resolve(
          out
            .split('\n')
            .slice(0, -1)
            .filter((line) => line !== 'open'),
        );
    });
  });
}

describe('embedded ledger under SIGKILL', () => {
  it(`loses no acknowledged transaction over ${KILLS} kills at random points, and reopens intact each time`, async () => {
    const identity = newIdentity({ method: 'key' });
    const keyFile = join(root, 'key.jwk');
    writeFileSync(keyFile, JSON.stringify(identity.key), { mode: 0o600 });
    const dir = join(root, 'ledger');
    const headFile = join(root, 'head', 'head.json');
    const signer = signingKeyOf(identity.key);
    const acknowledged: string[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      acknowledged.push(...(await runAndKill([dir, headFile, keyFile, `k${kill}`], Math.floor(Math.random() * 120))));
      const ledger = await EmbeddedLedger.open(dir, { signer, checkpoint: new FileHeadCheckpoint(headFile) });
      const { provider } = embeddedParties(ledger);
      const missing: string[] = [];
      for (const nodeName of acknowledged) {
        const found = await provider.getAttestation('paris', nodeName).catch(() => undefined);
        if (!found) missing.push(nodeName);
      }
      await ledger.close();
      expect({ kill, missing }).toEqual({ kill, missing: [] });
    }
    expect(acknowledged.length).toBeGreaterThan(KILLS);
    expect(verifyLedger(dir, { operator: signer })).toMatchObject({ ok: true });
  }, 240_000);
});
