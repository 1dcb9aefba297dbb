// Issue 13's empirectl items: each test fails if its defense is removed.
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { stringify } from 'yaml';
import { buildCatalog } from '../../../src/catalog/catalog.ts';
import { offeringCredential } from '../../../src/catalog/offering-credential.ts';
import { caBundle } from '../../../src/cli/ca.ts';
import { UsageError } from '../../../src/cli/errors.ts';
import { MAX_INPUT_BYTES, readBounded } from '../../../src/cli/input.ts';
import { issueNodeCredential, newIdentity } from '../../../src/trust/issue.ts';
import { signJwt } from '../../../src/trust/jwt.ts';
import { printable } from '../../../src/util/printable.ts';
import { cli } from '../../helpers/cli.ts';
import { makeTestPki } from '../../helpers/pki.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'empirectl-hardening-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;

/** The terminal control characters in `text` (newline and tab are fine). */
const rawControls = (text: string) =>
  [...text].filter((c) => {
    const code = c.charCodeAt(0);
    return (code < 0x20 && c !== '\n' && c !== '\t') || (code >= 0x7f && code <= 0x9f);
  });

describe('did new keeps private keys', () => {
  it('refuses to overwrite an existing key, naming the file and --force, and leaves it untouched', async () => {
    const first = await cli('did', 'new', '--method', 'key', '--out', dir);
    expect(first.code).toBe(0);
    const key = join(dir, 'key.jwk');
    const before = readFileSync(key, 'utf8');
    const again = await cli('did', 'new', '--method', 'key', '--out', dir);
    expect(again.code).toBe(2);
    expect(again.err).toContain(key);
    expect(again.err).toContain('--force');
    expect(readFileSync(key, 'utf8')).toBe(before);
    expect(readFileSync(join(dir, 'did.txt'), 'utf8')).toBe(`${first.out}\n`);
  });

  it('writes key.jwk with mode 0600, also when --force replaces a file that was world-readable', async () => {
    const umask = process.umask(0o000);
    try {
      expect((await cli('did', 'new', '--method', 'key', '--out', dir)).code).toBe(0);
      expect(mode(join(dir, 'key.jwk'))).toBe(0o600);
      chmodSync(join(dir, 'key.jwk'), 0o644);
      const replaced = await cli('did', 'new', '--method', 'key', '--out', dir, '--force');
      expect(replaced.code).toBe(0);
      expect(mode(join(dir, 'key.jwk'))).toBe(0o600);
      expect(JSON.parse(readFileSync(join(dir, 'key.jwk'), 'utf8')).kid).toContain(replaced.out);
    } finally {
      process.umask(umask);
    }
  });

  it('with --force, replaces a symbolic link instead of writing the key through it', async () => {
    const elsewhere = join(dir, 'elsewhere');
    writeFileSync(elsewhere, 'not a key\n', { mode: 0o644 });
    mkdirSync(join(dir, 'id'));
    symlinkSync(elsewhere, join(dir, 'id', 'key.jwk'));
    expect((await cli('did', 'new', '--method', 'key', '--out', join(dir, 'id'))).code).toBe(2);
    expect((await cli('did', 'new', '--method', 'key', '--out', join(dir, 'id'), '--force')).code).toBe(0);
    expect(readFileSync(elsewhere, 'utf8')).toBe('not a key\n');
    expect(mode(join(dir, 'id', 'key.jwk'))).toBe(0o600);
  });
});

describe('--ca adds to the system roots', () => {
  it("trusts Node's root CAs and the file's, not the file's alone", () => {
    const pki = makeTestPki();
    writeFileSync(join(dir, 'ca.pem'), pki.caPem);
    const bundle = caBundle(join(dir, 'ca.pem'));
    expect(bundle).toHaveLength(rootCertificates.length + 1);
    expect(bundle).toEqual(expect.arrayContaining([...rootCertificates, pki.caPem]));
    expect(new X509Certificate(bundle.at(-1)!).subject).toContain('cloud-empire test CA');
  });

  it('refuses a file that holds no certificate, naming it', () => {
    writeFileSync(join(dir, 'ca.pem'), 'hello');
    expect(() => caBundle(join(dir, 'ca.pem'))).toThrow(new UsageError(`--ca ${join(dir, 'ca.pem')} holds no PEM certificate`));
  });
});

describe('catalog verify checks what the operator signed', () => {
  const operator = newIdentity({ method: 'key' });
  const offering = buildCatalog(
    [
      {
        apiVersion: 'cloudempire.eu/v1alpha1',
        kind: 'GpuPool',
        metadata: { name: 'paris-h100', generation: 1 },
        spec: { memberCluster: 'paris', provider: 'ovhcloud', resourceName: 'nvidia.com/gpu', model: 'NVIDIA-H100-80GB-HBM3', nodeSelector: {} },
        status: {
          observedGeneration: 1,
          verifiedNodes: 2,
          countries: ['FR'],
          capacity: 16,
          allocatable: 16,
          allocated: 5,
          conditions: [
            { type: 'Ready', status: 'True', reason: 'Ready', message: '', lastTransitionTime: '2026-11-01T00:00:00Z' },
            { type: 'HardwareMatches', status: 'True', reason: 'Matches', message: '', lastTransitionTime: '2026-11-01T00:00:00Z' },
          ],
        },
      },
    ] as never,
    [
      {
        apiVersion: 'cloudempire.eu/v1alpha1',
        kind: 'MemberCluster',
        metadata: { name: 'paris' },
        spec: { country: 'FR', provider: 'ovhcloud', kubeconfigSecretRef: { name: 'paris' } },
        status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: '', lastTransitionTime: '2026-11-01T00:00:00Z' }] },
      },
    ] as never,
  );
  const verify = (jwt: string) => {
    writeFileSync(join(dir, 'token.jwt'), jwt);
    return cli('catalog', 'verify', '--credential', join(dir, 'token.jwt'), '--operator', operator.did);
  };

  it('verifies an offering from the catalog', async () => {
    expect(offering).toHaveLength(1);
    const result = await verify(offeringCredential(offering[0], operator.key));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({ verified: true, offering: { type: 'gx:ServiceOffering' } });
  });

  it.each([
    [
      'a node credential',
      async () => issueNodeCredential(operator.key, { subject: operator.did, memberCluster: 'paris', nodeName: 'n', countryCode: 'FR', validForSeconds: 3600 }),
      /credential type is \["VerifiableCredential","SovereignNodeCredential"\]/,
    ],
    [
      'a presentation typed vp+jwt',
      async () => signJwt({ iss: operator.did, vp: {} }, operator.key, { kid: operator.key.kid, typ: 'vp+jwt' }),
      /JWT type is "vp\+jwt"/,
    ],
    [
      'an offering whose subject is not a gx:ServiceOffering',
      async () =>
        signJwt(
          {
            iss: operator.did,
            sub: 'x',
            vc: { type: ['VerifiableCredential', 'gx:ServiceOffering'], credentialSubject: { id: 'x', type: 'gx:DataResource' } },
          },
          operator.key,
          { kid: operator.key.kid },
        ),
      /credentialSubject is not a gx:ServiceOffering/,
    ],
  ])('refuses %s signed by the operator (exit 3, TYPE_MISMATCH)', async (_what, token, reason) => {
    const result = await verify(await (token as () => Promise<string>)());
    expect(result.code).toBe(3);
    const verdict = JSON.parse(result.out);
    expect(verdict).toMatchObject({ verified: false, reason: 'TYPE_MISMATCH' });
    expect(verdict.message).toMatch(reason as RegExp);
  });
});

describe('input files have a size cap', () => {
  it('reads a file of exactly the cap and refuses one byte more, naming the file and the cap', () => {
    writeFileSync(join(dir, 'ok'), Buffer.alloc(MAX_INPUT_BYTES, 'a'));
    expect(readBounded(join(dir, 'ok'), '-f')).toHaveLength(MAX_INPUT_BYTES);
    writeFileSync(join(dir, 'big'), Buffer.alloc(MAX_INPUT_BYTES + 1, 'a'));
    expect(() => readBounded(join(dir, 'big'), '-f')).toThrow(
      new UsageError(`-f ${join(dir, 'big')} is larger than 4 MiB, the most empirectl reads from one file`),
    );
  });

  it('caps the files of a Fabric connection directory too', async () => {
    writeFileSync(join(dir, 'connection.json'), Buffer.alloc(MAX_INPUT_BYTES + 1, ' '));
    const result = await cli('ledger', 'grant', 'get', '--fabric-connection', dir, '--grant', 'g');
    expect(result).toMatchObject({ code: 2, err: expect.stringContaining(`${join(dir, 'connection.json')} is larger than 4 MiB`) });
  });

  it('stops reading at the cap, so an endless file cannot exhaust memory', () => {
    expect(() => readBounded('/dev/zero', '--credential', 1024)).toThrow(/--credential \/dev\/zero is larger than/);
  });

  it('refuses a 50 MB value before parsing it', async () => {
    const file = join(dir, 'node.yaml');
    writeFileSync(
      file,
      `apiVersion: cloudempire.eu/v1alpha1\nkind: SovereignNode\nmetadata: {name: n}\nspec: {credential: "${'x'.repeat(50 * 1024 * 1024)}"}\n`,
    );
    const heapBefore = process.memoryUsage().heapUsed;
    const result = await cli('node', 'verify', '-f', file, '--trust-anchors', file);
    expect(result).toMatchObject({ code: 2, err: `empirectl node verify: -f ${file} is larger than 4 MiB, the most empirectl reads from one file` });
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(32 * 1024 * 1024);
  });
});

describe('control characters from input never reach the terminal raw', () => {
  it('escapes C0, C1 and DEL but keeps newlines, tabs and text', () => {
    expect(printable('a\x1b[31mb\rc\x07d\x9b2Je\x7f\tf\ng é')).toBe('a\\x1b[31mb\\x0dc\\x07d\\x9b2Je\\x7f\tf\ng é');
  });

  it.each([
    ['a flag value', ['did', 'new', '--method', '\x1b]0;owned\x07key', '--out', '/tmp/x']],
    ['an unknown flag', ['did', 'new', '--\x1b[2Jmethod']],
    ['an unknown command', ['\x1b[2Jdid']],
    ['a file name', ['node', 'prove', '--key', '/no/such/\x1b[31mkey', '--nonce', 'n', '--aud', 'a']],
  ])('in the error about %s', async (_what, argv) => {
    const result = await cli(...(argv as string[]));
    expect(result.code).toBe(2);
    expect(result.err).toContain('\\x1b');
    expect(rawControls(result.err)).toEqual([]);
  });

  it('in the error about a file’s contents', async () => {
    const file = join(dir, 'node.yaml');
    writeFileSync(
      file,
      stringify({
        apiVersion: 'cloudempire.eu/v1alpha1',
        kind: 'SovereignNode',
        metadata: { name: 'n' },
        spec: { memberCluster: 'p', nodeName: 'n', did: 'did:ethr:\x1b[31m', credential: 'a.b.c' },
      }),
    );
    const result = await cli('node', 'verify', '-f', file, '--trust-anchors', file);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/spec\.did/);
    expect(rawControls(result.err)).toEqual([]);
  });
});
