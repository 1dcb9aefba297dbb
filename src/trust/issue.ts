// The issuing side: node and issuer identities, SovereignNodeCredentials,
// status lists and proofs of possession. Used by empirectl, the example
// generator and the tests, so what the operator verifies is what they make.
import { randomBytes } from 'node:crypto';
import { createJWT, EdDSASigner, ES256KSigner, ES256Signer, type Signer } from 'did-jwt';
import type { DIDDocument } from 'did-resolver';
import { algForJwk, generateKey, multibaseFromJwk, publicJwk, type PrivateJwk, type SigningAlg } from './keys.ts';
import { isNumericDate, MAX_NUMERIC_DATE } from './numeric-date.ts';
import { encodeBitstring, newBitstring } from './status-list.ts';
import { CREDENTIAL_TYPE } from './verifier.ts';

/** A private key as empirectl stores it: the JWK plus the DID URL of its verification method. */
export interface KeyFile extends PrivateJwk {
  kid: string;
}

export interface Identity {
  did: string;
  key: KeyFile;
  /** For did:web: the document to serve at the DID's URL. */
  document?: DIDDocument;
}

/** `did:web:host%3A8443:path:to` from `host:8443` and `path/to`. */
export function didWebFor(domain: string, path?: string): string {
  const segments = (path ?? '').split(/[/:]/).filter(Boolean);
  return ['did:web', encodeURIComponent(domain), ...segments.map(encodeURIComponent)].join(':');
}

export function newIdentity(options: { method: 'key' | 'web'; alg?: SigningAlg; domain?: string; path?: string }): Identity {
  const jwk = generateKey(options.alg ?? 'EdDSA');
  if (options.method === 'key') {
    const multibase = multibaseFromJwk(jwk);
    const did = `did:key:${multibase}`;
    return { did, key: { ...jwk, kid: `${did}#${multibase}` } };
  }
  if (!options.domain) throw new Error('a did:web identity needs a domain (host or host:port)');
  const did = didWebFor(options.domain, options.path);
  const kid = `${did}#key-1`;
  return { did, key: { ...jwk, kid }, document: didWebDocument(did, [{ id: kid, jwk }]) };
}

export function didWebDocument(did: string, keys: { id: string; jwk: PrivateJwk }[]): DIDDocument {
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
    id: did,
    verificationMethod: keys.map((k) => ({ id: k.id, type: 'JsonWebKey2020', controller: did, publicKeyJwk: publicJwk(k.jwk) })),
    authentication: keys.map((k) => k.id),
    assertionMethod: keys.map((k) => k.id),
  };
}

export function didOfKey(key: KeyFile): string {
  return key.kid.split('#')[0];
}

function signerFor(key: PrivateJwk): Signer {
  const secret = Buffer.from(key.d, 'base64url');
  switch (algForJwk(key)) {
    case 'EdDSA':
      return EdDSASigner(secret);
    case 'ES256':
      return ES256Signer(secret);
    case 'ES256K':
      return ES256KSigner(secret);
  }
}

async function sign(payload: Record<string, unknown>, key: KeyFile): Promise<string> {
  return createJWT(payload, { issuer: didOfKey(key), signer: signerFor(key), alg: algForJwk(key) }, { kid: key.kid, typ: 'JWT' });
}

export interface NodeCredentialRequest {
  subject: string;
  memberCluster: string;
  nodeName: string;
  countryCode: string;
  provider?: string;
  /** Seconds since the epoch; default now. */
  validFrom?: number;
  validForSeconds: number;
  statusList?: { url: string; index: number; purpose?: 'revocation' | 'suspension' };
}

/** Refuses at issue what the verifier would refuse: times a Date cannot hold or a reader cannot make sense of. */
function validityPeriod(from: number, forSeconds: number, what: string): { nbf: number; exp: number } {
  if (!isNumericDate(from)) throw new RangeError(`${what}: the start ${from} is not seconds since 1970 up to ${MAX_NUMERIC_DATE} (year 9999)`);
  if (!Number.isFinite(forSeconds) || forSeconds <= 0) throw new RangeError(`${what}: the validity ${forSeconds} s must be a positive number of seconds`);
  const exp = Math.floor(from + forSeconds);
  if (!isNumericDate(exp)) throw new RangeError(`${what}: valid for ${forSeconds} s ends after year 9999; choose a shorter validity`);
  return { nbf: Math.floor(from), exp };
}

/** The JWT claims of a SovereignNodeCredential (W3C VC data model 1.1, JWT encoding); `iss` is added when signing. */
export function nodeCredentialPayload(request: NodeCredentialRequest): Record<string, unknown> {
  const { nbf, exp } = validityPeriod(request.validFrom ?? Math.floor(Date.now() / 1000), request.validForSeconds, 'the credential');
  const credentialSubject: Record<string, unknown> = {
    id: request.subject,
    memberCluster: request.memberCluster,
    nodeName: request.nodeName,
    countryCode: request.countryCode,
    ...(request.provider ? { provider: request.provider } : {}),
  };
  const vc: Record<string, unknown> = {
    '@context': ['https://www.w3.org/2018/credentials/v1', 'https://cloudempire.eu/credentials/v1'],
    type: ['VerifiableCredential', CREDENTIAL_TYPE],
    credentialSubject,
  };
  if (request.statusList) {
    const purpose = request.statusList.purpose ?? 'revocation';
    vc.credentialStatus = {
      id: `${request.statusList.url}#${request.statusList.index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: purpose,
      statusListIndex: String(request.statusList.index),
      statusListCredential: request.statusList.url,
    };
  }
  return { sub: request.subject, nbf, iat: nbf, exp, jti: `urn:uuid:${crypto.randomUUID()}`, vc };
}

/** A SovereignNodeCredential as a VC-JWT, signed through did-jwt. */
export async function issueNodeCredential(issuerKey: KeyFile, request: NodeCredentialRequest): Promise<string> {
  return sign(nodeCredentialPayload(request), issuerKey);
}

/** A status list as empirectl keeps it between `new`, `revoke` and `publish`. */
export interface StatusListFile {
  url: string;
  purpose: 'revocation' | 'suspension';
  encodedList: string;
}

export function newStatusListFile(url: string, purpose: 'revocation' | 'suspension' = 'revocation'): StatusListFile {
  return { url, purpose, encodedList: encodeBitstring(newBitstring()) };
}

/** Signs a BitstringStatusListCredential for the list, to be served at its URL. */
export async function publishStatusList(
  issuerKey: KeyFile,
  list: StatusListFile,
  validForSeconds: number,
  now = Math.floor(Date.now() / 1000),
): Promise<string> {
  const { nbf, exp } = validityPeriod(now, validForSeconds, 'the status list');
  return sign(
    {
      sub: `${list.url}#list`,
      nbf,
      iat: nbf,
      exp,
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1', 'https://www.w3.org/ns/credentials/status/v1'],
        type: ['VerifiableCredential', 'BitstringStatusListCredential'],
        credentialSubject: { id: `${list.url}#list`, type: 'BitstringStatusList', statusPurpose: list.purpose, encodedList: list.encodedList },
      },
    },
    issuerKey,
  );
}

/** A proof of possession: the node signs the operator's challenge with its DID key. */
export async function proveNode(nodeKey: KeyFile, nonce: string, audience: string, now = Math.floor(Date.now() / 1000)): Promise<string> {
  const { nbf: iat, exp } = validityPeriod(now, 600, 'the proof');
  return sign({ aud: audience, nonce, iat, exp }, nodeKey);
}

/** A fresh challenge nonce: 128 bits, base64url. */
export function newNonce(): string {
  return randomBytes(16).toString('base64url');
}
