import { trustConfigFrom, type TrustConfig } from '../../src/trust/anchors.ts';
import { httpsFetcher } from '../../src/trust/fetcher.ts';
import {
  issueNodeCredential,
  newIdentity,
  newStatusListFile,
  proveNode,
  publishStatusList,
  type Identity,
  type NodeCredentialRequest,
  type StatusListFile,
} from '../../src/trust/issue.ts';
import { decodeBitstring, encodeBitstring, setBit } from '../../src/trust/status-list.ts';
import { TrustVerifier, type Challenge, type NodeClaim } from '../../src/trust/verifier.ts';
import { DidServer } from './did-server.ts';
import { makeTestPki, type TestPki } from './pki.ts';

export const AUDIENCE = 'did:web:operator.cloudempire.test';
export const REVOKED_INDEX = 7;
export const GOOD_INDEX = 3;

/** Publishes a did:web identity's document on the server at its path. */
export function host(server: DidServer, identity: Identity): void {
  const url = new URL(`https://${identity.did.slice('did:web:'.length).split(':').map(decodeURIComponent).join('/')}`);
  const path = url.pathname === '/' ? '/.well-known/did.json' : `${url.pathname}/did.json`;
  server.serve(path, identity.document);
}

/**
 * Two trusted issuers (a did:web one on a real HTTPS server with its own CA,
 * a did:key one), an untrusted issuer, nodes with did:web and did:key
 * identities, and a revocation list with one revoked entry.
 */
export class TrustWorld {
  readonly pki: TestPki;
  readonly server: DidServer;
  readonly issuer: Identity;
  readonly keyIssuer: Identity;
  readonly rogue: Identity;
  readonly node: Identity;
  readonly keyNode: Identity;
  readonly statusList: StatusListFile;

  private constructor(pki: TestPki, server: DidServer) {
    this.pki = pki;
    this.server = server;
    this.issuer = newIdentity({ method: 'web', domain: server.domain, path: 'issuers/fr-trust' });
    this.keyIssuer = newIdentity({ method: 'key', alg: 'ES256' });
    this.rogue = newIdentity({ method: 'key' });
    this.node = newIdentity({ method: 'web', alg: 'ES256K', domain: server.domain, path: 'nodes/par-h100-1' });
    this.keyNode = newIdentity({ method: 'key' });
    this.statusList = newStatusListFile(server.url('/status/1'));
  }

  static async create(): Promise<TrustWorld> {
    const pki = makeTestPki();
    const world = new TrustWorld(pki, await DidServer.start(pki));
    host(world.server, world.issuer);
    host(world.server, world.node);
    const bits = decodeBitstring(world.statusList.encodedList);
    setBit(bits, REVOKED_INDEX);
    world.statusList.encodedList = encodeBitstring(bits);
    world.server.serve('/status/1', await publishStatusList(world.issuer.key, world.statusList, 3600), 200, 'application/vc+jwt');
    return world;
  }

  config(overrides: Partial<TrustConfig> = {}): TrustConfig {
    return trustConfigFrom({
      issuers: [
        { did: this.issuer.did, name: 'French trust authority' },
        { did: this.keyIssuer.did, name: 'Spanish trust authority' },
      ],
      audience: AUDIENCE,
      // Generous: a shared, loaded machine (or Stryker's instrumented code) must not turn a good fetch into a timeout.
      fetchTimeoutMs: 5000,
      ...overrides,
    });
  }

  verifier(overrides: Partial<TrustConfig> = {}, now?: () => number): TrustVerifier {
    return new TrustVerifier(this.config(overrides), { fetcher: httpsFetcher({ ca: this.pki.caPem, allowLoopback: true }), now });
  }

  request(overrides: Partial<NodeCredentialRequest> = {}): NodeCredentialRequest {
    return {
      subject: this.node.did,
      memberCluster: 'paris',
      nodeName: 'par-h100-1',
      countryCode: 'FR',
      provider: 'ovhcloud',
      validFrom: Math.floor(Date.now() / 1000) - 60,
      validForSeconds: 90 * 86_400,
      statusList: { url: this.statusList.url, index: GOOD_INDEX },
      ...overrides,
    };
  }

  challenge(): Challenge {
    return { nonce: 'challenge-0123456789abcdef', issuedAt: new Date(Date.now() - 10_000).toISOString() };
  }

  /** A claim that verifies: credential from the did:web issuer, proof by the node. */
  async goodClaim(challenge = this.challenge()): Promise<NodeClaim> {
    return {
      did: this.node.did,
      memberCluster: 'paris',
      nodeName: 'par-h100-1',
      credential: await issueNodeCredential(this.issuer.key, this.request()),
      proof: await proveNode(this.node.key, challenge.nonce, AUDIENCE),
    };
  }

  async close(): Promise<void> {
    await this.server.close();
  }
}
