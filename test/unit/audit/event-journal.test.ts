// The Fabric path (chaincode events → journal) run over the embedded ledger,
// which serves the same events: it must tell the same story as the block log.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditEventJournal, JournalAuditSource } from '../../../src/audit/event-journal.ts';
import { EmbeddedAuditSource, type AuditSource } from '../../../src/audit/source.ts';
import { EmbeddedLedger } from '../../../src/ledger/embedded/embedded-ledger.ts';
import { SovereigntyLedger } from '../../../src/ledger/ledger.ts';
import { EMBEDDED_OPERATOR_IDENTITY } from '../../../src/ledger/open.ts';
import { ledgerOptions } from '../../ledger/ledger-keys.ts';
import { federationLedger, type FederationLedger } from './federation-ledger.ts';
import { signingKeyOf } from '../../../src/trust/signing-key.ts';

let fed: FederationLedger;
let journalDir: string;

beforeAll(async () => {
  fed = await federationLedger();
  journalDir = mkdtempSync(join(tmpdir(), 'audit-journal-'));
});
afterAll(() => {
  rmSync(join(fed.dir, '..'), { recursive: true, force: true });
  rmSync(journalDir, { recursive: true, force: true });
});

async function all(source: AuditSource) {
  const out = [];
  for await (const r of source.records()) out.push(r);
  return out;
}

/** Follows the ledger's events into the journal until it holds every record, for at least half a second, then stops. */
async function journalOnce(): Promise<void> {
  const ledger = await EmbeddedLedger.open(fed.dir, ledgerOptions(join(fed.dir, '..', 'head.json'), signingKeyOf(fed.operatorKey)));
  const client = new SovereigntyLedger(ledger.connect(EMBEDDED_OPERATOR_IDENTITY));
  const journal = AuditEventJournal.open(journalDir);
  const abort = new AbortController();
  const following = journal.follow(client, journalDir, abort.signal);
  const expected = (await all(new EmbeddedAuditSource(fed.dir))).length;
  const deadline = Date.now() + 10_000;
  const atLeast = Date.now() + 500;
  while (((await all(new JournalAuditSource(journalDir))).length < expected || Date.now() < atLeast) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  abort.abort();
  await following;
  journal.close();
  await ledger.close();
}

describe('the event journal (the Fabric audit source)', () => {
  it('holds the same verdicts, placements and access records as the block log, with the same transactions', async () => {
    await journalOnce();
    const fromBlocks = await all(new EmbeddedAuditSource(fed.dir));
    const fromEvents = await all(new JournalAuditSource(journalDir));
    const summary = (r: (typeof fromBlocks)[number]) =>
      r.kind === 'verifications'
        ? `${r.txId} ${r.kind} ${r.nodeDid} ${r.verified} ${r.reason} ${r.country ?? ''}`
        : r.kind === 'placements'
          ? `${r.txId} ${r.kind} ${r.event} ${r.cluster} ${r.approved} ${r.reasons ?? ''}`
          : `${r.txId} ${r.kind} ${r.event} ${r.grantId} ${r.reason ?? ''}`;
    expect(fromEvents.map(summary).sort()).toEqual(fromBlocks.map(summary).sort());
  });

  it('journals nothing twice when it resumes from its checkpoint', async () => {
    const before = (await all(new JournalAuditSource(journalDir))).length;
    await journalOnce();
    expect((await all(new JournalAuditSource(journalDir))).length).toBe(before);
  });
});
