import { createPrivateKey } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { connect, GatewayError, signers, StatusCode, type Contract, type Gateway, type Network } from '@hyperledger/fabric-gateway';
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

/** Where the peer is and who we are: read from files or a Secret, never logged. */
export interface FabricConnection {
  /** host:port of a peer whose gateway service we use. */
  peerEndpoint: string;
  /** The name in the peer's TLS certificate when it differs from the endpoint's host. */
  peerHostName?: string;
  tlsCaPem: string;
  mspId: string;
  certPem: string;
  keyPem: string;
  channel: string;
  chaincode: string;
  deadlines?: Partial<Deadlines>;
  /** How many times a transaction invalidated by an MVCC or phantom-read conflict is submitted again. */
  conflictRetries?: number;
}

interface Deadlines {
  evaluateMs: number;
  endorseMs: number;
  submitMs: number;
  commitStatusMs: number;
}

const DEFAULT_DEADLINES: Deadlines = { evaluateMs: 5_000, endorseMs: 15_000, submitMs: 5_000, commitStatusMs: 60_000 };
const RETRYABLE_VALIDATION = new Set<number>([StatusCode.MVCC_READ_CONFLICT, StatusCode.PHANTOM_READ_CONFLICT]);

/**
 * Sorts the gateway's four error kinds (endorse, submit, commit status,
 * commit) into the two the operator acts on. Only a contract's own error
 * code is a refusal (LedgerContractError: retrying the same call cannot
 * help). Everything else — ABORTED from a chaincode server that is down, no
 * endorsers, endorsement or commit timeouts, UNAVAILABLE, DEADLINE_EXCEEDED —
 * is an outage (LedgerUnavailableError: fail closed, keep the verdict, retry
 * later), because mistaking an outage for a refusal would drop a verdict.
 */
export function classifyGatewayError(error: unknown): Error {
  if (error instanceof LedgerContractError || error instanceof LedgerUnavailableError) return error;
  if (error instanceof GatewayError) {
    for (const text of [error.message, ...error.details.map((d) => d.message)]) {
      const parsed = parseContractError(text);
      if (parsed) return new LedgerContractError(parsed.code, parsed.message);
    }
    const detail = error.details.map((d) => `${d.mspId}@${d.address}: ${d.message}`).join('; ');
    return new LedgerUnavailableError(
      `Fabric ledger unavailable (${error.name}, gRPC ${grpc.status[error.code] ?? error.code}): ${error.message}${detail ? ` (${detail})` : ''}`,
    );
  }
  return new LedgerUnavailableError(`Fabric gateway failed: ${(error as Error).message}`);
}

/** The part of a gateway Contract that submitting uses: what the MVCC retries need, and a test can fake. */
export interface TransactionSubmitter {
  submitAsync(
    fn: string,
    options: { arguments: string[]; transientData?: Record<string, Uint8Array>; endorsingOrganizations?: string[] },
  ): Promise<{
    getResult(): Uint8Array;
    getStatus(): Promise<{ successful: boolean; code: number; transactionId: string; blockNumber: bigint }>;
  }>;
}

/**
 * Submits a transaction and waits for its commit. A transaction invalidated
 * by an MVCC or phantom-read conflict (another transaction changed what it
 * read) is endorsed and submitted again, up to `retries` times with a growing
 * pause; still conflicting after that is an outage (retried later), not a
 * refusal. Any other invalidation (an endorsement policy not met) is the
 * ledger's refusal.
 */
export async function submitWithConflictRetries(
  contract: TransactionSubmitter,
  fn: string,
  args: string[],
  options: SubmitOptions | undefined,
  retries: number,
  pauseMs = 50,
): Promise<Submitted> {
  for (let attempt = 0; ; attempt++) {
    let submitted;
    let status;
    try {
      submitted = await contract.submitAsync(fn, {
        arguments: args,
        transientData: transientData(options),
        endorsingOrganizations: options?.endorsingOrganizations,
      });
      status = await submitted.getStatus();
    } catch (error) {
      throw classifyGatewayError(error);
    }
    if (status.successful)
      return { txId: status.transactionId, blockNumber: Number(status.blockNumber), result: Buffer.from(submitted.getResult()).toString('utf8') };
    const reason = Object.entries(StatusCode).find(([, code]) => code === status.code)?.[0] ?? String(status.code);
    if (RETRYABLE_VALIDATION.has(status.code)) {
      if (attempt < retries) {
        await new Promise((r) => setTimeout(r, pauseMs * 2 ** attempt));
        continue;
      }
      throw new LedgerUnavailableError(`transaction ${status.transactionId} still conflicted (${reason}) after ${retries} retries; it is tried again later`);
    }
    throw new LedgerContractError('TransactionInvalid', `transaction ${status.transactionId} was not committed: ${reason}`);
  }
}

function transientData(options?: SubmitOptions): Record<string, Uint8Array> | undefined {
  return options?.transient ? Object.fromEntries(Object.entries(options.transient).map(([k, v]) => [k, Buffer.from(v)])) : undefined;
}

/** The sovereignty chaincode on a Fabric network, through one peer's gateway over one gRPC connection. */
export class FabricGateway implements ContractGateway {
  readonly kind = 'fabric' as const;
  private readonly client: grpc.Client;
  private readonly gateway: Gateway;
  private readonly network: Network;
  private readonly contract: Contract;
  private readonly chaincode: string;
  private readonly conflictRetries: number;

  constructor(connection: FabricConnection) {
    const deadlines = { ...DEFAULT_DEADLINES, ...connection.deadlines };
    this.client = new grpc.Client(
      connection.peerEndpoint,
      grpc.credentials.createSsl(Buffer.from(connection.tlsCaPem)),
      connection.peerHostName ? { 'grpc.ssl_target_name_override': connection.peerHostName } : {},
    );
    this.gateway = connect({
      client: this.client,
      identity: { mspId: connection.mspId, credentials: Buffer.from(connection.certPem) },
      signer: signers.newPrivateKeySigner(createPrivateKey(connection.keyPem)),
      evaluateOptions: () => ({ deadline: Date.now() + deadlines.evaluateMs }),
      endorseOptions: () => ({ deadline: Date.now() + deadlines.endorseMs }),
      submitOptions: () => ({ deadline: Date.now() + deadlines.submitMs }),
      commitStatusOptions: () => ({ deadline: Date.now() + deadlines.commitStatusMs }),
    });
    this.network = this.gateway.getNetwork(connection.channel);
    this.contract = this.network.getContract(connection.chaincode);
    this.chaincode = connection.chaincode;
    this.conflictRetries = connection.conflictRetries ?? 3;
  }

  submit(fn: string, args: string[], options?: SubmitOptions): Promise<Submitted> {
    return submitWithConflictRetries(this.contract, fn, args, options, this.conflictRetries);
  }

  async evaluate(fn: string, args: string[], options?: SubmitOptions): Promise<string> {
    try {
      return Buffer.from(
        await this.contract.evaluate(fn, { arguments: args, transientData: transientData(options), endorsingOrganizations: options?.endorsingOrganizations }),
      ).toString('utf8');
    } catch (error) {
      throw classifyGatewayError(error);
    }
  }

  /** Chaincode events after the checkpoint (inclusive of a block without a transaction id), until `signal` aborts. */
  async *events(options: { checkpoint?: EventCheckpoint; signal: AbortSignal }): AsyncGenerator<ChaincodeEventRecord> {
    const checkpoint = options.checkpoint;
    let events;
    try {
      events = await this.network.getChaincodeEvents(this.chaincode, {
        checkpoint: checkpoint && {
          getBlockNumber: () => BigInt(checkpoint.blockNumber),
          getTransactionId: () => checkpoint.txId,
        },
      });
    } catch (error) {
      throw classifyGatewayError(error);
    }
    const close = () => events.close();
    options.signal.addEventListener('abort', close, { once: true });
    try {
      for await (const event of events) {
        if (options.signal.aborted) return;
        yield {
          blockNumber: Number(event.blockNumber),
          txId: event.transactionId,
          name: event.eventName,
          payload: Buffer.from(event.payload).toString('utf8'),
        };
      }
    } catch (error) {
      if (options.signal.aborted) return;
      throw classifyGatewayError(error);
    } finally {
      options.signal.removeEventListener('abort', close);
      events.close();
    }
  }

  async close(): Promise<void> {
    this.gateway.close();
    this.client.close();
  }
}
