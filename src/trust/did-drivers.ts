import type { DIDDocument, DIDResolutionResult, DIDResolver, VerificationMethod } from 'did-resolver';
import type { Fetcher, FetchLimits } from './fetcher.ts';
import { decodeMultibaseKey } from './keys.ts';

const failure = (error: string, message: string): DIDResolutionResult => ({
  didDocument: null,
  didDocumentMetadata: {},
  didResolutionMetadata: { error, message },
});

/**
 * The did:web method's URL: `did:web:host%3A8443:a:b` → `https://host:8443/a/b/did.json`,
 * `did:web:host` → `https://host/.well-known/did.json` (did:web spec, as web-did-resolver).
 */
export function didWebUrl(did: string): URL {
  const id = did.slice('did:web:'.length);
  const segments = id.split(':').map(decodeURIComponent);
  if (!id || segments.some((s) => !s || s === '.' || s === '..' || s.includes('/'))) {
    throw new Error(`${did} is not a valid did:web identifier`);
  }
  const [host, ...path] = segments;
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(host)) throw new Error(`${did}: "${host}" is not a host name`);
  return new URL(path.length ? `https://${host}/${path.map(encodeURIComponent).join('/')}/did.json` : `https://${host}/.well-known/did.json`);
}

export function didWebDriver(fetcher: Fetcher, limits: FetchLimits): DIDResolver {
  return async (did) => {
    let url: URL;
    try {
      url = didWebUrl(did);
    } catch (error) {
      return failure('invalidDid', (error as Error).message);
    }
    let document: DIDDocument;
    try {
      const response = await fetcher(url, limits);
      if (response.status !== 200) return failure('notFound', `${url.href} answered HTTP ${response.status}`);
      document = JSON.parse(response.body.toString('utf8')) as DIDDocument;
    } catch (error) {
      return failure('notFound', `${url.href}: ${(error as Error).message}`);
    }
    if (!document || typeof document !== 'object' || document.id !== did) {
      return failure('invalidDidDocument', `${url.href} holds a document for ${JSON.stringify(document?.id)}, not ${did}`);
    }
    return { didDocument: document, didDocumentMetadata: {}, didResolutionMetadata: { contentType: 'application/did+json' } };
  };
}

/**
 * did:key for Ed25519, P-256 and secp256k1: the document is derived from the
 * identifier itself, with a Multikey method as the did:key spec (v0.9) has it.
 */
export const didKeyDriver: DIDResolver = async (did) => {
  const multibase = did.slice('did:key:'.length);
  try {
    // Checks codec and length without importing the key: the resolver imports it once, when it is used.
    decodeMultibaseKey(multibase);
  } catch (error) {
    return failure('invalidDid', `${did}: ${(error as Error).message}`);
  }
  const id = `${did}#${multibase}`;
  const method: VerificationMethod = { id, type: 'Multikey', controller: did, publicKeyMultibase: multibase };
  return {
    didDocument: {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: did,
      verificationMethod: [method],
      authentication: [id],
      assertionMethod: [id],
    },
    didDocumentMetadata: {},
    didResolutionMetadata: { contentType: 'application/did+json' },
  };
};
