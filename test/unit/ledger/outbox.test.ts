import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerOutbox } from '../../../src/ledger/outbox.ts';

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
    expect(new Set(LedgerOutbox.open(dir).entries().map((e) => e.id)).size).toBe(3);
    expect(next.id).toBeGreaterThan(Math.max(...reopened.entries().filter((e) => e !== next).map((e) => e.id)));
  });

  it('drops a torn last line: that enqueue was never acknowledged', () => {
    const outbox = LedgerOutbox.open(dir);
    outbox.add(verdict('a', 'VERIFIED', '2026-11-24T10:00:00Z'));
    appendFileSync(join(dir, 'outbox.jsonl'), '{"id":2,"record":{"sovereignNode":"b"');
    expect(LedgerOutbox.open(dir).entries().map((e) => e.record.nodeName)).toEqual(['a']);
  });
});
