import { Contract, type Context } from 'fabric-contract-api';
import { ContractRunner } from '../../../src/ledger/embedded/contract-runner.ts';
import { EmbeddedStub } from '../../../src/ledger/embedded/stub.ts';
import { WorldState } from '../../../src/ledger/embedded/world-state.ts';

// The embedded ledger dispatches `Contract:Function` as fabric-contract-api does on a peer: which methods are
// transactions, which contract is the default, the hooks around each call, and the string the wire carries.

const CALLER = { mspId: 'TenantMSP', id: 'x509::/CN=steward', attributes: { 'cloudempire.role': 'owner' } };
const calls: string[] = [];

class Base extends Contract {
  constructor(name = 'Base') {
    super(name);
  }

  async Inherited(): Promise<string> {
    return 'from the parent class';
  }
}

class Shop extends Base {
  readonly notAFunction = 'data';

  constructor() {
    super('Shop');
  }

  override async beforeTransaction(ctx: Context): Promise<void> {
    calls.push(`before ${ctx.stub.getFunctionAndParameters().fcn} as ${ctx.clientIdentity.getMSPID()}`);
  }

  override async afterTransaction(_ctx: Context, result: unknown): Promise<void> {
    calls.push(`after ${JSON.stringify(result)}`);
  }

  override async unknownTransaction(ctx: Context): Promise<void> {
    calls.push(`unknown ${ctx.stub.getFunctionAndParameters().fcn}`);
  }

  async Echo(_ctx: Context, ...args: string[]): Promise<string> {
    return args.join('|');
  }

  async Record(): Promise<object> {
    return { sold: 2, items: ['a', 'b'] };
  }

  async Nothing(): Promise<undefined> {
    return undefined;
  }

  async Null(): Promise<null> {
    return null;
  }

  async Count(): Promise<number> {
    return 0;
  }

  async _helper(): Promise<string> {
    return 'private';
  }
}

class Other extends Contract {
  constructor() {
    super('Other');
  }

  override async unknownTransaction(ctx: Context): Promise<void> {
    calls.push(`unknown in Other: ${ctx.stub.getFunctionAndParameters().fcn}`);
  }

  async Echo(): Promise<string> {
    return 'other';
  }
}

// Made per call: which methods are transactions is decided when a runner is made, and each test should see that happen.
const run = (fn: string, args: string[] = []) =>
  new ContractRunner([Shop, Other]).run(
    fn,
    new EmbeddedStub(
      { txId: 'tx1', channel: 'sovereignty', fn, args, creator: CALLER, timestamp: new Date(), transient: new Map() },
      { state: new WorldState(), validation: new WorldState(), collection: () => undefined },
    ),
    CALLER,
  );

beforeEach(() => (calls.length = 0));

it('runs a named contract function with its arguments, between beforeTransaction and afterTransaction, as the caller', async () => {
  await expect(run('Shop:Echo', ['a', 'b'])).resolves.toBe('a|b');
  expect(calls).toEqual(['before Shop:Echo as TenantMSP', 'after "a|b"']);
  await expect(run('Other:Echo')).resolves.toBe('other');
});

it('takes the first contract for a function named without one', async () => {
  await expect(run('Echo', ['x'])).resolves.toBe('x');
  await expect(run('Inherited')).resolves.toBe('from the parent class');
});

it('carries strings as they are, other results as JSON, and nothing for undefined or null', async () => {
  await expect(run('Shop:Record')).resolves.toBe('{"sold":2,"items":["a","b"]}');
  await expect(run('Shop:Count')).resolves.toBe('0');
  await expect(run('Shop:Nothing')).resolves.toBe('');
  await expect(run('Shop:Null')).resolves.toBe('');
});

it.each([
  ['a method starting with _', 'Shop:_helper'],
  ['the constructor', 'Shop:constructor'],
  ["Contract's own methods", 'Shop:getName'],
  ['a hook', 'Shop:beforeTransaction'],
  ['a property that is not a function', 'Shop:notAFunction'],
  ['a function of another contract', 'Other:Record'],
])('does not run %s: unknownTransaction runs, then the call is refused by name', async (_what, fn) => {
  const name = fn.slice(fn.indexOf(':') + 1);
  await expect(run(fn)).rejects.toThrow(`You've asked to invoke a function that does not exist: ${name}`);
  expect(calls).toEqual(fn.startsWith('Shop:') ? [`unknown ${fn}`] : [`unknown in Other: ${fn}`]);
});

it('refuses a contract it does not have, naming it', async () => {
  await expect(run('Nobody:Echo')).rejects.toThrow("You've asked to invoke a function that does not exist: Nobody:Echo (no contract Nobody)");
});

it('has no default contract when given none', async () => {
  await expect(new ContractRunner([]).run('Echo', undefined as never, CALLER)).rejects.toThrow('(no contract )');
});
