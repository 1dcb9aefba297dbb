/**
 * How the operator reaches the sovereignty chaincode, whichever ledger runs
 * it: the embedded one in this process, or a Fabric network through its
 * gateway. Both take the same function names and string arguments and give
 * back the contract's own string result.
 */
export interface SubmitOptions {
  /** Private inputs (Fabric transient data): seen by the contract, never stored in a block. */
  transient?: Record<string, string>;
  /** Fabric only: which organizations' peers must endorse (the embedded ledger has no peers and refuses it). */
  endorsingOrganizations?: string[];
}

export interface Submitted {
  txId: string;
  /** Absent when the embedded ledger skipped a transaction that changed nothing (Fabric commits every one). */
  blockNumber?: number;
  result: string;
}

export interface ChaincodeEventRecord {
  blockNumber: number;
  txId: string;
  name: string;
  payload: string;
}

/** Where an event stream starts: after the last event a consumer finished, so a restart resumes there. */
export interface EventCheckpoint {
  blockNumber: number;
  /** The last transaction handled within that block; absent means the whole block is still to come. */
  txId?: string;
}

/** Which ledger runs the chaincode. */
export type LedgerKind = 'embedded' | 'fabric';

export interface ContractGateway {
  readonly kind: LedgerKind;
  submit(fn: string, args: string[], options?: SubmitOptions): Promise<Submitted>;
  evaluate(fn: string, args: string[], options?: SubmitOptions): Promise<string>;
  /** Chaincode events from the checkpoint on (from the first block without one), live until `signal` aborts. */
  events(options: { checkpoint?: EventCheckpoint; signal: AbortSignal }): AsyncIterable<ChaincodeEventRecord>;
  close(): Promise<void>;
}

/** The ledger cannot be reached or could not commit: callers fail closed and retry later. */
export class LedgerUnavailableError extends Error {
  override readonly name = 'LedgerUnavailableError';
}

/** The contract refused the transaction: retrying the same call will not help. */
export class LedgerContractError extends Error {
  override readonly name = 'LedgerContractError';
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}
