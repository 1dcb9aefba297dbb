import type { ChaincodeEventRecord } from '../ledger/gateway.ts';
import { EVENTS } from '@cloud-empire/chaincode/records';
import type { AccessVerdict, GrantRecord, RecordedDecision, StoredAttestation } from '../ledger/ledger.ts';
import { grantRecord, placementRecords, type PlacementHistory } from './ledger-records.ts';
import type { LedgerAuditRecord } from './source.ts';

// Audit records from chaincode events, for a ledger whose blocks a client
// cannot read (Fabric): an event names its transaction; the rest is read
// back from the contracts' state (the decision, the grant, the attestation).

/** The contract queries the mapping needs (a SovereigntyLedger has them). */
export interface LedgerLookups {
  getDecision(decisionId: string): Promise<RecordedDecision>;
  getGrant(grantId: string): Promise<GrantRecord>;
  getAttestation(memberCluster: string, nodeName: string): Promise<StoredAttestation>;
}

const ms = (iso: string | undefined) => (iso ? Date.parse(iso) : undefined);

export async function recordsOfEvent(event: ChaincodeEventRecord, ledger: LedgerLookups, history: PlacementHistory): Promise<LedgerAuditRecord[]> {
  const payload = JSON.parse(event.payload) as Record<string, unknown>;
  const tx = { txId: event.txId, blockNumber: event.blockNumber };
  switch (event.name) {
    case EVENTS.attestationRecorded: {
      const p = payload as {
        memberCluster: string;
        nodeName: string;
        did: string;
        verified: boolean;
        reason: string;
        observedAt: string;
        superseded?: boolean;
      };
      // The current attestation has the verdict's details when this event made it; a superseded one went to history only.
      const current = await ledger.getAttestation(p.memberCluster, p.nodeName).catch(() => undefined);
      const same = current?.txId === event.txId ? current : undefined;
      return [
        {
          kind: 'verifications',
          ...tx,
          recordedAt: ms(same?.recordedAt) ?? Date.parse(p.observedAt),
          observedAt: Date.parse(p.observedAt),
          sovereignNode: same?.sovereignNode,
          memberCluster: p.memberCluster,
          nodeName: p.nodeName,
          nodeDid: p.did,
          verified: p.verified,
          reason: p.reason,
          issuer: same?.issuer,
          country: same?.countryCode,
          jurisdiction: same?.jurisdiction,
          provider: same?.provider,
          expiresAt: ms(same?.expiresAt),
          credentialDigest: same?.credentialDigest,
          superseded: p.superseded === true,
        },
      ];
    }
    case EVENTS.placementRecorded: {
      const decision = await ledger.getDecision(String(payload.decisionId));
      const recordedAt = Date.parse(decision.evaluatedAt);
      const records: LedgerAuditRecord[] = placementRecords({ ...tx, timestamp: decision.evaluatedAt }, recordedAt, decision, undefined, history);
      for (const grantId of decision.grants) {
        const grant = await ledger.getGrant(grantId);
        records.push(grantRecord({ ...tx, timestamp: grant.issuedAt }, ms(grant.issuedAt)!, grant, 'granted'));
      }
      return records;
    }
    case EVENTS.accessRecorded: {
      const verdict = payload as unknown as AccessVerdict;
      return [
        {
          kind: 'access',
          ...tx,
          recordedAt: Date.parse(verdict.at),
          event: verdict.allowed ? 'used' : 'refused',
          grantId: verdict.grantId,
          nodeDid: verdict.nodeDid,
          reason: verdict.reason,
        },
      ];
    }
    case EVENTS.grantRevoked: {
      const grant = await ledger.getGrant(String(payload.grantId));
      return [grantRecord({ ...tx, timestamp: String(payload.revokedAt) }, Date.parse(String(payload.revokedAt)), grant, 'revoked')];
    }
  }
  return [];
}
