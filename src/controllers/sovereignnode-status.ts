// What the SovereignNode reconciler decides, as pure functions of what it read.
import type { SovereignNodeStatus } from '../api/generated/types.ts';
import { setCondition } from '../runtime/conditions.ts';
import type { TrustConfig } from '../trust/anchors.ts';
import { conditionReason } from '../trust/reasons.ts';
import type { Verdict } from '../trust/verifier.ts';

export type NodeChallenge = NonNullable<SovereignNodeStatus['challenge']>;

export type RecordOutcome = { ok: true; txId: string } | { ok: false; reason: 'LedgerUnavailable' | 'LedgerRefused'; error: string };
export type BindOutcome = { ok: true } | { ok: false; reason: string; message: string };

/** The challenge to publish: the current one until it lapses, then a fresh one; none when proofs are not required. */
export function currentChallenge(
  previous: NodeChallenge | undefined,
  config: Pick<TrustConfig, 'requireProofOfPossession' | 'challengeTtlSeconds' | 'audience'>,
  nowMs: number,
  newNonce: () => string,
): NodeChallenge | undefined {
  if (!config.requireProofOfPossession) return undefined;
  const lapsed = !previous || Date.parse(previous.issuedAt) + config.challengeTtlSeconds * 1000 <= nowMs;
  return lapsed ? { nonce: newNonce(), audience: config.audience, issuedAt: new Date(nowMs).toISOString() } : previous;
}

/**
 * The ledger transaction that already records this verdict, if any: one
 * record per (generation, verdict reason); a repeat of the last is not sent again.
 */
export function alreadyRecorded(previous: SovereignNodeStatus, generation: number | undefined, verdict: Pick<Verdict, 'reason'>): string | undefined {
  const recorded = previous.conditions?.find((c) => c.type === 'Recorded');
  const verified = previous.conditions?.find((c) => c.type === 'Verified');
  const same = recorded?.status === 'True' && recorded.observedGeneration === generation && verified?.reason === conditionReason(verdict.reason);
  return same ? previous.ledgerTxId : undefined;
}

/** Fail closed: a positive verdict counts only once the ledger has recorded it; a negative one counts at once. */
export function admittedVerdict(verdict: Verdict, recorded: RecordOutcome): Verdict | undefined {
  return recorded.ok || !verdict.verified ? verdict : undefined;
}

export interface SovereignNodeFacts {
  generation: number;
  previous: SovereignNodeStatus;
  challenge: NodeChallenge | undefined;
  verdict: Verdict;
  recorded: RecordOutcome;
  bound: BindOutcome;
  ledgerKind: string;
  memberCluster: string;
  nodeName: string;
  now: Date;
}

/** The status a verdict, its ledger record and the member Node's marking add up to. */
export function sovereignNodeStatus(facts: SovereignNodeFacts): SovereignNodeStatus {
  const { generation, previous, verdict, recorded, bound, now } = facts;
  const status: SovereignNodeStatus = { ...previous, observedGeneration: generation };
  if (facts.challenge) status.challenge = facts.challenge;
  else delete status.challenge;
  const effective = admittedVerdict(verdict, recorded);
  let conditions = setCondition(
    status.conditions,
    effective
      ? {
          type: 'Verified',
          status: verdict.verified ? 'True' : 'False',
          reason: conditionReason(verdict.reason),
          message: verdict.message,
          observedGeneration: generation,
        }
      : {
          type: 'Verified',
          status: 'False',
          reason: (recorded as Extract<RecordOutcome, { ok: false }>).reason,
          message: `${verdict.message}, but the ledger did not record it (${(recorded as Extract<RecordOutcome, { ok: false }>).error}); the node stays unverified until it does`,
          observedGeneration: generation,
        },
    now,
  );
  conditions = setCondition(
    conditions,
    recorded.ok
      ? { type: 'Recorded', status: 'True', reason: 'AttestationRecorded', message: `ledger transaction ${recorded.txId}`, observedGeneration: generation }
      : { type: 'Recorded', status: 'False', reason: recorded.reason, message: recorded.error, observedGeneration: generation },
    now,
  );
  conditions = setCondition(
    conditions,
    recorded.ok || recorded.reason !== 'LedgerUnavailable'
      ? {
          type: 'LedgerAvailable',
          status: 'True',
          reason: 'LedgerAnswered',
          message: `the ${facts.ledgerKind} ledger answered`,
          observedGeneration: generation,
        }
      : {
          type: 'LedgerAvailable',
          status: 'False',
          reason: 'LedgerUnavailable',
          message: `${recorded.error}; the record is pending and will be written when the ledger returns`,
          observedGeneration: generation,
        },
    now,
  );
  conditions = setCondition(
    conditions,
    bound.ok
      ? {
          type: 'NodeBound',
          status: 'True',
          reason: 'NodeMarked',
          message: `Node ${facts.nodeName} in ${facts.memberCluster} carries the verdict`,
          observedGeneration: generation,
        }
      : { type: 'NodeBound', status: 'False', reason: bound.reason, message: bound.message, observedGeneration: generation },
    now,
  );
  status.conditions = conditions;
  if (recorded.ok) status.ledgerTxId = recorded.txId;
  for (const key of ['issuer', 'countryCode', 'jurisdiction', 'provider', 'expiresAt'] as const) {
    if (verdict[key] === undefined) delete status[key];
    else (status as Record<string, unknown>)[key] = verdict[key];
  }
  const wasVerified = previous.conditions?.find((c) => c.type === 'Verified')?.status === 'True';
  if (effective?.verified) {
    if (!wasVerified) status.verifiedAt = now.toISOString();
  } else {
    delete status.verifiedAt;
  }
  return status;
}

export interface NextLookInput {
  verdict: Verdict;
  recorded: RecordOutcome;
  bound: BindOutcome;
  challenge: NodeChallenge | undefined;
  config: Pick<TrustConfig, 'challengeTtlSeconds' | 'clockSkewSeconds'>;
  nowMs: number;
  resyncMs: number;
  retryMs: number;
}

/** No busier than once a second, whatever the deadlines say. */
export const MIN_LOOK_MS = 1000;

/**
 * When to verify the node again: at the resync (sooner after a failed record
 * or Node update), when the status list or challenge lapses, and — for a
 * verified node — before its credential expires. The verifier tolerates the
 * clock skew past `exp`; the look is scheduled one skew *before* it, so the
 * node is re-verified while its credential still holds whichever clock is
 * right, and the verifier's own recheck (expiry plus skew) then flips it.
 */
export function nextLookMs(input: NextLookInput): number {
  const { verdict, nowMs } = input;
  const deadlines = [input.recorded.ok && input.bound.ok ? input.resyncMs : input.retryMs];
  if (verdict.recheckAt) deadlines.push(Date.parse(verdict.recheckAt) - nowMs);
  if (input.challenge) deadlines.push(Date.parse(input.challenge.issuedAt) + input.config.challengeTtlSeconds * 1000 - nowMs);
  if (verdict.verified && verdict.expiresAt) {
    const beforeExpiry = Date.parse(verdict.expiresAt) - input.config.clockSkewSeconds * 1000 - nowMs;
    if (beforeExpiry > 0) deadlines.push(beforeExpiry);
  }
  return Math.max(MIN_LOOK_MS, Math.min(...deadlines));
}
