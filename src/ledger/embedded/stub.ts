import type {
  ChaincodeProposal,
  ChaincodeResponse,
  ChaincodeStub,
  ClientIdentity,
  Iterators,
  SerializedIdentity,
  SplitCompositekey,
  StateQueryResponse,
  Timestamp,
} from 'fabric-shim-api';
import Long from 'long';
import type { KeyWrite, WorldState } from './world-state.ts';
import { sha256 } from '../../util/sha256.ts';

/** Who submits: what a Fabric client's X.509 certificate would say. */
export interface LedgerIdentity {
  mspId: string;
  /** A stable name, like Fabric's `x509::<subject>::<issuer>`. */
  id: string;
  /** Certificate attributes (Fabric CA's attribute extension), e.g. `cloudempire.role`. */
  attributes?: Record<string, string>;
}

export class EmbeddedClientIdentity implements ClientIdentity {
  private readonly identity: LedgerIdentity;

  constructor(identity: LedgerIdentity) {
    this.identity = identity;
  }

  getID(): string {
    return this.identity.id;
  }

  getIDBytes(): Uint8Array {
    return Buffer.from(this.identity.id);
  }

  getMSPID(): string {
    return this.identity.mspId;
  }

  getAttributeValue(name: string): string | null {
    return this.identity.attributes?.[name] ?? null;
  }

  assertAttributeValue(name: string, value: string): boolean {
    return this.getAttributeValue(name) === value;
  }
}

/** The world state a transaction runs against, and which private collections the executing "peer" holds. */
export interface SimulationState {
  state: WorldState;
  /** Key-level endorsement policies (Fabric's state-based endorsement), by key. */
  validation: WorldState;
  /** The collection's store, or undefined when the caller's organization is not a member of it. */
  collection(name: string, forMsp: string): WorldState | undefined;
}

export interface Invocation {
  txId: string;
  channel: string;
  fn: string;
  args: string[];
  creator: LedgerIdentity;
  timestamp: Date;
  transient: Map<string, Uint8Array>;
}

/** What a transaction produced: its write set per namespace and its one event (Fabric keeps the last one set). */
export interface Simulated {
  writes: KeyWrite[];
  /** Key-level endorsement policies set by the transaction. One process endorses here, so they are kept, not enforced. */
  validationWrites: KeyWrite[];
  privateWrites: Map<string, KeyWrite[]>;
  event?: { name: string; payload: Uint8Array };
}

const MIN_UNICODE = '\u0000';
const MAX_UNICODE = '\u{10FFFF}';

function unsupported(what: string): never {
  throw new Error(`${what} is not supported by the embedded ledger (and not used by these contracts)`);
}

function queryResult(entries: Iterators.KV[]): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
  let i = 0;
  const iterator: Iterators.StateQueryIterator = {
    next: async () => (i < entries.length ? { value: entries[i++], done: false } : { value: undefined as unknown as Iterators.KV, done: true }),
    close: async () => undefined,
  };
  return Object.assign(Promise.resolve(iterator), {
    async *[Symbol.asyncIterator]() {
      yield* entries;
    },
  });
}

/**
 * The ChaincodeStub the contracts see in the embedded ledger. As on a Fabric
 * peer, reads see the committed state only (no read-your-own-writes), writes
 * are buffered until the transaction commits, and private data is readable
 * only by a member of its collection.
 */
export class EmbeddedStub implements ChaincodeStub {
  private readonly invocation: Invocation;
  private readonly world: SimulationState;
  private readonly writes = new Map<string, KeyWrite>();
  private readonly validationWrites = new Map<string, KeyWrite>();
  private readonly privateWrites = new Map<string, Map<string, KeyWrite>>();
  private event?: { name: string; payload: Uint8Array };

  constructor(invocation: Invocation, world: SimulationState) {
    this.invocation = invocation;
    this.world = world;
  }

  result(): Simulated {
    const privateWrites = new Map<string, KeyWrite[]>();
    for (const [collection, writes] of this.privateWrites) privateWrites.set(collection, [...writes.values()]);
    return { writes: [...this.writes.values()], validationWrites: [...this.validationWrites.values()], privateWrites, event: this.event };
  }

  getArgs(): string[] {
    return [this.invocation.fn, ...this.invocation.args];
  }

  getStringArgs(): string[] {
    return this.getArgs();
  }

  getFunctionAndParameters(): { params: string[]; fcn: string } {
    return { fcn: this.invocation.fn, params: [...this.invocation.args] };
  }

  getTxID(): string {
    return this.invocation.txId;
  }

  getChannelID(): string {
    return this.invocation.channel;
  }

  getCreator(): SerializedIdentity {
    return { mspid: this.invocation.creator.mspId, idBytes: Buffer.from(this.invocation.creator.id) };
  }

  getMspID(): string {
    return this.invocation.creator.mspId;
  }

  getTransient(): Map<string, Uint8Array> {
    return new Map(this.invocation.transient);
  }

  getSignedProposal(): ChaincodeProposal.SignedProposal {
    return unsupported('getSignedProposal');
  }

  getTxTimestamp(): Timestamp {
    const ms = this.invocation.timestamp.getTime();
    return { seconds: Long.fromNumber(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
  }

  getDateTimestamp(): Date {
    return new Date(this.invocation.timestamp.getTime());
  }

  getBinding(): string {
    return unsupported('getBinding');
  }

  async getState(key: string): Promise<Uint8Array> {
    return this.world.state.get(key)?.value ?? new Uint8Array();
  }

  async putState(key: string, value: Uint8Array): Promise<void> {
    if (!key) throw new Error('putState: the key must not be empty');
    this.writes.set(key, { key, value: Buffer.from(value) });
  }

  async deleteState(key: string): Promise<void> {
    this.writes.set(key, { key });
  }

  async setStateValidationParameter(key: string, ep: Uint8Array): Promise<void> {
    this.validationWrites.set(key, { key, value: Buffer.from(ep) });
  }

  async getStateValidationParameter(key: string): Promise<Uint8Array> {
    return this.world.validation.get(key)?.value ?? new Uint8Array();
  }

  getStateByRange(startKey: string, endKey: string): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    return this.scan(this.world.state, startKey, endKey);
  }

  getStateByRangeWithPagination(): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<Iterators.KV> {
    return unsupported('getStateByRangeWithPagination');
  }

  getStateByPartialCompositeKey(objectType: string, attributes: string[]): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    const prefix = this.createCompositeKey(objectType, attributes);
    return this.scan(this.world.state, prefix, prefix + MAX_UNICODE);
  }

  getStateByPartialCompositeKeyWithPagination(): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<Iterators.KV> {
    return unsupported('getStateByPartialCompositeKeyWithPagination');
  }

  getQueryResult(): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    return unsupported('getQueryResult (rich queries need CouchDB)');
  }

  getQueryResultWithPagination(): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<Iterators.KV> {
    return unsupported('getQueryResultWithPagination');
  }

  getHistoryForKey(): Promise<Iterators.HistoryQueryIterator> & AsyncIterable<Iterators.KeyModification> {
    return unsupported('getHistoryForKey');
  }

  async invokeChaincode(): Promise<ChaincodeResponse> {
    return unsupported('invokeChaincode');
  }

  setEvent(name: string, payload: Uint8Array): void {
    if (!name) throw new Error('setEvent: the event name must not be empty');
    this.event = { name, payload: Buffer.from(payload) };
  }

  createCompositeKey(objectType: string, attributes: string[]): string {
    for (const part of [objectType, ...attributes]) {
      if (part.includes(MIN_UNICODE) || part.includes(MAX_UNICODE)) throw new Error(`composite key part ${JSON.stringify(part)} holds a reserved character`);
    }
    return `${MIN_UNICODE}${objectType}${MIN_UNICODE}${attributes.map((a) => `${a}${MIN_UNICODE}`).join('')}`;
  }

  splitCompositeKey(compositeKey: string): SplitCompositekey {
    const parts = compositeKey.split(MIN_UNICODE).slice(1, -1);
    return { objectType: parts[0] ?? '', attributes: parts.slice(1) };
  }

  async getPrivateData(collection: string, key: string): Promise<Uint8Array> {
    return this.collection(collection).get(key)?.value ?? new Uint8Array();
  }

  async getPrivateDataHash(collection: string, key: string): Promise<Uint8Array> {
    const value = this.world.collection(collection, collectionOwner(collection) ?? '')?.get(key)?.value;
    return value ? sha256(value) : new Uint8Array();
  }

  async putPrivateData(collection: string, key: string, value: Uint8Array): Promise<void> {
    this.privateWriteSet(collection).set(key, { key, value: Buffer.from(value) });
  }

  async deletePrivateData(collection: string, key: string): Promise<void> {
    this.privateWriteSet(collection).set(key, { key });
  }

  async purgePrivateData(collection: string, key: string): Promise<void> {
    await this.deletePrivateData(collection, key);
  }

  async setPrivateDataValidationParameter(): Promise<void> {
    unsupported('setPrivateDataValidationParameter');
  }

  async getPrivateDataValidationParameter(): Promise<Uint8Array> {
    return unsupported('getPrivateDataValidationParameter');
  }

  getPrivateDataByRange(collection: string, startKey: string, endKey: string): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    return this.scan(this.collection(collection), startKey, endKey);
  }

  getPrivateDataByPartialCompositeKey(
    collection: string,
    objectType: string,
    attributes: string[],
  ): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    const prefix = this.createCompositeKey(objectType, attributes);
    return this.scan(this.collection(collection), prefix, prefix + MAX_UNICODE);
  }

  getPrivateDataQueryResult(): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    return unsupported('getPrivateDataQueryResult');
  }

  private privateWriteSet(collection: string): Map<string, KeyWrite> {
    if (!collectionOwner(collection))
      throw new Error(`collection ${collection} is not defined: the embedded ledger has the implicit per-organization collections only`);
    let writes = this.privateWrites.get(collection);
    if (!writes) this.privateWrites.set(collection, (writes = new Map()));
    return writes;
  }

  private collection(name: string): WorldState {
    const store = this.world.collection(name, this.invocation.creator.mspId);
    if (!store)
      throw new Error(`private data of collection ${name} is not available to ${this.invocation.creator.mspId}: its peers are not members of that collection`);
    return store;
  }

  private scan(state: WorldState, start: string, end: string): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    const entries: Iterators.KV[] = [];
    for (const [key, versioned] of state.range(start, end)) entries.push({ namespace: '', key, value: versioned.value });
    return queryResult(entries);
  }
}

/** The organization an implicit collection belongs to, if `name` is one. */
export function collectionOwner(name: string): string | undefined {
  return name.startsWith('_implicit_org_') ? name.slice('_implicit_org_'.length) : undefined;
}
