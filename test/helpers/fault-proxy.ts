// An HTTPS proxy on 127.0.0.1 in front of one kube-apiserver, for fault tests: it forwards every request
// (the client's bearer token included) and, as its rules say, expires watches with 410 Gone (an HTTP 410
// answer, or an ERROR event in the middle of a running watch, as the API server sends when etcd has
// compacted past the watch's resourceVersion) and refuses writes with 409 Conflict before they reach the
// server. Its choices come from the caller's random source, so a seeded run replays.
import { createServer, request, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeTestPki, type TestPki } from './pki.ts';

export interface FaultRules {
  /** Chance that a watch is answered 410 at once (no upstream call). */
  watchGone?: number;
  /** Chance that a forwarded watch is cut after `watchCutMs` by an ERROR event with code 410. */
  watchExpire?: number;
  /** Random delay range before a mid-stream expiry. */
  watchCutMs?: [number, number];
  /** Chance that a write (POST, PUT, PATCH) whose path matches `conflictPaths` is refused 409. */
  conflict?: number;
  conflictPaths?: RegExp;
  /**
   * The first this many matching writes are refused whatever `conflict` says: a run with few writes
   * (a member that gets two Deployments) still meets a conflict, so the test cannot pass untested.
   */
  conflictFirst?: number;
}

export interface FaultCounts {
  requests: number;
  watchesGone: number;
  watchesExpired: number;
  conflicts: number;
  writes: number;
}

const status = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
});

const isWatch = (url: URL) => ['true', '1'].includes(url.searchParams.get('watch') ?? '');

export class FaultProxy {
  readonly counts: FaultCounts = { requests: 0, watchesGone: 0, watchesExpired: 0, conflicts: 0, writes: 0 };
  /** The proxy's CA, for the kubeconfig that points at it. */
  readonly caPem: string;
  rules: FaultRules;
  private readonly server: Server;
  private readonly upstream: URL;
  private readonly upstreamCa: string;
  private readonly random: () => number;
  private readonly open = new Set<ServerResponse>();
  private readonly watches = new Set<() => void>();

  private constructor(pki: TestPki, upstream: string, upstreamCa: string, rules: FaultRules, random: () => number) {
    this.caPem = pki.caPem;
    this.upstream = new URL(upstream);
    this.upstreamCa = upstreamCa;
    this.rules = rules;
    this.random = random;
    this.server = createServer({ key: pki.keyPem, cert: pki.certPem }, (req, res) => this.handle(req, res));
  }

  /** Listens on a free 127.0.0.1 port in front of `upstream` (an https URL whose certificate `upstreamCa` signed). */
  static async start(options: { upstream: string; upstreamCa: string; rules?: FaultRules; random?: () => number }): Promise<FaultProxy> {
    const proxy = new FaultProxy(makeTestPki(), options.upstream, options.upstreamCa, options.rules ?? {}, options.random ?? Math.random);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private chance(p: number | undefined): boolean {
    return p !== undefined && p > 0 && this.random() < p;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.counts.requests++;
    const url = new URL(req.url ?? '/', this.upstream);
    const watch = req.method === 'GET' && isWatch(url);
    if (watch && this.chance(this.rules.watchGone)) {
      this.counts.watchesGone++;
      return this.answer(res, 410, status(410, 'Expired', 'too old resource version (injected by the fault proxy)'));
    }
    const write = req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH';
    const matchingWrite = write && (this.rules.conflictPaths?.test(url.pathname) ?? true);
    if (matchingWrite) this.counts.writes++;
    if (matchingWrite && (this.counts.writes <= (this.rules.conflictFirst ?? 0) || this.chance(this.rules.conflict))) {
      this.counts.conflicts++;
      req.resume();
      return this.answer(
        res,
        409,
        status(409, 'Conflict', 'the object has been modified; please apply your changes to the latest version and try again (injected)'),
      );
    }
    const upstream = request(url, { method: req.method, headers: { ...req.headers, host: this.upstream.host }, ca: this.upstreamCa }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (watch && answer.statusCode === 200) this.forwardWatch(answer, res);
      else answer.pipe(res);
    });
    upstream.on('error', (error) => {
      if (!res.headersSent) this.answer(res, 502, status(502, 'BadGateway', `fault proxy: ${error.message}`));
      else res.destroy();
    });
    res.on('close', () => upstream.destroy());
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
    req.pipe(upstream);
  }

  /**
   * Forwards a watch line by line, so an expiry can be inserted between whole events; with the
   * `watchExpire` chance it is cut after a random `watchCutMs`, and `expireWatches` cuts it at any time.
   */
  private forwardWatch(answer: IncomingMessage, res: ServerResponse): void {
    let partial: Buffer = Buffer.alloc(0);
    answer.on('data', (chunk: Buffer) => {
      const end = chunk.lastIndexOf(0x0a);
      if (end < 0) partial = Buffer.concat([partial, chunk]);
      else {
        res.write(Buffer.concat([partial, chunk.subarray(0, end + 1)]));
        partial = chunk.subarray(end + 1);
      }
    });
    answer.on('end', () => res.end(partial));
    const expire = () => {
      if (res.writableEnded || res.destroyed) return;
      this.counts.watchesExpired++;
      this.watches.delete(expire);
      answer.removeAllListeners('data').removeAllListeners('end');
      answer.destroy();
      res.end(`${JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', 'too old resource version (injected by the fault proxy)') })}\n`);
    };
    this.watches.add(expire);
    const [min, max] = this.rules.watchCutMs ?? [200, 2_000];
    const timer = this.chance(this.rules.watchExpire) ? setTimeout(expire, min + this.random() * (max - min)) : undefined;
    res.on('close', () => {
      clearTimeout(timer);
      this.watches.delete(expire);
    });
  }

  /** Expires each open watch with the chance `fraction`, as an etcd compaction past their resourceVersions would; returns how many. */
  expireWatches(fraction = 1): number {
    let expired = 0;
    for (const expire of [...this.watches])
      if (this.random() < fraction) {
        expire();
        expired++;
      }
    return expired;
  }

  private answer(res: ServerResponse, code: number, body: object): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  async stop(): Promise<void> {
    for (const res of this.open) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
