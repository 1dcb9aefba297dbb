// The chaincode's contracts run in memory, with no block log and no disk:
// each transaction runs through the embedded ledger's own ContractRunner and
// stub over in-memory world states, and its writes are applied when it
// succeeds. Tests of the contracts' decisions run in milliseconds here, so
// a mutation run can afford them for every mutant.
import { contracts } from '@cloud-empire/chaincode';
import { ROLE_ATTRIBUTE, TRUST_AUTHORITY_MSP } from '@cloud-empire/chaincode/access';
import { ContractRunner } from '../../src/ledger/embedded/contract-runner.ts';
import { collectionOwner, EmbeddedStub, type LedgerIdentity } from '../../src/ledger/embedded/stub.ts';
import { WorldState } from '../../src/ledger/embedded/world-state.ts';

export const OPERATOR: LedgerIdentity = { mspId: TRUST_AUTHORITY_MSP, id: 'x509::/CN=operator', attributes: { [ROLE_ATTRIBUTE]: 'operator' } };
export const ADMIN: LedgerIdentity = { mspId: TRUST_AUTHORITY_MSP, id: 'x509::/CN=admin', attributes: { [ROLE_ATTRIBUTE]: 'admin' } };
export const TENANT: LedgerIdentity = { mspId: 'TenantMSP', id: 'x509::/CN=steward' };
export const PROVIDER: LedgerIdentity = { mspId: 'ProviderMSP', id: 'x509::/CN=provider' };

export interface ChaincodeEvent {
  name: string;
  payload: Record<string, unknown>;
}

export class ChaincodeWorld {
  readonly state = new WorldState();
  readonly validation = new WorldState();
  readonly collections = new Map<string, WorldState>();
  readonly events: ChaincodeEvent[] = [];
  /** The transactions' clock; tests move it. */
  now = new Date('2026-06-01T12:00:00.000Z');
  private readonly runner = new ContractRunner(contracts);
  private transactions = 0;

  /** Runs `fn` as `identity`; JSON arguments may be given as values. Resolves with the parsed answer, throws what the contract throws. */
  async submit(identity: LedgerIdentity, fn: string, args: unknown[] = [], transient: Record<string, string> = {}): Promise<Record<string, unknown>> {
    const txId = `tx${++this.transactions}`;
    const stub = new EmbeddedStub(
      {
        txId,
        channel: 'test',
        fn,
        args: args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))),
        creator: identity,
        timestamp: this.now,
        transient: new Map(Object.entries(transient).map(([k, v]) => [k, Buffer.from(v)])),
      },
      {
        state: this.state,
        validation: this.validation,
        collection: (name, forMsp) => (collectionOwner(name) === forMsp ? this.collection(name) : undefined),
      },
    );
    const result = await this.runner.run(fn, stub, identity);
    const simulated = stub.result();
    this.state.apply(simulated.writes, this.transactions);
    this.validation.apply(simulated.validationWrites, this.transactions);
    for (const [name, writes] of simulated.privateWrites) this.collection(name).apply(writes, this.transactions);
    if (simulated.event) this.events.push({ name: simulated.event.name, payload: JSON.parse(Buffer.from(simulated.event.payload).toString('utf8')) });
    return result ? JSON.parse(result) : {};
  }

  /** Every value under a composite-key object type, by key, decoded. */
  stored(objectType: string): unknown[] {
    const prefix = `\u0000${objectType}\u0000`;
    return [...this.state.range(prefix, `${prefix}\u{10FFFF}`)].map(([, v]) => JSON.parse(Buffer.from(v.value).toString('utf8')));
  }

  private collection(name: string): WorldState {
    let state = this.collections.get(name);
    if (!state) this.collections.set(name, (state = new WorldState()));
    return state;
  }
}
