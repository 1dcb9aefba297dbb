import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from 'winston';
import { LedgerContractError, LedgerUnavailableError, type AttestationRecord, type SovereigntyLedger } from '../../../src/ledger/ledger.ts';
import { LedgerOutbox, OutboxLedger } from '../../../src/ledger/outbox.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outbox-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const verdict = (nodeName: string, reason: string, observedAt: string) => ({
  sovereignNode: nodeName,
  memberCluster: 'paris',
  nodeName,
  did: `did:web:n.eu:${nodeName}`,
  verified: reason === 'VERIFIED',
  reason,
  credentialDigest: 'e'.repeat(64),
  observedAt,
});

describe('LedgerOutbox', () => {
  it('keeps queued verdicts across a restart, in order, without repeating an unchanged one', () => {
    const outbox = LedgerOutbox.open(dir);
    outbox.add(verdict('a', 'PROOF_MISSING', '2026-11-24T10:00:00Z'));
    outbox.add(verdict('a', 'PROOF_MISSING', '2026-11-24T10:00:01Z')); // a retry of the same verdict
    outbox.add(verdict('b', 'VERIFIED', '2026-11-24T10:00:02Z'));
    outbox.add(verdict('a', 'VERIFIED', '2026-11-24T10:00:03Z'));
    const reopened = LedgerOutbox.open(dir);
    expect(reopened.entries().map((e) => `${e.record.nodeName}:${e.record.reason}`)).toEqual(['a:PROOF_MISSING', 'b:VERIFIED', 'a:VERIFIED']);
    reopened.remove(new Set([reopened.entries()[0].id]));
    const next = reopened.add(verdict('c', 'REVOKED', '2026-11-24T10:00:04Z'));
    expect(
      new Set(
        LedgerOutbox.open(dir)
          .entries()
          .map((e) => e.id),
      ).size,
    ).toBe(3);
    expect(next.id).toBeGreaterThan(
      Math.max(
        ...reopened
          .entries()
          .filter((e) => e !== next)
          .map((e) => e.id),
      ),
    );
  });

  it('drops a torn last line: that enqueue was never acknowledged', () => {
    const outbox = LedgerOutbox.open(dir);
    outbox.add(verdict('a', 'VERIFIED', '2026-11-24T10:00:00Z'));
    appendFileSync(join(dir, 'outbox.jsonl'), '{"id":2,"record":{"sovereignNode":"b"');
    expect(
      LedgerOutbox.open(dir)
        .entries()
        .map((e) => e.record.nodeName),
    ).toEqual(['a']);
  });
});

/** A remote ledger that is up or down, refuses what `refuse` says, and records what it commits. */
function remoteLedger(refuse: (record: AttestationRecord) => boolean = () => false) {
  const state = { up: true, recorded: [] as string[] };
  const ledger = {
    kind: 'fabric',
    recordAttestation: async (record: AttestationRecord) => {
      if (!state.up) throw new LedgerUnavailableError('Fabric ledger unavailable (EndorseError, gRPC ABORTED): could not launch chaincode');
      if (refuse(record)) throw new LedgerContractError('UntrustedIssuer', `UntrustedIssuer: ${record.nodeName}`);
      state.recorded.push(`${record.nodeName}:${record.reason}`);
      return { txId: `tx-${state.recorded.length}`, blockNumber: state.recorded.length };
    },
    close: async () => undefined,
  } as unknown as SovereigntyLedger;
  return { state, ledger };
}

const quiet = createLogger({ silent: true });

describe('OutboxLedger', () => {
  it('keeps verdicts made during an outage and records them in order when the ledger returns, even after a restart', async () => {
    const remote = remoteLedger();
    remote.state.up = false;
    const first = new OutboxLedger(remote.ledger, LedgerOutbox.open(dir), quiet);
    await expect(first.recordAttestation(verdict('a', 'PROOF_MISSING', '2026-11-24T10:00:00Z'))).rejects.toBeInstanceOf(LedgerUnavailableError);
    await expect(first.recordAttestation(verdict('b', 'VERIFIED', '2026-11-24T10:00:01Z'))).rejects.toThrow(/waits in the outbox \(2 pending\)/);
    await first.close();
    remote.state.up = true;
    const second = new OutboxLedger(remote.ledger, LedgerOutbox.open(dir), quiet);
    expect(second.pending).toBe(2);
    await expect(second.recordAttestation(verdict('a', 'VERIFIED', '2026-11-24T10:00:02Z'))).resolves.toMatchObject({ txId: 'tx-3' });
    expect(remote.state.recorded).toEqual(['a:PROOF_MISSING', 'b:VERIFIED', 'a:VERIFIED']);
    expect(second.pending).toBe(0);
    expect(LedgerOutbox.open(dir).size).toBe(0);
  });

  it('drops only what the contract refuses, reporting the refusal to the caller, and goes on with the rest', async () => {
    const remote = remoteLedger((record) => record.nodeName === 'rogue');
    remote.state.up = false;
    const ledger = new OutboxLedger(remote.ledger, LedgerOutbox.open(dir), quiet);
    await expect(ledger.recordAttestation(verdict('rogue', 'VERIFIED', '2026-11-24T10:00:00Z'))).rejects.toBeInstanceOf(LedgerUnavailableError);
    remote.state.up = true;
    await expect(ledger.recordAttestation(verdict('b', 'VERIFIED', '2026-11-24T10:00:01Z'))).resolves.toBeDefined();
    expect(remote.state.recorded).toEqual(['b:VERIFIED']);
    expect(ledger.pending).toBe(0);
    await expect(ledger.recordAttestation(verdict('rogue', 'REVOKED', '2026-11-24T10:00:02Z'))).rejects.toBeInstanceOf(LedgerContractError);
  });

  it('stops draining at the first outage and keeps that verdict and every later one', async () => {
    const remote = remoteLedger();
    const ledger = new OutboxLedger(remote.ledger, LedgerOutbox.open(dir), quiet);
    let calls = 0;
    const inner = remote.ledger.recordAttestation;
    remote.ledger.recordAttestation = async (record) => {
      if (++calls === 2) throw new LedgerUnavailableError('DEADLINE_EXCEEDED');
      return inner(record);
    };
    remote.state.up = false;
    for (const name of ['a', 'b', 'c'])
      await expect(ledger.recordAttestation(verdict(name, 'VERIFIED', '2026-11-24T10:00:00Z'))).rejects.toBeInstanceOf(LedgerUnavailableError);
    remote.state.up = true;
    calls = 0;
    await expect(ledger.recordAttestation(verdict('d', 'VERIFIED', '2026-11-24T10:00:01Z'))).rejects.toBeInstanceOf(LedgerUnavailableError);
    expect(remote.state.recorded).toEqual(['a:VERIFIED']);
    expect(
      LedgerOutbox.open(dir)
        .entries()
        .map((e) => e.record.nodeName),
    ).toEqual(['b', 'c', 'd']);
  });

  it('drains on its own, periodically, once the ledger returns', async () => {
    const remote = remoteLedger();
    remote.state.up = false;
    const ledger = new OutboxLedger(remote.ledger, LedgerOutbox.open(dir), quiet);
    await expect(ledger.recordAttestation(verdict('a', 'REVOKED', '2026-11-24T10:00:00Z'))).rejects.toBeInstanceOf(LedgerUnavailableError);
    ledger.start(20);
    remote.state.up = true;
    const deadline = Date.now() + 5_000;
    while (ledger.pending && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(remote.state.recorded).toEqual(['a:REVOKED']);
    await ledger.close();
  });
});
