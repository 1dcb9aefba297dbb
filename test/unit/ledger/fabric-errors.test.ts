import * as grpc from '@grpc/grpc-js';
import { CommitStatusError, EndorseError, GatewayError, StatusCode } from '@hyperledger/fabric-gateway';
import { classifyGatewayError, submitWithConflictRetries, type TransactionSubmitter } from '../../../src/ledger/fabric/fabric-gateway.ts';
import { LedgerContractError, LedgerUnavailableError } from '../../../src/ledger/gateway.ts';

const PEER = { address: 'peer0.provider.example.eu:7051', mspId: 'ProviderMSP' };

function serviceError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(`${code} ${grpc.status[code]}: ${details}`), { code, details, metadata: new grpc.Metadata() });
}

// Shaped as the Fabric gateway (peer's gateway service) answers: gRPC code, top-level message, per-endorser details.
function endorseError(code: grpc.status, message: string, detail?: string): EndorseError {
  return new EndorseError({
    code,
    message: `${code} ${grpc.status[code]}: ${message}`,
    details: detail ? [{ ...PEER, message: detail }] : [],
    cause: serviceError(code, message),
    transactionId: 'tx-1',
  });
}

const OUTAGES: [string, Error][] = [
  [
    'chaincode server down (ABORTED)',
    endorseError(
      grpc.status.ABORTED,
      'failed to endorse transaction, see attached details for more info',
      'error in simulation: failed to execute transaction tx-1: could not launch chaincode sovereignty_1.0:ab12: connection to sovereignty_1.0 failed: error cannot create connection for sovereignty_1.0: dial tcp 127.0.0.1:9999: connect: connection refused',
    ),
  ],
  [
    'evaluate with chaincode down (ABORTED)',
    new GatewayError({
      code: grpc.status.ABORTED,
      message: '10 ABORTED: evaluate call to endorser returned error: error in simulation: failed to execute transaction: could not launch chaincode',
      details: [],
      cause: serviceError(grpc.status.ABORTED, 'could not launch chaincode'),
    }),
  ],
  [
    'no endorsers (FAILED_PRECONDITION)',
    endorseError(grpc.status.FAILED_PRECONDITION, 'no peers available to evaluate chaincode sovereignty in channel sovereignty'),
  ],
  [
    'endorsement policy unsatisfiable with the peers up (UNAVAILABLE)',
    endorseError(grpc.status.UNAVAILABLE, 'no combination of peers can be derived which satisfy the endorsement policy'),
  ],
  ['endorsement timeout (DEADLINE_EXCEEDED)', endorseError(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded')],
  ['peer unreachable (UNAVAILABLE)', endorseError(grpc.status.UNAVAILABLE, 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:7051')],
  [
    'endorser timed out inside the peer (ABORTED)',
    endorseError(
      grpc.status.ABORTED,
      'failed to endorse transaction, see attached details for more info',
      'rpc error: code = DeadlineExceeded desc = context deadline exceeded',
    ),
  ],
  [
    'commit status timeout',
    new CommitStatusError({
      code: grpc.status.DEADLINE_EXCEEDED,
      message: '4 DEADLINE_EXCEEDED: Deadline exceeded',
      details: [],
      cause: serviceError(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded'),
      transactionId: 'tx-1',
    }),
  ],
  [
    'a chaincode failure without a contract code (UNKNOWN)',
    endorseError(grpc.status.UNKNOWN, 'evaluate call to endorser returned error: chaincode response 500, TypeError: cannot read properties of undefined'),
  ],
  ['not a gateway error at all', new Error('socket hang up')],
];

const REFUSALS: [string, Error, string][] = [
  [
    'a contract refusal in the endorser details (ABORTED)',
    endorseError(
      grpc.status.ABORTED,
      'failed to endorse transaction, see attached details for more info',
      'chaincode response 500, UntrustedIssuer: did:web:rogue.example.com is not a registered trust anchor',
    ),
    'UntrustedIssuer',
  ],
  [
    'a contract refusal on evaluate (UNKNOWN)',
    endorseError(
      grpc.status.UNKNOWN,
      'evaluate call to endorser returned error: chaincode response 500, AccessDenied: only TrustAuthorityMSP may record attestations',
    ),
    'AccessDenied',
  ],
  [
    'a replayed decision',
    endorseError(grpc.status.ABORTED, 'failed to endorse transaction', 'chaincode response 500, DecisionReplayed: decision d-1 was already recorded'),
    'DecisionReplayed',
  ],
];

describe('classifyGatewayError', () => {
  it.each(OUTAGES)('treats %s as an outage, so the verdict stays queued', (_, error) => {
    expect(classifyGatewayError(error)).toBeInstanceOf(LedgerUnavailableError);
  });

  it.each(REFUSALS)("treats %s as the contract's refusal, with its code", (_, error, code) => {
    const classified = classifyGatewayError(error);
    expect(classified).toBeInstanceOf(LedgerContractError);
    expect(classified).toMatchObject({ code });
  });
});

/** A contract whose commits come back with the given validation codes, one per attempt. */
function submitter(codes: number[]): TransactionSubmitter & { attempts: number } {
  const fake = {
    attempts: 0,
    async submitAsync() {
      const code = codes[Math.min(fake.attempts++, codes.length - 1)];
      return {
        getResult: () => Buffer.from('{"ok":true}'),
        getStatus: async () => ({ successful: code === StatusCode.VALID, code, transactionId: `tx-${fake.attempts}`, blockNumber: 7n }),
      };
    },
  };
  return fake;
}

describe('submitWithConflictRetries', () => {
  it('submits again after MVCC and phantom-read conflicts until the transaction commits', async () => {
    const contract = submitter([StatusCode.MVCC_READ_CONFLICT, StatusCode.PHANTOM_READ_CONFLICT, StatusCode.VALID]);
    await expect(submitWithConflictRetries(contract, 'TrustRegistry:RecordAttestation', ['{}'], undefined, 3, 1)).resolves.toEqual({
      txId: 'tx-3',
      blockNumber: 7,
      result: '{"ok":true}',
    });
    expect(contract.attempts).toBe(3);
  });

  it('gives up after the retries as an outage (kept and tried later), not a refusal', async () => {
    const contract = submitter([StatusCode.MVCC_READ_CONFLICT]);
    await expect(submitWithConflictRetries(contract, 'fn', [], undefined, 2, 1)).rejects.toBeInstanceOf(LedgerUnavailableError);
    expect(contract.attempts).toBe(3);
  });

  it('does not retry another invalidation: the ledger refused it', async () => {
    const contract = submitter([StatusCode.ENDORSEMENT_POLICY_FAILURE]);
    await expect(submitWithConflictRetries(contract, 'fn', [], undefined, 3, 1)).rejects.toMatchObject({
      code: 'TransactionInvalid',
      message: expect.stringContaining('ENDORSEMENT_POLICY_FAILURE'),
    });
    expect(contract.attempts).toBe(1);
  });

  it('classifies a failure to submit', async () => {
    const contract: TransactionSubmitter = {
      submitAsync: async () => Promise.reject(endorseError(grpc.status.ABORTED, 'failed to endorse transaction', 'could not launch chaincode')),
    };
    await expect(submitWithConflictRetries(contract, 'fn', [], undefined, 3, 1)).rejects.toBeInstanceOf(LedgerUnavailableError);
  });
});
