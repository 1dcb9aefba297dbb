// The operator's identity Secret is read or made before anything else starts: a
// start must ride out an API server that answers but is busy (5xx, 429) and a
// create refused with 409 before the winner is readable, and stop at once, with
// the cause and the fix, on what retrying cannot change.
import type { KubeConfig } from '@kubernetes/client-node';
import { localKubeConfig } from '../../helpers/local-kubeconfig.ts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadOrCreateOperatorKey, OPERATOR_IDENTITY_SECRET } from '../../../src/operator/identity.ts';
import { newIdentity } from '../../../src/trust/issue.ts';

const SECRET_PATH = `/api/v1/namespaces/cloud-empire/secrets`;
type Answer = { code: number; body?: unknown } | 'stored';

/** An API server that keeps one Secret and answers each request from a script, then from what it stores. */
class SecretServer {
  readonly requests: string[] = [];
  stored?: Record<string, string>;
  private server!: Server;
  private readonly script: Answer[];

  constructor(script: Answer[]) {
    this.script = script;
  }

  async start(): Promise<KubeConfig> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return localKubeConfig(this.server, 'host-token-SECRET');
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    this.requests.push(`${req.method} ${req.url}`);
    const reply = (code: number, body: unknown) => void res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const scripted = this.script.shift() ?? 'stored';
    if (scripted !== 'stored') return reply(scripted.code, scripted.body ?? status(scripted.code));
    if (req.method === 'POST') {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { stringData: Record<string, string> };
      this.stored = Object.fromEntries(Object.entries(body.stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
      return reply(201, { metadata: { name: OPERATOR_IDENTITY_SECRET }, data: this.stored });
    }
    if (!this.stored) return reply(404, status(404));
    return reply(200, { metadata: { name: OPERATOR_IDENTITY_SECRET }, data: this.stored });
  }
}

const status = (code: number) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, message: `injected ${code}` });
const READ = `GET ${SECRET_PATH}/${OPERATOR_IDENTITY_SECRET}`;
const CREATE = `POST ${SECRET_PATH}`;

async function withServer<T>(script: Answer[], run: (kc: KubeConfig, server: SecretServer) => Promise<T>): Promise<T> {
  const server = new SecretServer(script);
  const kc = await server.start();
  try {
    return await run(kc, server);
  } finally {
    await server.stop();
  }
}

describe('loadOrCreateOperatorKey', () => {
  it('makes the key once and reads the same one after', async () => {
    await withServer([], async (kc, server) => {
      const made = await loadOrCreateOperatorKey(kc, 'cloud-empire');
      expect(made.kid).toMatch(/^did:key:/);
      expect((await loadOrCreateOperatorKey(kc, 'cloud-empire')).kid).toBe(made.kid);
      expect(server.requests).toEqual([READ, CREATE, READ]);
    });
  });

  it('reads the winner after a create refused with 409, however many times it is refused', async () => {
    // What a fault proxy (or a racing replica whose Secret is not readable yet) does: 404, 409, 404, 409, …
    const script: Answer[] = [];
    for (let i = 0; i < 4; i++) script.push({ code: 404 }, { code: 409 });
    const retries: string[] = [];
    await withServer(script, async (kc, server) => {
      const key = await loadOrCreateOperatorKey(kc, 'cloud-empire', { onRetry: (reason) => retries.push(reason) });
      expect(server.requests.slice(-2)).toEqual([READ, CREATE]);
      expect(Buffer.from(server.stored!['key.jwk'], 'base64').toString()).toContain(key.kid);
    });
    expect(retries).toHaveLength(4);
    expect(retries[0]).toMatch(/conflict \(HTTP 409: injected 409\); reading it again/);
  });

  it('waits out an API server that answers 503 or 429, up to the deadline', async () => {
    await withServer([{ code: 503 }, { code: 429 }], async (kc) => {
      const waits: number[] = [];
      await loadOrCreateOperatorKey(kc, 'cloud-empire', { onRetry: (_reason, waitMs) => waits.push(waitMs) });
      expect(waits).toEqual([200, 400]);
    });
    await withServer(
      Array.from({ length: 50 }, () => ({ code: 503 })),
      async (kc, server) => {
        const waits: number[] = [];
        await expect(loadOrCreateOperatorKey(kc, 'cloud-empire', { deadlineMs: 1_000, onRetry: (_r, waitMs) => waits.push(waitMs) })).rejects.toThrow(
          /^could not read or create Secret cloud-empire\/cloud-empire-operator-identity before the deadline: HTTP 503: injected 503$/,
        );
        // 200 ms, then 400 ms; the next wait (800 ms) would pass the deadline, so it gives up instead of sleeping past it.
        // A slow machine fits fewer waits in, never more, and each doubles the last.
        expect(waits.length).toBeGreaterThanOrEqual(1);
        expect(waits).toEqual([200, 400].slice(0, waits.length));
        expect(server.requests).toHaveLength(waits.length + 1);
      },
    );
  });

  it('ends at once, with the cause, when nothing answers', async () => {
    // A port just freed: nothing listens on it.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const unreachable = localKubeConfig(port);
    await expect(loadOrCreateOperatorKey(unreachable, 'cloud-empire', { onRetry: () => fail('retried with nothing answering') })).rejects.toThrow(
      'fetch failed',
    );
  });

  it('stops at once on a refusal retrying cannot change, naming it', async () => {
    await withServer([{ code: 403 }], async (kc, server) => {
      await expect(loadOrCreateOperatorKey(kc, 'cloud-empire', { onRetry: () => fail('retried a 403') })).rejects.toThrow(
        'could not read or create Secret cloud-empire/cloud-empire-operator-identity: HTTP 403: injected 403',
      );
      expect(server.requests).toEqual([READ]);
    });
  });

  it('refuses a Secret without a usable key, with the fix, and never overwrites it', async () => {
    const broken: Array<[Record<string, string>, RegExp]> = [
      [{ did: 'x' }, /has no key\.jwk: restore it, or delete the Secret to have a new identity made/],
      [{ 'key.jwk': Buffer.from('{not json').toString('base64') }, /key\.jwk is not JSON/],
      [{ 'key.jwk': Buffer.from('{"kty":"OKP"}').toString('base64') }, /key\.jwk is not a private JWK with kid and d/],
    ];
    for (const [data, message] of broken)
      await withServer([], async (kc, server) => {
        server.stored = data;
        await expect(loadOrCreateOperatorKey(kc, 'cloud-empire', { onRetry: () => fail('retried a broken Secret') })).rejects.toThrow(message);
        expect(server.requests).toEqual([READ]);
      });
  });

  it('keeps a key that was stored, whatever made it', async () => {
    const identity = newIdentity({ method: 'key' });
    await withServer([], async (kc, server) => {
      server.stored = { 'key.jwk': Buffer.from(JSON.stringify(identity.key)).toString('base64') };
      expect(await loadOrCreateOperatorKey(kc, 'cloud-empire')).toEqual(identity.key);
    });
  });
});
