import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { run } from '../../../src/controlplane/kubectl.ts';
import { DidServer } from '../../helpers/did-server.ts';
import { makeTestPki, type TestPki } from '../../helpers/pki.ts';

const empirectl = (...args: string[]) => run(process.execPath, [join(REPO_ROOT, 'src', 'cli', 'empirectl.ts'), ...args]);
const EXAMPLES = join(REPO_ROOT, 'examples');

let dir: string;
let pki: TestPki;
let server: DidServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'empirectl-'));
  pki = makeTestPki();
  writeFileSync(join(dir, 'ca.pem'), pki.caPem);
  server = await DidServer.start(pki);
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function ok(...args: string[]): Promise<string> {
  const result = await empirectl(...args);
  if (result.code !== 0) throw new Error(`empirectl ${args.join(' ')} → ${result.code}: ${result.stderr}`);
  return result.stdout.trim();
}

describe('empirectl: an issuer, a node and the operator, end to end', () => {
  it('issues, proves, verifies, revokes and verifies again', async () => {
    const issuerDid = await ok('did', 'new', '--method', 'web', '--domain', server.domain, '--path', 'trust/fr', '--out', join(dir, 'issuer'));
    expect(issuerDid).toBe(`did:web:127.0.0.1%3A${server.port}:trust:fr`);
    server.serve('/trust/fr/did.json', readFileSync(join(dir, 'issuer', 'did.json'), 'utf8'));
    const nodeDid = await ok('did', 'new', '--method', 'key', '--alg', 'ES256', '--out', join(dir, 'node'));
    expect(nodeDid).toMatch(/^did:key:zDn/);

    const listUrl = server.url('/status/fr-1');
    await ok('statuslist', 'new', '--url', listUrl, '--out', join(dir, 'list.json'));
    const publish = async () =>
      server.serve(
        '/status/fr-1',
        await ok('statuslist', 'publish', '--list', join(dir, 'list.json'), '--issuer-key', join(dir, 'issuer', 'key.jwk'), '--valid-for', '1h'),
      );
    await publish();

    const credential = await ok(
      'credential',
      'issue',
      '--issuer-key',
      join(dir, 'issuer', 'key.jwk'),
      '--subject',
      nodeDid,
      '--cluster',
      'paris',
      '--node',
      'par-gpu-9',
      '--country',
      'FR',
      '--provider',
      'ovhcloud',
      '--valid-for',
      '30d',
      '--status-list',
      listUrl,
      '--status-index',
      '42',
    );
    const proof = await ok('node', 'prove', '--key', join(dir, 'node', 'key.jwk'), '--nonce', 'n0nce-from-the-operator', '--aud', 'urn:cloudempire:operator');
    writeFileSync(
      join(dir, 'node.yaml'),
      stringify({
        apiVersion: 'cloudempire.eu/v1alpha1',
        kind: 'SovereignNode',
        metadata: { name: 'paris-gpu-9' },
        spec: { memberCluster: 'paris', nodeName: 'par-gpu-9', did: nodeDid, credential, proof },
      }),
    );
    writeFileSync(join(dir, 'anchors.yaml'), stringify({ issuers: [{ did: issuerDid, name: 'FR' }], audience: 'urn:cloudempire:operator' }));
    const verify = () =>
      empirectl(
        'node',
        'verify',
        '-f',
        join(dir, 'node.yaml'),
        '--trust-anchors',
        join(dir, 'anchors.yaml'),
        '--nonce',
        'n0nce-from-the-operator',
        '--ca',
        join(dir, 'ca.pem'),
        '--allow-loopback',
      );

    const good = await verify();
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ verified: true, reason: 'VERIFIED', issuer: issuerDid, countryCode: 'FR' });

    await ok('statuslist', 'revoke', '--list', join(dir, 'list.json'), '--index', '42');
    await publish();
    const revoked = await verify();
    expect(revoked.code).toBe(3);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ verified: false, reason: 'REVOKED' });
    // A dozen spawned CLI processes: each loads the TypeScript sources, slow on a loaded 2-core machine.
  }, 180_000);
});

describe('empirectl node verify on examples/', () => {
  const verify = (file: string) =>
    empirectl(
      'node',
      'verify',
      '-f',
      join(EXAMPLES, 'nodes', file),
      '--trust-anchors',
      join(EXAMPLES, 'federation', 'trust-anchors.yaml'),
      '--nonce',
      'examples-challenge-2026',
    );

  it('verifies six nodes and refuses the expired one and the one in London', async () => {
    const verdicts: { name: string; reason: string }[] = [];
    for (const file of ['paris.yaml', 'madrid.yaml', 'warsaw.yaml']) {
      const result = await verify(file);
      expect(result.stderr).toBe('');
      verdicts.push(...JSON.parse(result.stdout));
      expect(result.code).toBe(file === 'paris.yaml' ? 3 : 0);
    }
    expect(verdicts.filter((v) => v.reason === 'VERIFIED')).toHaveLength(6);
    expect(verdicts.filter((v) => v.reason !== 'VERIFIED').map((v) => [v.name, v.reason])).toEqual([
      ['paris-cpu-1', 'EXPIRED'],
      ['paris-edge-london', 'JURISDICTION_DENIED'],
    ]);
  });

  it('refuses every proof without the challenge it answers', async () => {
    const result = await empirectl(
      'node',
      'verify',
      '-f',
      join(EXAMPLES, 'nodes', 'madrid.yaml'),
      '--trust-anchors',
      join(EXAMPLES, 'federation', 'trust-anchors.yaml'),
      '--nonce',
      'another',
    );
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout).map((v: { reason: string }) => v.reason)).toEqual(['PROOF_INVALID', 'PROOF_INVALID']);
  });
});

describe('empirectl refuses bad input with exit 2 and a message naming the problem', () => {
  it.each([
    [['frobnicate'], /unknown command/],
    [['did', 'new', '--method', 'ethr', '--out', '/tmp/x'], /--method ethr: use key or web/],
    [['did', 'new', '--method', 'key'], /--out is required/],
    [
      ['credential', 'issue', '--issuer-key', '/nonexistent.jwk', '--subject', 'did:key:z6Mk', '--cluster', 'c', '--node', 'n', '--country', 'FR'],
      /cannot read --issuer-key \/nonexistent\.jwk: ENOENT/,
    ],
    [['node', 'verify', '-f', join(EXAMPLES, 'nodes', 'paris.yaml')], /--trust-anchors is required/],
    [
      ['node', 'verify', '-f', join(EXAMPLES, 'gpupools', 'pools.yaml'), '--trust-anchors', join(EXAMPLES, 'federation', 'trust-anchors.yaml')],
      /holds no SovereignNode/,
    ],
    [
      [
        'node',
        'verify',
        '-f',
        join(EXAMPLES, 'nodes', 'paris.yaml'),
        '--trust-anchors',
        join(EXAMPLES, 'federation', 'trust-anchors.yaml'),
        '--now',
        'yesterday',
      ],
      /--now yesterday: write an RFC 3339 time/,
    ],
    [['statuslist', 'new', '--url', 'http://x/list', '--out', '/tmp/l.json'], /over https only/],
    [['node', 'prove', '--key', join(EXAMPLES, 'federation', 'trust-anchors.yaml'), '--nonce', 'n', '--aud', 'a'], /is not JSON/],
    [['ledger', 'verify', '--dir', '/nonexistent'], /--operator is required/],
    [['ledger', 'verify', '--dir', '/nonexistent', '--operator', 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'], /holds no embedded ledger/],
    [['ledger', 'verify', '--dir', '/nonexistent', '--operator', 'did:web:example.eu'], /--operator: did:web:example.eu: give the operator's did:key/],
    [['ledger', 'policy', 'publish', '-f', join(REPO_ROOT, 'chaincode', 'examples', 'dataset-policy.yaml')], /--fabric-connection is required/],
    [
      ['ledger', 'policy', 'publish', '-f', join(REPO_ROOT, 'chaincode', 'examples', 'dataset-policy.yaml'), '--fabric-connection', '/nonexistent'],
      /\/nonexistent\/connection\.json is missing/,
    ],
    [['ledger', 'grant', 'list', '--fabric-connection', '/nonexistent', '--dataset', 'd', '-o', 'yaml'], /-o yaml: use json or name/],
  ])('%j', async (args, message) => {
    const result = await empirectl(...(args as string[]));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message as RegExp);
  });

  it('names the field of bad trust anchors', async () => {
    const file = join(dir, 'bad-anchors.yaml');
    writeFileSync(file, stringify({ issuers: [], audience: 'urn:x', countries: ['FR'] }));
    const result = await empirectl('node', 'verify', '-f', join(EXAMPLES, 'nodes', 'madrid.yaml'), '--trust-anchors', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad-anchors\.yaml: issuers: must NOT have fewer than 1 items/);
  });

  it("checks a dataset policy with the contract's own rules before connecting", async () => {
    const file = join(dir, 'bad-policy.yaml');
    writeFileSync(file, stringify({ datasetId: 'scans', allowedCountries: ['fr'], allowedPurposes: ['inference'] }));
    const result = await empirectl('ledger', 'policy', 'publish', '-f', file, '--fabric-connection', '/nonexistent');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad-policy\.yaml: policy\.allowedCountries\[0\] "fr" is invalid: use an upper-case ISO 3166-1 alpha-2 code such as FR/);
  });

  it('names the field of an invalid SovereignNode', async () => {
    const file = join(dir, 'bad-node.yaml');
    writeFileSync(
      file,
      stringify({
        apiVersion: 'cloudempire.eu/v1alpha1',
        kind: 'SovereignNode',
        metadata: { name: 'n' },
        spec: { memberCluster: 'paris', nodeName: 'n', did: 'did:ethr:0x1', credential: 'a.b.c' },
      }),
    );
    const result = await empirectl('node', 'verify', '-f', file, '--trust-anchors', join(EXAMPLES, 'federation', 'trust-anchors.yaml'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/spec\.did: "did:ethr:0x1" has an invalid format; use a did:web/);
  });
});
