// The identity walkthrough offline: the challenge taken from a SovereignNode's
// status, the status list read from a local file, revocation seen through it.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localStatusLists } from '../../../src/cli/local-status-lists.ts';
import type { Fetcher } from '../../../src/trust/fetcher.ts';
import { cli } from '../../helpers/cli.ts';

const LIST_URL = 'https://trust.example.eu/status/1';
let dir: string;
const at = (file: string) => join(dir, file);

async function ok(...args: string[]): Promise<string> {
  const result = await cli(...args);
  if (result.code !== 0) throw new Error(`empirectl ${args.join(' ')} → ${result.code}: ${result.err}`);
  return result.out.trim();
}

function sovereignNode(nodeDid: string, credential: string, challenge: string | undefined): string {
  return [
    'apiVersion: cloudempire.eu/v1alpha1',
    'kind: SovereignNode',
    'metadata: {name: paris-h100-1}',
    ...(challenge ? ['status:', `  challenge: {nonce: ${challenge}, audience: urn:cloudempire:operator, issuedAt: "${new Date().toISOString()}"}`] : []),
    'spec:',
    '  memberCluster: paris',
    '  nodeName: par-h100-1',
    `  did: ${nodeDid}`,
    `  credential: ${credential}`,
    '',
  ].join('\n');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'empirectl-offline-'));
  const issuerDid = await ok('did', 'new', '--method', 'key', '--out', at('issuer'));
  const nodeDid = await ok('did', 'new', '--method', 'key', '--out', at('node'));
  await ok('statuslist', 'new', '--url', LIST_URL, '--out', at('list.json'));
  const credential = await ok(
    ...['credential', 'issue', '--issuer-key', at('issuer/key.jwk'), '--subject', nodeDid, '--cluster', 'paris', '--node', 'par-h100-1'],
    ...['--country', 'FR', '--valid-for', '90d', '--status-list', LIST_URL, '--status-index', '42'],
  );
  await ok('statuslist', 'publish', '--list', at('list.json'), '--issuer-key', at('issuer/key.jwk'), '--out', at('status-1.jwt'));
  writeFileSync(at('node.yaml'), sovereignNode(nodeDid, credential, '7f3c9a1e5b2d4068'));
  writeFileSync(at('unchallenged.yaml'), sovereignNode(nodeDid, credential, undefined));
  appendFileSync(at('node.yaml'), `  proof: ${await ok('node', 'prove', '--key', at('node/key.jwk'), '--challenge-from', at('node.yaml'))}\n`);
  writeFileSync(at('anchors.yaml'), `issuers: [{did: "${issuerDid}", name: Offline authority}]\naudience: urn:cloudempire:operator\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const verify = (...extra: string[]) => cli('node', 'verify', '-f', at('node.yaml'), '--trust-anchors', at('anchors.yaml'), ...extra);

describe('empirectl node verify offline', () => {
  it("verifies with the list from a file and the proof of the SovereignNode's own challenge", async () => {
    const result = await verify('--status-list', `${LIST_URL}=${at('status-1.jwt')}`);
    expect(result).toMatchObject({ code: 0 });
    expect(JSON.parse(result.out)).toMatchObject({ verified: true, reason: 'VERIFIED', countryCode: 'FR' });
  });

  it('sees a revocation in the republished file', async () => {
    const revoked = join(dir, 'revoked');
    await ok('statuslist', 'revoke', '--list', at('list.json'), '--index', '42');
    await ok('statuslist', 'publish', '--list', at('list.json'), '--issuer-key', at('issuer/key.jwk'), '--out', `${revoked}.jwt`);
    await ok('statuslist', 'revoke', '--list', at('list.json'), '--index', '42', '--undo');
    const result = await verify('--status-list', `${LIST_URL}=${revoked}.jwt`);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.out)).toMatchObject({ verified: false, reason: 'REVOKED' });
  });

  it('refuses a list file its issuer did not sign', async () => {
    await ok('did', 'new', '--method', 'key', '--out', at('other'));
    await ok('statuslist', 'publish', '--list', at('list.json'), '--issuer-key', at('other/key.jwk'), '--out', at('forged.jwt'));
    const result = await verify('--status-list', `${LIST_URL}=${at('forged.jwt')}`);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.out)).toMatchObject({ verified: false, reason: 'STATUS_UNAVAILABLE' });
  });

  it.each([
    ['nope', /--status-list nope: use URL=FILE/],
    [`http://trust.example.eu/status/1=${LIST_URL}`, /status-list URLs are https/],
    ['not a url=x', /not a URL/],
    [`${LIST_URL}=/nonexistent/list.jwt`, /cannot read --status-list \/nonexistent\/list\.jwt: ENOENT/],
  ])('names the problem with --status-list %s (exit 2)', async (mapping, message) => {
    const result = await verify('--status-list', mapping);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });
});

describe('empirectl node prove --challenge-from', () => {
  it("answers the SovereignNode's nonce and audience, not another", async () => {
    const wrongNonce = await verify('--status-list', `${LIST_URL}=${at('status-1.jwt')}`, '--nonce', 'another-challenge-0000');
    expect(JSON.parse(wrongNonce.out)).toMatchObject({ verified: false, reason: 'PROOF_INVALID' });
  });

  it('refuses a SovereignNode without a challenge, or both ways of giving one', async () => {
    const none = await cli('node', 'prove', '--key', at('node/key.jwk'), '--challenge-from', at('unchallenged.yaml'));
    expect(none).toMatchObject({ code: 2, err: expect.stringMatching(/has no status\.challenge yet/) });
    const both = await cli('node', 'prove', '--key', at('node/key.jwk'), '--challenge-from', at('node.yaml'), '--nonce', 'x', '--aud', 'y');
    expect(both).toMatchObject({ code: 2, err: expect.stringMatching(/not both/) });
    const neither = await cli('node', 'prove', '--key', at('node/key.jwk'));
    expect(neither).toMatchObject({ code: 2, err: expect.stringMatching(/give --nonce and --aud/) });
  });
});

describe('localStatusLists', () => {
  it('answers mapped URLs from their file and passes every other one on', async () => {
    const file = at('status-1.jwt');
    const asked: string[] = [];
    const fallback: Fetcher = async (url) => {
      asked.push(url.href);
      return { status: 404, body: Buffer.alloc(0), url: url.href };
    };
    const fetcher = localStatusLists([`${LIST_URL}=${file}`], fallback);
    const limits = { timeoutMs: 1000, maxBytes: 1 << 20 };
    expect((await fetcher(new URL(LIST_URL), limits)).body.toString()).toBe(readFileSync(file, 'utf8'));
    expect((await fetcher(new URL('https://trust.example.eu/status/2'), limits)).status).toBe(404);
    expect(asked).toEqual(['https://trust.example.eu/status/2']);
    await expect(fetcher(new URL(LIST_URL), { timeoutMs: 1000, maxBytes: 10 })).rejects.toMatchObject({ code: 'TOO_LARGE' });
  });
});
