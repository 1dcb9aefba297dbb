// The did:web and did:key drivers on their own, with a Fetcher that answers from a table: every failure is a
// DID resolution result with its error code and a message naming the URL or identifier (what a SovereignNode's
// Verified condition quotes), and a document is served only for the DID asked.
import type { Fetcher, FetchResponse } from '../../../src/trust/fetcher.ts';
import { FetchError } from '../../../src/trust/fetcher.ts';
import { didKeyDriver, didWebDriver, didWebUrl } from '../../../src/trust/did-drivers.ts';
import { newIdentity } from '../../../src/trust/issue.ts';

const limits = { timeoutMs: 1_000, maxBytes: 10_000 };
const DID = 'did:web:nodes.example.eu:paris:gpu-1';
const URL_OF = 'https://nodes.example.eu/paris/gpu-1/did.json';

function tableFetcher(answers: Record<string, Partial<FetchResponse> | Error>) {
  const asked: string[] = [];
  const fetcher: Fetcher = async (url, given) => {
    asked.push(url.href);
    expect(given).toBe(limits);
    const answer = answers[url.href];
    if (!answer) throw new Error(`no answer for ${url.href}`);
    if (answer instanceof Error) throw answer;
    return { status: 200, body: Buffer.from(''), url: url.href, ...answer };
  };
  return { asked, fetcher };
}

const resolveWeb = (did: string, fetcher: Fetcher) => didWebDriver(fetcher, limits)(did, {} as never, {} as never, {});
const json = (value: unknown) => ({ body: Buffer.from(JSON.stringify(value)) });

describe('didWebDriver', () => {
  it('serves the document of the DID asked, as did+json', async () => {
    const { asked, fetcher } = tableFetcher({ [URL_OF]: json({ id: DID, verificationMethod: [] }) });
    expect(await resolveWeb(DID, fetcher)).toEqual({
      didDocument: { id: DID, verificationMethod: [] },
      didDocumentMetadata: {},
      didResolutionMetadata: { contentType: 'application/did+json' },
    });
    expect(asked).toEqual([URL_OF]);
  });

  it.each<[string, Partial<FetchResponse> | Error, string, string]>([
    ['a status other than 200', { status: 404 }, 'notFound', `${URL_OF} answered HTTP 404`],
    ['a 204 without a body', { status: 204 }, 'notFound', `${URL_OF} answered HTTP 204`],
    ['a body that is not JSON', { body: Buffer.from('<html>') }, 'notFound', `${URL_OF}: Unexpected token '<', "<html>" is not valid JSON`],
    [
      'a failed fetch',
      new FetchError('TIMEOUT', 'no answer from nodes.example.eu within 1000 ms'),
      'notFound',
      `${URL_OF}: no answer from nodes.example.eu within 1000 ms`,
    ],
    [
      'a document of another DID',
      json({ id: 'did:web:evil.example' }),
      'invalidDidDocument',
      `${URL_OF} holds a document for "did:web:evil.example", not ${DID}`,
    ],
    ['a document without an id', json({}), 'invalidDidDocument', `${URL_OF} holds a document for undefined, not ${DID}`],
    ['null', json(null), 'invalidDidDocument', `${URL_OF} holds a document for undefined, not ${DID}`],
    ['a string', json(DID), 'invalidDidDocument', `${URL_OF} holds a document for undefined, not ${DID}`],
  ])('refuses %s', async (_what, answer, error, message) => {
    const { fetcher } = tableFetcher({ [URL_OF]: answer });
    expect(await resolveWeb(DID, fetcher)).toEqual({ didDocument: null, didDocumentMetadata: {}, didResolutionMetadata: { error, message } });
  });

  it.each([
    ['did:web:', 'did:web: is not a valid did:web identifier'],
    ['did:web:host::a', 'did:web:host::a is not a valid did:web identifier'],
    ['did:web:host:.', 'did:web:host:. is not a valid did:web identifier'],
    ['did:web:host:..', 'did:web:host:.. is not a valid did:web identifier'],
    ['did:web:host:a%2Fb', 'did:web:host:a%2Fb is not a valid did:web identifier'],
    ['did:web:user@host', 'did:web:user@host: "user@host" is not a host name'],
  ])('refuses %s before fetching anything', async (did, message) => {
    const { asked, fetcher } = tableFetcher({});
    expect(await resolveWeb(did, fetcher)).toEqual({ didDocument: null, didDocumentMetadata: {}, didResolutionMetadata: { error: 'invalidDid', message } });
    expect(asked).toEqual([]);
  });

  it('maps a host with a port and a bare host to their URLs', () => {
    expect(didWebUrl('did:web:nodes.example.eu%3A8443:a:b').href).toBe('https://nodes.example.eu:8443/a/b/did.json');
    expect(didWebUrl('did:web:nodes.example.eu').href).toBe('https://nodes.example.eu/.well-known/did.json');
    expect(didWebUrl('did:web:nodes.example.eu:dir.v1').href).toBe('https://nodes.example.eu/dir.v1/did.json');
  });
});

describe('didKeyDriver', () => {
  it('derives a Multikey document from the identifier', async () => {
    const { did, key } = newIdentity({ method: 'key' });
    const multibase = did.slice('did:key:'.length);
    expect(key.kid).toBe(`${did}#${multibase}`);
    expect(await didKeyDriver(did, {} as never, {} as never, {})).toEqual({
      didDocument: {
        '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
        id: did,
        verificationMethod: [{ id: key.kid, type: 'Multikey', controller: did, publicKeyMultibase: multibase }],
        authentication: [key.kid],
        assertionMethod: [key.kid],
      },
      didDocumentMetadata: {},
      didResolutionMetadata: { contentType: 'application/did+json' },
    });
  });

  it('refuses a key it cannot decode, naming the identifier and why', async () => {
    const result = await didKeyDriver('did:key:z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc', {} as never, {} as never, {});
    expect(result.didDocument).toBeNull();
    expect(result.didResolutionMetadata.error).toBe('invalidDid');
    expect(result.didResolutionMetadata.message).toMatch(
      /^did:key:z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc: unsupported multicodec key type .*; did:key supports Ed25519, P-256 and secp256k1$/,
    );
  });
});
