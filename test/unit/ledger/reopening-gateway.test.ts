import { Contract, type Context } from 'fabric-contract-api';
import { ContractRunner } from '../../../src/ledger/embedded/contract-runner.ts';
import type { EmbeddedLedger } from '../../../src/ledger/embedded/embedded-ledger.ts';
import { ReopeningEmbeddedGateway } from '../../../src/ledger/embedded/reopening-gateway.ts';
import { EmbeddedStub } from '../../../src/ledger/embedded/stub.ts';
import { WorldState } from '../../../src/ledger/embedded/world-state.ts';
import { LedgerUnavailableError } from '../../../src/ledger/gateway.ts';

// The reopening client and the contract dispatcher with stand-ins: what they decide, in microseconds.

const IDENTITY = { mspId: 'TenantMSP', id: 'x509::/CN=steward' };

/** An embedded ledger stand-in: answers with its name, fails when told, records its closes. */
class FakeLedger {
  failure?: Error;
  closed = 0;
  closeFails = false;
  readonly calls: string[] = [];
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  async submit(identity: typeof IDENTITY, fn: string, args: string[]) {
    this.calls.push(`submit ${identity.mspId} ${fn} ${args.join(',')}`);
    return { txId: this.name, result: this.name };
  }
  async evaluate(identity: typeof IDENTITY, fn: string) {
    this.calls.push(`evaluate ${identity.mspId} ${fn}`);
    return this.name;
  }
  events() {
    return [`events of ${this.name}`];
  }
  async close() {
    this.closed++;
    if (this.closeFails) throw new Error('close failed');
  }
}

function gateway(first: FakeLedger, reopen: () => Promise<FakeLedger>, clock = { now: 0 }, minIntervalMs?: number) {
  return new ReopeningEmbeddedGateway(first as unknown as EmbeddedLedger, IDENTITY, {
    reopen: reopen as unknown as () => Promise<EmbeddedLedger>,
    minIntervalMs,
    now: () => clock.now,
  });
}
const outcome = (p: Promise<unknown>) =>
  p.then(
    (v) => v,
    (e: Error) => `${e.name}: ${e.message}`,
  );

describe('ReopeningEmbeddedGateway', () => {
  it('uses a working ledger as it is, as its identity', async () => {
    const first = new FakeLedger('first');
    let reopened = 0;
    const client = gateway(first, async () => (reopened++, new FakeLedger('x')));
    expect(await client.submit('F', ['a', 'b'])).toEqual({ txId: 'first', result: 'first' });
    expect(await client.evaluate('G', [])).toBe('first');
    expect(first.calls).toEqual(['submit TenantMSP F a,b', 'evaluate TenantMSP G']);
    expect(client.events({ signal: new AbortController().signal })).toEqual(['events of first']);
    expect([reopened, client.ledger, client.kind]).toEqual([0, first, 'embedded']);
    await client.close();
    expect(first.closed).toBe(1);
  });

  it('after a failed write closes the stopped ledger and reopens it once for concurrent calls', async () => {
    const first = new FakeLedger('first');
    const second = new FakeLedger('second');
    let reopened = 0;
    const client = gateway(first, async () => (reopened++, second));
    first.failure = new Error('ENOSPC');
    first.closeFails = true; // a stopped ledger may not close cleanly: the reopen goes on
    expect(await Promise.all([client.submit('F', []), client.evaluate('G', [])])).toEqual([{ txId: 'second', result: 'second' }, 'second']);
    expect([reopened, first.closed, client.ledger]).toEqual([1, 1, second]);
    await client.close();
    expect(second.closed).toBe(1);
  });

  it('fails closed while reopening fails, at most one attempt per interval, saying why', async () => {
    const first = new FakeLedger('first');
    first.failure = new Error('EIO: write');
    const clock = { now: 100_000 };
    let attempts = 0;
    let works = false;
    const client = gateway(
      first,
      async () => {
        attempts++;
        if (!works) throw new Error('the disk is still full');
        return new FakeLedger('second');
      },
      clock,
    );
    const refusal = 'LedgerUnavailableError: the embedded ledger stopped after a failed write (EIO: write)';
    expect(await outcome(client.submit('F', []))).toBe(`${refusal}; reopening it failed: the disk is still full`);
    clock.now += 4_999;
    expect(await outcome(client.evaluate('G', []))).toBe(`${refusal}; reopening it failed: the disk is still full`);
    expect(attempts).toBe(1);
    await expect(client.submit('F', [])).rejects.toBeInstanceOf(LedgerUnavailableError);
    clock.now += 1;
    works = true;
    expect(await client.evaluate('G', [])).toBe('second');
    expect([attempts, first.closed]).toEqual([2, 1]);
    // The stale ledger was closed once already: closing the client closes only the new one.
    await client.close();
    expect(first.closed).toBe(1);
  });

  it('says the ledger is reopened later when a call comes within the interval of the last good reopen', async () => {
    const first = new FakeLedger('first');
    const second = new FakeLedger('second');
    const clock = { now: 0 };
    const client = gateway(first, async () => second, clock, 1_000);
    first.failure = new Error('EIO');
    expect(await client.evaluate('G', [])).toBe('second');
    second.failure = new Error('EIO again');
    clock.now = 999;
    expect(await outcome(client.evaluate('G', []))).toBe(
      'LedgerUnavailableError: the embedded ledger stopped after a failed write (EIO again); it is reopened from disk on a later call',
    );
    expect(second.closed).toBe(0);
    await client.close();
    expect(second.closed).toBe(1);
  });

  it('waits for a reopen in flight before closing, and does not close a ledger it already closed', async () => {
    const first = new FakeLedger('first');
    first.failure = new Error('EIO');
    let finish: (ledger: FakeLedger) => void = () => undefined;
    const client = gateway(first, () => new Promise((resolve) => (finish = resolve)));
    const call = client.evaluate('G', []);
    await new Promise((resolve) => setImmediate(resolve));
    const closed = client.close();
    const second = new FakeLedger('second');
    finish(second);
    await call;
    await closed;
    expect([first.closed, second.closed]).toEqual([1, 1]);
  });
});

class Greeter extends Contract {
  constructor() {
    super('Greeter');
  }
  async Hello(ctx: Context, name: string): Promise<string> {
    return `hello ${name} from ${ctx.clientIdentity.getMSPID()}`;
  }
  async Nothing(): Promise<void> {}
  async Count(): Promise<number> {
    return 3;
  }
  async _helper(): Promise<string> {
    return 'private';
  }
  notAsync = 'a field, not a function';
  override async beforeTransaction(ctx: Context): Promise<void> {
    if (ctx.clientIdentity.getMSPID() === 'BlockedMSP') throw new Error('blocked');
  }
  override async unknownTransaction(ctx: Context): Promise<void> {
    throw new Error(`unknown ${ctx.stub.getFunctionAndParameters().fcn}`);
  }
}
class Other extends Contract {
  constructor() {
    super('Other');
  }
  async Hello(): Promise<string> {
    return 'other';
  }
}

describe('ContractRunner', () => {
  const stub = (fn: string, args: string[] = []) =>
    new EmbeddedStub(
      { txId: 't', channel: 'c', fn, args, creator: IDENTITY, timestamp: new Date(0), transient: new Map() },
      { state: new WorldState(), validation: new WorldState(), collection: () => undefined },
    );
  const runner = new ContractRunner([Greeter, Other]);
  const run = (fn: string, args: string[] = [], identity: { mspId: string; id: string } = IDENTITY) => outcome(runner.run(fn, stub(fn, args), identity));

  it('dispatches Contract:Function, and a bare function to the first contract', async () => {
    expect(await run('Greeter:Hello', ['ada'])).toBe('hello ada from TenantMSP');
    expect(await run('Hello', ['ada'])).toBe('hello ada from TenantMSP');
    expect(await run('Other:Hello')).toBe('other');
  });

  it('returns the contract’s answer as text: empty for nothing, JSON otherwise', async () => {
    expect(await run('Greeter:Nothing')).toBe('');
    expect(await run('Greeter:Count')).toBe('3');
  });

  it('runs beforeTransaction first, and refuses functions that are not transactions', async () => {
    expect(await run('Greeter:Hello', ['ada'], { mspId: 'BlockedMSP', id: 'b' })).toBe('Error: blocked');
    expect(await run('Greeter:_helper')).toBe('Error: unknown Greeter:_helper');
    expect(await run('Greeter:notAsync')).toBe('Error: unknown Greeter:notAsync');
    expect(await run('Greeter:beforeTransaction')).toBe('Error: unknown Greeter:beforeTransaction');
    expect(await run('Greeter:constructor')).toBe('Error: unknown Greeter:constructor');
    expect(await run('Nope:Hello')).toBe("Error: You've asked to invoke a function that does not exist: Nope:Hello (no contract Nope)");
  });

  it('has no default contract when given none', async () => {
    expect(await outcome(new ContractRunner([]).run('Hello', stub('Hello'), IDENTITY))).toBe(
      "Error: You've asked to invoke a function that does not exist: Hello (no contract )",
    );
  });
});
