// The node agent's side of proof of possession (`empirectl node prove`, the demo): wait for the operator's challenge,
// sign it with the DID key, write the proof into spec.proof, and read again when the operator wrote meanwhile. An API
// server on 127.0.0.1 plays the host: it answers from a script, then from the object it keeps.
import { createPublicKey } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { localKubeConfig } from '../../helpers/local-kubeconfig.ts';
import { createServer, type Server } from 'node:http';
import type { SovereignNode } from '../../../src/api/generated/types.ts';
import { answerChallenge } from '../../../src/trust/node-agent.ts';
import { newIdentity } from '../../../src/trust/issue.ts';
import { decodeJwt, verifySignature } from '../../../src/trust/jwt.ts';

const PATH = '/apis/cloudempire.eu/v1alpha1/sovereignnodes/paris-gpu-1';
const node = newIdentity({ method: 'key' });
const challenge = { nonce: 'n-0123456789abcdef', audience: 'cloud-empire-operator', issuedAt: '2026-12-01T00:00:00Z' };

class HostServer {
  readonly requests: string[] = [];
  /** What GETs answer, in turn; the last one stays. */
  objects: SovereignNode[];
  /** Status codes the next PUTs answer instead of storing. */
  putRefusals: number[] = [];
  stored?: SovereignNode;
  private server!: Server;

  constructor(objects: SovereignNode[]) {
    this.objects = objects;
  }

  async start(): Promise<KubeConfig> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      this.requests.push(`${req.method} ${req.url}`);
      const reply = (code: number, body: unknown) => void res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url !== PATH) return reply(404, { kind: 'Status', code: 404, message: 'not found' });
      if (req.method === 'GET') return reply(200, this.objects.length > 1 ? this.objects.shift() : this.objects[0]);
      const refusal = this.putRefusals.shift();
      if (refusal) return reply(refusal, { kind: 'Status', code: refusal, message: `injected ${refusal}` });
      this.stored = JSON.parse(Buffer.concat(chunks).toString()) as SovereignNode;
      return reply(200, this.stored);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return localKubeConfig(this.server, 'node-agent-token');
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

const sovereignNode = (withChallenge: boolean, resourceVersion = '1'): SovereignNode =>
  ({
    apiVersion: 'cloudempire.eu/v1alpha1',
    kind: 'SovereignNode',
    metadata: { name: 'paris-gpu-1', resourceVersion },
    spec: { did: node.did, cluster: 'paris', nodeName: 'gpu-1', credential: 'eyJ.x.y' },
    ...(withChallenge && { status: { challenge } }),
  }) as unknown as SovereignNode;

async function withHost(objects: SovereignNode[], run: (kc: KubeConfig, host: HostServer) => Promise<void>): Promise<void> {
  const host = new HostServer(objects);
  const kc = await host.start();
  try {
    await run(kc, host);
  } finally {
    await host.stop();
  }
}

describe('answerChallenge', () => {
  it('waits for the challenge, then writes a proof signed by the DID key for its nonce and audience', async () => {
    await withHost([sovereignNode(false), sovereignNode(false), sovereignNode(true)], async (kc, host) => {
      expect(await answerChallenge(kc, 'paris-gpu-1', node.key, 5_000)).toBe(challenge.nonce);
      expect(host.requests).toEqual([`GET ${PATH}`, `GET ${PATH}`, `GET ${PATH}`, `PUT ${PATH}`]);
      const proof = decodeJwt(host.stored!.spec.proof!);
      expect(proof.payload).toMatchObject({ iss: node.did, nonce: challenge.nonce, aud: challenge.audience });
      const publicKey = createPublicKey({ key: { kty: node.key.kty, crv: node.key.crv, x: node.key.x }, format: 'jwk' });
      expect(verifySignature(proof, 'EdDSA', publicKey)).toBe(true);
      // Everything else of the object goes back as it was read.
      expect({ ...host.stored!, spec: { ...host.stored!.spec, proof: undefined } }).toEqual(
        JSON.parse(JSON.stringify({ ...sovereignNode(true), spec: { ...sovereignNode(true).spec, proof: undefined } })),
      );
    });
  });

  it('reads again and answers anew when the operator wrote in between (409)', async () => {
    await withHost([sovereignNode(true, '1'), sovereignNode(true, '2')], async (kc, host) => {
      host.putRefusals = [409];
      expect(await answerChallenge(kc, 'paris-gpu-1', node.key, 5_000)).toBe(challenge.nonce);
      expect(host.requests).toEqual([`GET ${PATH}`, `PUT ${PATH}`, `GET ${PATH}`, `PUT ${PATH}`]);
      expect(host.stored!.metadata!.resourceVersion).toBe('2');
    });
  });

  it('gives up on any other refusal, with it', async () => {
    await withHost([sovereignNode(true)], async (kc, host) => {
      host.putRefusals = [403];
      await expect(answerChallenge(kc, 'paris-gpu-1', node.key, 5_000)).rejects.toMatchObject({ code: 403 });
      expect(host.requests).toEqual([`GET ${PATH}`, `PUT ${PATH}`]);
    });
  });

  it('refuses to sign with a key of another DID, writing nothing', async () => {
    const other = newIdentity({ method: 'key' });
    await withHost([sovereignNode(true)], async (kc, host) => {
      await expect(answerChallenge(kc, 'paris-gpu-1', other.key, 5_000)).rejects.toThrow(`the key ${other.key.kid} is not of paris-gpu-1's DID ${node.did}`);
      expect(host.requests).toEqual([`GET ${PATH}`]);
    });
  });

  it('names the likely cause when no challenge comes before the deadline', async () => {
    await withHost([sovereignNode(false)], async (kc, host) => {
      await expect(answerChallenge(kc, 'paris-gpu-1', node.key, 1_500)).rejects.toThrow(
        "no challenge in paris-gpu-1's status after 1500 ms: is the operator running?",
      );
      // It polls (every 250 ms) until the deadline: more than once, and not in a tight loop.
      expect(host.requests.length).toBeGreaterThanOrEqual(2);
      expect(host.requests.length).toBeLessThanOrEqual(8); // 1500 ms / 250 ms, plus the first and the last
      expect(host.requests.every((r) => r === `GET ${PATH}`)).toBe(true);
    });
  });
});
