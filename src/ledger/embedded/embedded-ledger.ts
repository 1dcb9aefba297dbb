import { randomBytes } from 'node:crypto';
import { EventEmitter, on } from 'node:events';
import { contracts } from '@cloud-empire/chaincode';
import { parseContractError } from '@cloud-empire/chaincode/errors';
import {
  LedgerContractError,
  LedgerUnavailableError,
  type ChaincodeEventRecord,
  type ContractGateway,
  type EventCheckpoint,
  type SubmitOptions,
  type Submitted,
} from '../gateway.ts';
import { ensureDirDurably, nodeFileSystem, type FileSystem } from '../../util/file-system.ts';
import { Serial } from '../../util/serial.ts';
import { sha256Hex } from '../../util/sha256.ts';
import { BlockLog, readBlocks, type Block } from './block-log.ts';
import type { BlockSigner } from './block-signature.ts';
import { ContractRunner } from './contract-runner.ts';
import { blocksPath, PRIVATE_FILE_SUFFIX, privateDirOf } from './files.ts';
import { CheckpointWriter, type HeadCheckpoint } from './head-checkpoint.ts';
import { PrivateStore, type PrivateEntry } from './private-store.ts';
import { collectionOwner, EmbeddedStub, type Invocation, type LedgerIdentity, type Simulated } from './stub.ts';
import { WorldState, type KeyWrite } from './world-state.ts';

/** A committed transaction as its block keeps it: the call, who made it, and what it changed. */
export interface LedgerTransaction {
  txId: string;
  fn: string;
  args: string[];
  creator: { mspId: string; id: string };
  timestamp: string;
  writes: { key: string; value?: string; valueBase64?: string; delete?: true }[];
  /** Key-level endorsement policies (serialized SignaturePolicyEnvelope, base64) the transaction set. */
  validationParameters?: { key: string; policyBase64: string }[];
  /** Private writes by hash only; the values stay in the owner's private store. */
  privateWrites: { collection: string; key: string; hash?: string }[];
  event?: { name: string; payload: string };
  /** SHA-256 of the contract's response, so a recorded answer can be checked without storing it. */
  responseHash: string;
}

export const EMBEDDED_CHANNEL = 'sovereignty';

function encodeValue(value: Uint8Array): { value?: string; valueBase64?: string } {
  const text = Buffer.from(value).toString('utf8');
  return Buffer.from(text, 'utf8').equals(Buffer.from(value)) ? { value: text } : { valueBase64: Buffer.from(value).toString('base64') };
}

function decodeWrite(write: LedgerTransaction['writes'][number]): KeyWrite {
  if (write.delete) return { key: write.key };
  return { key: write.key, value: write.valueBase64 !== undefined ? Buffer.from(write.valueBase64, 'base64') : Buffer.from(write.value ?? '', 'utf8') };
}

export interface EmbeddedLedgerOptions {
  /** The operator's key: signs every block and checks every block read back. */
  signer: BlockSigner;
  /** The head kept outside the ledger's volume; opening refuses a log behind it. */
  checkpoint: HeadCheckpoint;
  fs?: FileSystem;
  /** The transactions' clock (milliseconds since the epoch; default the system's): tests move it to judge expiry as the controllers do. */
  now?: () => number;
}

/** Thrown when the ledger's files were altered: opening refuses rather than serve a rewritten history. */
export class LedgerIntegrityError extends Error {
  override readonly name = 'LedgerIntegrityError';
}

/**
 * The single-machine ledger: the chaincode's own contract classes run in
 * this process over a world state rebuilt from a hash-chained block log.
 * Transactions execute one at a time (so there are no MVCC conflicts to
 * retry), commit in groups (one write and one fdatasync per block, signed by
 * the operator), and are acknowledged only once their block is on disk; the
 * head checkpoint outside the volume follows each block. A failed write
 * breaks the ledger until it is reopened, because memory would be ahead of
 * the disk.
 */
export class EmbeddedLedger {
  readonly dir: string;
  private readonly blockLog: BlockLog;
  private readonly fs: FileSystem;
  private readonly now: () => number;
  private readonly checkpoints: CheckpointWriter;
  private readonly state = new WorldState();
  private readonly validation = new WorldState();
  private readonly collections = new Map<string, WorldState>();
  private readonly privateStores = new Map<string, PrivateStore>();
  private readonly runner = new ContractRunner(contracts);
  private readonly emitter = new EventEmitter();
  /** One transaction executes at a time, so none needs an MVCC retry. */
  private readonly executing = new Serial();
  private lastTimestamp = 0;
  private committedTransactions = 0;
  private broken?: Error;

  private constructor(dir: string, options: EmbeddedLedgerOptions, checkpointed: number, build: (ledger: EmbeddedLedger) => BlockLog) {
    this.dir = dir;
    this.fs = options.fs ?? nodeFileSystem;
    this.now = options.now ?? Date.now;
    this.checkpoints = new CheckpointWriter(options.checkpoint, checkpointed);
    this.emitter.setMaxListeners(0);
    this.blockLog = build(this);
  }

  /**
   * Opens the ledger in `dir`, recovering a torn last block. It refuses (a
   * LedgerIntegrityError) a block that does not hash, link or carry the
   * operator's signature, a log behind the checkpointed head, and a private
   * value that is missing or does not match the hash its block holds.
   */
  static async open(dir: string, options: EmbeddedLedgerOptions): Promise<EmbeddedLedger> {
    const fs = options.fs ?? nodeFileSystem;
    const expectHead = await options.checkpoint.read();
    ensureDirDurably(fs, dir);
    const privateDir = privateDirOf(dir);
    const pending = new Map<string, Map<string, PrivateEntry[]>>();
    const ledger = new EmbeddedLedger(dir, options, expectHead?.height ?? 0, (ledger) => {
      try {
        if (fs.exists(privateDir)) {
          for (const file of fs.readdir(privateDir).filter((f) => f.endsWith(PRIVATE_FILE_SUFFIX))) {
            const mspId = file.slice(0, -PRIVATE_FILE_SUFFIX.length);
            const { store, entries } = PrivateStore.open(privateDir, mspId, fs);
            ledger.privateStores.set(mspId, store);
            pending.set(mspId, entries);
          }
        }
        return BlockLog.open(blocksPath(dir), {
          signer: options.signer,
          expectHead: expectHead && { ...expectHead },
          onBlock: (block) => ledger.replay(block as Block<LedgerTransaction>, pending),
          beforeWrite: () => {
            for (const store of ledger.privateStores.values()) store.sync();
          },
          fs,
        });
      } catch (error) {
        for (const store of ledger.privateStores.values()) store.close();
        throw new LedgerIntegrityError(`${(error as Error).message.replace('the checkpoint', options.checkpoint.where)}`, { cause: error });
      }
    });
    // A log ahead of its checkpoint (a crash between the two) moves the checkpoint up now.
    try {
      await ledger.checkpoints.reach(ledger.blockLog.head);
    } catch (error) {
      await ledger.close();
      throw new LedgerUnavailableError(
        `the embedded ledger opened, but its head could not be checkpointed in ${options.checkpoint.where}: ${(error as Error).message}`,
      );
    }
    return ledger;
  }

  get blocks(): number {
    return this.blockLog.blocks;
  }

  /** The failed write that stopped this ledger, if one did: it serves nothing more until reopened from disk. */
  get failure(): Error | undefined {
    return this.broken;
  }

  get recoveredTornWrite(): boolean {
    return this.blockLog.recoveredTornWrite;
  }

  /** A client of this ledger acting as `identity`. */
  connect(identity: LedgerIdentity): ContractGateway {
    return new EmbeddedGateway(this, identity);
  }

  async submit(identity: LedgerIdentity, fn: string, args: string[], options: SubmitOptions = {}): Promise<Submitted> {
    const executed = this.executing.run(async () => {
      this.assertUsable();
      const invocation = this.invocation(identity, fn, args, options);
      const { simulated, result } = await this.simulate(invocation);
      const tx: LedgerTransaction = {
        txId: invocation.txId,
        fn,
        args,
        creator: { mspId: identity.mspId, id: identity.id },
        timestamp: invocation.timestamp.toISOString(),
        writes: simulated.writes.map((w) => (w.value === undefined ? { key: w.key, delete: true as const } : { key: w.key, ...encodeValue(w.value) })),
        validationParameters: simulated.validationWrites.length
          ? simulated.validationWrites.map((w) => ({ key: w.key, policyBase64: Buffer.from(w.value!).toString('base64') }))
          : undefined,
        privateWrites: [...simulated.privateWrites].flatMap(([collection, writes]) =>
          writes.map((w) => ({ collection, key: w.key, hash: w.value && sha256Hex(w.value) })),
        ),
        event: simulated.event && { name: simulated.event.name, payload: Buffer.from(simulated.event.payload).toString('utf8') },
        responseHash: sha256Hex(result),
      };
      // A transaction that changed nothing (a retry of a recorded fact) is answered, not committed; but
      // only once the blocks holding what it read are on disk, since its answer vouches for them.
      if (!tx.writes.length && !tx.privateWrites.length && !tx.validationParameters && !tx.event)
        return { tx, result, block: undefined, durable: this.blockLog.durable() };
      try {
        this.storePrivate(tx.txId, simulated);
      } catch (error) {
        this.broken = error as Error;
        throw new LedgerUnavailableError(`the embedded ledger could not store private data: ${(error as Error).message}`);
      }
      // Applied now so the next transaction reads it; acknowledged only when the block is on disk.
      this.applyCommitted(simulated);
      return { tx, result, block: this.blockLog.append(tx), durable: undefined };
    });
    const { tx, result, block, durable } = await executed;
    if (!block) {
      await this.acknowledge(durable!);
      return { txId: tx.txId, result };
    }
    const { block: committed } = await this.acknowledge(block.then((b) => ({ height: b.number + 1, hash: b.hash, block: b })));
    if (tx.event)
      this.emitter.emit('event', {
        blockNumber: committed.number,
        txId: tx.txId,
        name: tx.event.name,
        payload: tx.event.payload,
      } satisfies ChaincodeEventRecord);
    return { txId: tx.txId, blockNumber: committed.number, result };
  }

  /** Runs a transaction without committing it, over state that is already on disk. */
  async evaluate(identity: LedgerIdentity, fn: string, args: string[], options: SubmitOptions = {}): Promise<string> {
    return this.executing.run(async () => {
      this.assertUsable();
      await this.blockLog.settled();
      this.assertUsable();
      return (await this.simulate(this.invocation(identity, fn, args, options))).result;
    });
  }

  /** Chaincode events from the checkpoint on: first those already in blocks, then live ones, with none missed in between. */
  async *events(options: { checkpoint?: EventCheckpoint; signal: AbortSignal }): AsyncGenerator<ChaincodeEventRecord> {
    // Listen before reading the file, so an event committed in between is not missed (duplicates are skipped by block number).
    const live = on(this.emitter, 'event', { signal: options.signal });
    try {
      let next = options.checkpoint?.blockNumber ?? 0;
      let skipThrough = options.checkpoint?.txId;
      const path = blocksPath(this.dir);
      for (const block of readBlocks(this.fs.readFile(path), path).records as Block<LedgerTransaction>[]) {
        if (options.signal.aborted) return;
        if (block.number < next) continue;
        for (const tx of block.txs) {
          if (skipThrough) {
            if (tx.txId === skipThrough) skipThrough = undefined;
            continue;
          }
          if (tx.event && !options.signal.aborted) yield { blockNumber: block.number, txId: tx.txId, name: tx.event.name, payload: tx.event.payload };
        }
        skipThrough = undefined;
        next = block.number + 1;
      }
      for await (const [event] of live as AsyncIterable<[ChaincodeEventRecord]>) {
        if (event.blockNumber < next) continue;
        yield event;
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    } finally {
      await live.return?.();
    }
  }

  async close(): Promise<void> {
    await this.executing.idle();
    await this.blockLog.settled();
    await this.checkpoints.idle();
    this.blockLog.close();
    for (const store of this.privateStores.values()) store.close();
  }

  /**
   * Waits until a block is on disk, then moves the checkpoint up to it. The
   * checkpoint trails by at most the write in flight; while its writes fail,
   * acknowledgements wait for it (and fail), so the ledger never runs on
   * without a head kept outside its volume.
   */
  private async acknowledge<T extends { height: number; hash: string }>(onDisk: Promise<T>): Promise<T> {
    let head: T;
    try {
      head = await onDisk;
    } catch (error) {
      this.broken = error as Error;
      throw new LedgerUnavailableError(`the embedded ledger could not commit: ${(error as Error).message}`);
    }
    const checkpointed = this.checkpoints.reach(head);
    if (!this.checkpoints.failing) {
      checkpointed.catch(() => undefined); // seen by the next acknowledgement through `failing`
      return head;
    }
    try {
      await checkpointed;
    } catch (error) {
      throw new LedgerUnavailableError(
        `the block is on disk, but its head could not be checkpointed in ${this.checkpoints.where} (${(error as Error).message}); it is retried with the next transaction`,
      );
    }
    return head;
  }

  private assertUsable(): void {
    if (this.broken)
      throw new LedgerUnavailableError(`the embedded ledger stopped after a failed write (${this.broken.message}); restart to recover from disk`);
  }

  private invocation(identity: LedgerIdentity, fn: string, args: string[], options: SubmitOptions): Invocation {
    if (options.endorsingOrganizations) throw new Error('endorsingOrganizations names Fabric peers; the embedded ledger executes every transaction itself');
    this.lastTimestamp = Math.max(this.now(), this.lastTimestamp);
    return {
      txId: sha256Hex(Buffer.concat([randomBytes(24), Buffer.from(identity.mspId), Buffer.from(identity.id)])),
      channel: EMBEDDED_CHANNEL,
      fn,
      args,
      creator: identity,
      timestamp: new Date(this.lastTimestamp),
      transient: new Map(Object.entries(options.transient ?? {}).map(([k, v]) => [k, Buffer.from(v)])),
    };
  }

  private async simulate(invocation: Invocation): Promise<{ simulated: Simulated; result: string }> {
    const stub = new EmbeddedStub(invocation, {
      state: this.state,
      validation: this.validation,
      collection: (name, forMsp) => (collectionOwner(name) === forMsp ? this.collectionState(name) : undefined),
    });
    try {
      const result = await this.runner.run(invocation.fn, stub, invocation.creator);
      return { simulated: stub.result(), result };
    } catch (error) {
      const message = (error as Error).message;
      const parsed = parseContractError(message);
      throw new LedgerContractError(parsed?.code ?? 'ChaincodeError', message);
    }
  }

  private collectionState(name: string): WorldState {
    let state = this.collections.get(name);
    if (!state) this.collections.set(name, (state = new WorldState()));
    return state;
  }

  private storePrivate(txId: string, simulated: Simulated): void {
    for (const [collection, writes] of simulated.privateWrites) {
      const owner = collectionOwner(collection)!;
      let store = this.privateStores.get(owner);
      if (!store) {
        store = PrivateStore.open(privateDirOf(this.dir), owner, this.fs).store;
        this.privateStores.set(owner, store);
      }
      store.append(writes.map((w) => ({ txId, collection, key: w.key, value: w.value && Buffer.from(w.value).toString('utf8') })));
    }
  }

  private applyCommitted(simulated: Simulated): void {
    const version = ++this.committedTransactions;
    this.state.apply(simulated.writes, version);
    this.validation.apply(simulated.validationWrites, version);
    for (const [collection, writes] of simulated.privateWrites) this.collectionState(collection).apply(writes, version);
  }

  /**
   * Rebuilds state from one block whose hash and signature were checked;
   * each private value must be in its owner's store and match the hash the
   * block holds, or the ledger refuses to open (its details were lost or
   * altered at rest).
   */
  private replay(block: Block<LedgerTransaction>, pending: Map<string, Map<string, PrivateEntry[]>>): void {
    for (const tx of block.txs) {
      const version = ++this.committedTransactions;
      this.state.apply(tx.writes.map(decodeWrite), version);
      if (tx.validationParameters)
        this.validation.apply(
          tx.validationParameters.map((p) => ({ key: p.key, value: Buffer.from(p.policyBase64, 'base64') })),
          version,
        );
      for (const write of tx.privateWrites) {
        const owner = collectionOwner(write.collection) ?? '';
        const entry = pending
          .get(owner)
          ?.get(tx.txId)
          ?.find((e) => e.collection === write.collection && e.key === write.key);
        const matches =
          write.hash === undefined ? entry !== undefined && entry.value === undefined : entry?.value !== undefined && sha256Hex(entry.value) === write.hash;
        if (!matches) {
          const what = entry ? 'does not match the hash in its block' : `is missing from ${owner}'s private store`;
          throw new Error(
            `block ${block.number}: the private value ${JSON.stringify(write.key)} of ${write.collection} (tx ${tx.txId}) ${what}; the private store was altered or lost`,
          );
        }
        this.collectionState(write.collection).apply([{ key: write.key, value: entry!.value === undefined ? undefined : Buffer.from(entry!.value) }], version);
      }
      const t = Date.parse(tx.timestamp);
      if (t > this.lastTimestamp) this.lastTimestamp = t;
    }
  }
}

/** The embedded ledger as one identity's gateway: what the operator and the tests hold. */
class EmbeddedGateway implements ContractGateway {
  readonly kind = 'embedded' as const;
  private readonly ledger: EmbeddedLedger;
  private readonly identity: LedgerIdentity;

  constructor(ledger: EmbeddedLedger, identity: LedgerIdentity) {
    this.ledger = ledger;
    this.identity = identity;
  }

  submit(fn: string, args: string[], options?: SubmitOptions): Promise<Submitted> {
    return this.ledger.submit(this.identity, fn, args, options);
  }

  evaluate(fn: string, args: string[], options?: SubmitOptions): Promise<string> {
    return this.ledger.evaluate(this.identity, fn, args, options);
  }

  events(options: { checkpoint?: EventCheckpoint; signal: AbortSignal }): AsyncIterable<ChaincodeEventRecord> {
    return this.ledger.events(options);
  }

  async close(): Promise<void> {
    // The ledger outlives its clients; its owner closes it.
  }
}
