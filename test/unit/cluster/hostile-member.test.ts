// A member API server is a provider's: what it sends on a watch is input.
// These tests serve malformed, endless and flooding watch streams over real
// HTTPS on 127.0.0.1 to the real watch code and check that each ends only
// that watch (which restarts and relists), that memory stays bounded, and
// that a well-behaved member keeps being served meanwhile.
import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import { withBoundedResponses } from '../../../src/cluster/bounded-responses.ts';
import { withConnectionReuse } from '../../../src/cluster/keep-alive.ts';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LineSplitter, SizeLimitError } from '../../../src/util/bounded-lines.ts';
import { MemberProtocolError, parseListPage, parseWatchEvent } from '../../../src/runtime/watch-event.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { slimWatch } from '../../../src/runtime/slim-watch.ts';
import type { WatchedCollection } from '../../../src/runtime/watch.ts';
import { makeTestPki, type TestPki } from '../../helpers/pki.ts';

const FLOOD = Symbol('flood');
type Script = (string | typeof FLOOD)[];
const node = (name: string) => `${JSON.stringify({ type: 'ADDED', object: { metadata: { name, resourceVersion: '2' } } })}\n`;

/** A member API server whose watch connections each play the next script; the last script repeats. */
class HostileMember {
  private server!: Server;
  scripts: Script[] = [];
  flooded: number[] = [];
  watches = 0;
  private readonly open = new Set<import('node:http').ServerResponse>();
  sendLater?: (line: string) => void;

  static async start(pki: TestPki, scripts: Script[]): Promise<HostileMember> {
    const member = new HostileMember();
    member.scripts = scripts;
    member.server = createServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => member.answer(req.url ?? '', res));
    await new Promise<void>((resolve) => member.server.listen(0, '127.0.0.1', resolve));
    return member;
  }

  private answer(url: string, res: import('node:http').ServerResponse): void {
    if (url.includes('/version')) {
      const big = url.startsWith('/big/');
      res.writeHead(200, { 'content-type': 'application/json' });
      // 8 MiB of padding inside one JSON document, or a plain version.
      if (big) {
        res.write('{"gitVersion":"v1.34.4","padding":"');
        for (let i = 0; i < 128; i++) res.write(Buffer.alloc(64 * 1024, 'p'));
        return void res.end('"}');
      }
      return void res.end('{"major":"1","minor":"34","gitVersion":"v1.34.4"}');
    }
    if (!url.includes('watch=1')) {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ kind: 'NodeList', metadata: { resourceVersion: '1' }, items: [{ metadata: { name: 'listed' } }] }));
      return;
    }
    const script = this.scripts[Math.min(this.watches, this.scripts.length - 1)];
    this.watches++;
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
    res.writeHead(200, { 'content-type': 'application/json' });
    this.sendLater = (line) => res.write(line);
    for (const step of script) {
      if (step === FLOOD) return this.flood(res);
      res.write(step);
    }
  }

  /** A line that never ends, written as fast as the client reads it. */
  private flood(res: import('node:http').ServerResponse): void {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let written = 0;
    const index = this.flooded.push(0) - 1;
    const pump = () => {
      while (!res.destroyed) {
        written += chunk.length;
        this.flooded[index] = written;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
    };
    pump();
  }

  kubeConfig(pki: TestPki): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'm', server: `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`, caData: Buffer.from(pki.caPem).toString('base64') }],
      users: [{ name: 'u', token: 'member-token' }],
      contexts: [{ name: 'c', cluster: 'm', user: 'u' }],
      currentContext: 'c',
    });
    return kc;
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const log = createLogger({ level: 'error' });
const names = (watch: WatchedCollection<string>) => watch.list();

describe('watch and list input checks', () => {
  it.each([
    ['not JSON', 'not json'],
    ['null object', '{"object":null}'],
    ['an ADDED event with a null object', '{"type":"ADDED","object":null}'],
    ['an array', '[1,2]'],
    ['an unknown type', '{"type":"PATCHED","object":{}}'],
    ['a name that is a number', '{"type":"ADDED","object":{"metadata":{"name":5}}}'],
    ['no name', '{"type":"MODIFIED","object":{"metadata":{}}}'],
    ['metadata a string', '{"type":"DELETED","object":{"metadata":"x"}}'],
  ])('refuses a watch line that is %s', (_name, line) => {
    expect(() => parseWatchEvent(line)).toThrow(MemberProtocolError);
  });

  it('accepts events, bookmarks and errors of the right shape', () => {
    expect(parseWatchEvent(node('a').trim())).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'a' } } });
    expect(parseWatchEvent('{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}}')).toMatchObject({ type: 'BOOKMARK' });
    expect(parseWatchEvent('{"type":"ERROR","object":{"code":410}}')).toEqual({ type: 'ERROR', object: { code: 410 } });
  });

  it('refuses list bodies of the wrong shape', () => {
    for (const body of ['{}', '{"items":{}}', '{"items":[null]}', '{"items":[{"metadata":{"name":1}}]}', '{"items":[],"metadata":{"continue":5}}', 'nope']) {
      expect(() => parseListPage(body)).toThrow(MemberProtocolError);
    }
    expect(parseListPage('{"items":[{"metadata":{"name":"a"}}],"metadata":{"continue":""}}').items).toHaveLength(1);
  });

  it('splits lines across chunks, multi-byte characters included, and cuts a line at the cap', () => {
    const splitter = new LineSplitter(16);
    const text = Buffer.from('é€\nab');
    expect(splitter.push(text.subarray(0, 1))).toEqual([]);
    expect(splitter.push(text.subarray(1))).toEqual(['é€']);
    expect(splitter.push(Buffer.from('c\n\n'))).toEqual(['abc', '']);
    const long = new LineSplitter(16);
    long.push(Buffer.alloc(10, 'x'));
    expect(() => long.push(Buffer.alloc(10, 'x'))).toThrow(SizeLimitError);
    expect(() => new LineSplitter(16).push(Buffer.from(`${'y'.repeat(17)}\n`))).toThrow(SizeLimitError);
  });
});

describe('slimWatch against hostile member API servers', () => {
  let pki: TestPki;
  const members: HostileMember[] = [];
  const watches: WatchedCollection<string>[] = [];
  beforeAll(() => {
    pki = makeTestPki();
  });
  afterEach(async () => {
    await Promise.all(watches.splice(0).map((w) => w.stop()));
    await Promise.all(members.splice(0).map((m) => m.close()));
  });

  const start = async (scripts: Script[], limits = { maxLineBytes: 1024 * 1024, maxBodyBytes: 4 * 1024 * 1024 }) => {
    const member = await HostileMember.start(pki, scripts);
    members.push(member);
    const changes: string[] = [];
    const watch = slimWatch<string>({
      name: 'hostile-nodes',
      kubeConfig: member.kubeConfig(pki),
      path: '/api/v1/nodes',
      transform: (raw: { metadata: { name: string } }) => raw.metadata.name,
      onChange: (name) => changes.push(name),
      log,
      limits,
    });
    watches.push(watch);
    await watch.synced;
    return { member, watch, changes };
  };

  it('ends the watch on each malformed line, restarts, relists and goes on', async () => {
    const { watch, member, changes } = await start([
      ['not json\n'],
      ['{"type":"MODIFIED","object":null}\n'],
      ['{"type":"ADDED","object":{"metadata":{"name":5}}}\n'],
      [node('before-garbage'), '[1,2]\n'],
      [node('good')],
    ]);
    await until(() => names(watch).includes('good'), 15_000, 'the event after four malformed lines');
    expect(watch.restarts()).toBe(4);
    expect(member.watches).toBe(5);
    // The good line before the garbage was delivered; the relist after it is the truth (the server lists only "listed").
    expect(changes).toContain('before-garbage');
    expect([...names(watch)].sort()).toEqual(['good', 'listed']);
  }, 20_000);

  it('cuts a line that never ends at the cap: the watch restarts and memory stays bounded', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const { watch, member } = await start([[FLOOD], [node('after-flood')]]);
    await until(() => names(watch).includes('after-flood'), 10_000, 'the event after the endless line');
    expect(watch.restarts()).toBe(1);
    // The client stopped reading at the 1 MiB cap; what the server wrote beyond it sat in socket buffers.
    expect(member.flooded[0]).toBeLessThan(1024 * 1024 + 16 * 1024 * 1024);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  }, 15_000);

  it('keeps serving a good member while another floods', async () => {
    const hostile = await start([[FLOOD]]);
    const good = await start([[node('first')]]);
    await until(() => names(good.watch).includes('first'), 5_000, 'the good member');
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const sent = Date.now();
      good.member.sendLater!(node(`n${i}`));
      await until(() => names(good.watch).includes(`n${i}`), 5_000, `event n${i}`);
      latencies.push(Date.now() - sent);
      await new Promise((r) => setTimeout(r, 100));
    }
    delay.disable();
    // The hostile member was cut and restarted meanwhile, again and again.
    expect(hostile.watch.restarts()).toBeGreaterThanOrEqual(1);
    // Generous for a loaded 2-core machine; an unbounded or O(n²) line buffer stalls for many seconds.
    expect(Math.max(...latencies)).toBeLessThan(1_500);
    expect(delay.max / 1e6).toBeLessThan(1_500);
  }, 30_000);
});

describe('client-node calls to a member are bounded too', () => {
  it('aborts a response body above the cap as it arrives, and reads normal ones', async () => {
    const pki = makeTestPki();
    const member = await HostileMember.start(pki, [[]]);
    try {
      const bounded = withConnectionReuse(withBoundedResponses(member.kubeConfig(pki), 1024 * 1024));
      expect((await bounded.makeApiClient(VersionApi).getCode()).gitVersion).toBe('v1.34.4');
      const big = member.kubeConfig(pki);
      big.clusters[0] = { ...big.clusters[0], server: `${big.clusters[0].server}/big` };
      const cappedBig = withBoundedResponses(big, 1024 * 1024);
      await expect(cappedBig.makeApiClient(VersionApi).getCode()).rejects.toThrow();
      // Without the cap the same call reads all 8 MiB: the refusal above is the cap's doing.
      const uncapped = member.kubeConfig(pki);
      uncapped.clusters[0] = big.clusters[0];
      expect((await uncapped.makeApiClient(VersionApi).getCode()).gitVersion).toBe('v1.34.4');
    } finally {
      await member.close();
    }
  });
});
