import type {
  AccessVerdict,
  AttestationRecord,
  DatasetDetails,
  DatasetPolicy,
  DatasetPolicyInput,
  GrantRecord,
  LedgerHeadRecord,
  PlacementDecision,
  PlacementRequest,
  RecordedDecision,
  RecordedRemoval,
  RemovalRequest,
  StoredAttestation,
  TrustAnchorRecord,
} from '@cloud-empire/chaincode/records';
import { DETAILS_TRANSIENT_KEY } from '@cloud-empire/chaincode/dataset-policy';
import { canonicalJson } from '../util/canonical-json.ts';
import type { ChaincodeEventRecord, ContractGateway, EventCheckpoint, LedgerKind } from './gateway.ts';

// The ledger speaks the chaincode's records: callers import them from here, not from the chaincode package.
export type * from '@cloud-empire/chaincode/records';
export { LedgerContractError, LedgerUnavailableError, type LedgerKind } from './gateway.ts';

export type AnchorInput = Pick<TrustAnchorRecord, 'did' | 'name' | 'countries'>;

/** The ledger's trust anchors for a trust configuration: each issuer may attest the jurisdiction's countries. */
export function anchorsOf(config: { issuers: { did: string; name: string }[]; countries: string[] }): AnchorInput[] {
  return config.issuers.map((issuer) => ({ did: issuer.did, name: issuer.name, countries: [...config.countries] }));
}

export interface LedgerReceipt {
  /** The transaction that recorded the fact (an earlier one when the same fact was already recorded). */
  txId: string;
  /** The block of this call's transaction; absent when it changed nothing and was not committed. */
  blockNumber?: number;
}

/** What the operator needs from the ledger, whichever implementation runs the chaincode. */
export interface Ledger {
  readonly kind: LedgerKind;
  recordAttestation(record: AttestationRecord): Promise<LedgerReceipt>;
  authorizePlacement(request: PlacementRequest): Promise<PlacementDecision>;
  recordPlacement(request: PlacementRequest): Promise<RecordedDecision & { blockNumber?: number }>;
  /** A dataset's public policy; a LedgerContractError with code NotFound when its owner published none. */
  getPolicy(datasetId: string): Promise<DatasetPolicy>;
  /** The recorded decision; a LedgerContractError with code NotFound when there is none. */
  getDecision(decisionId: string): Promise<RecordedDecision>;
  /** Closes a recorded decision once its placements are gone from every member; a repeat returns the first record. */
  recordRemoval(removal: RemovalRequest): Promise<RecordedRemoval>;
  /** Throws LedgerUnavailableError unless the ledger answers a query now. */
  probe(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The sovereignty chaincode's transactions as typed calls over either
 * gateway. One instance acts as one identity: the operator holds the trust
 * authority's operator identity; data owners and tests hold their own.
 */
export class SovereigntyLedger implements Ledger {
  readonly gateway: ContractGateway;
  private readonly onClose?: () => Promise<void>;

  constructor(gateway: ContractGateway, onClose?: () => Promise<void>) {
    this.gateway = gateway;
    this.onClose = onClose;
  }

  get kind(): LedgerKind {
    return this.gateway.kind;
  }

  async recordAttestation(record: AttestationRecord): Promise<LedgerReceipt> {
    const submitted = await this.gateway.submit('TrustRegistry:RecordAttestation', [canonicalJson(record)]);
    const stored = JSON.parse(submitted.result) as StoredAttestation;
    return { txId: stored.txId, blockNumber: stored.txId === submitted.txId ? submitted.blockNumber : undefined };
  }

  async getAttestation(memberCluster: string, nodeName: string): Promise<StoredAttestation> {
    return JSON.parse(await this.gateway.evaluate('TrustRegistry:GetAttestation', [memberCluster, nodeName])) as StoredAttestation;
  }

  async putTrustAnchor(anchor: AnchorInput): Promise<TrustAnchorRecord> {
    return JSON.parse((await this.gateway.submit('TrustRegistry:PutTrustAnchor', [canonicalJson(anchor)])).result) as TrustAnchorRecord;
  }

  async removeTrustAnchor(did: string): Promise<void> {
    await this.gateway.submit('TrustRegistry:RemoveTrustAnchor', [did]);
  }

  /** Makes the ledger's anchors exactly `anchors` (as the trust authority's admin); returns what changed. */
  async syncTrustAnchors(anchors: AnchorInput[]): Promise<{ put: string[]; removed: string[] }> {
    const current = new Map((await this.listTrustAnchors()).map((a) => [a.did, a]));
    const put: string[] = [];
    for (const anchor of anchors) {
      const existing = current.get(anchor.did);
      const countries = [...new Set(anchor.countries)].sort();
      if (existing && existing.name === anchor.name && canonicalJson(existing.countries) === canonicalJson(countries)) continue;
      await this.putTrustAnchor({ ...anchor, countries });
      put.push(anchor.did);
    }
    const wanted = new Set(anchors.map((a) => a.did));
    const removed = [...current.keys()].filter((did) => !wanted.has(did));
    for (const did of removed) await this.removeTrustAnchor(did);
    return { put, removed };
  }

  async listTrustAnchors(): Promise<TrustAnchorRecord[]> {
    return JSON.parse(await this.gateway.evaluate('TrustRegistry:ListTrustAnchors', [])) as TrustAnchorRecord[];
  }

  async publishPolicy(policy: DatasetPolicyInput, details?: DatasetDetails): Promise<DatasetPolicy> {
    const transient = details ? { [DETAILS_TRANSIENT_KEY]: canonicalJson(details) } : undefined;
    return JSON.parse((await this.gateway.submit('DatasetPolicy:PublishPolicy', [canonicalJson(policy)], { transient })).result) as DatasetPolicy;
  }

  async getPolicy(datasetId: string): Promise<DatasetPolicy> {
    return JSON.parse(await this.gateway.evaluate('DatasetPolicy:GetPolicy', [datasetId])) as DatasetPolicy;
  }

  async readDatasetDetails(datasetId: string): Promise<DatasetDetails> {
    return JSON.parse(await this.gateway.evaluate('DatasetPolicy:ReadDatasetDetails', [datasetId])) as DatasetDetails;
  }

  async authorizePlacement(request: PlacementRequest): Promise<PlacementDecision> {
    return JSON.parse(await this.gateway.evaluate('Placement:AuthorizePlacement', [canonicalJson(request)])) as PlacementDecision;
  }

  async recordPlacement(request: PlacementRequest): Promise<RecordedDecision & { blockNumber?: number }> {
    const submitted = await this.gateway.submit('Placement:RecordPlacement', [canonicalJson(request)]);
    return { ...(JSON.parse(submitted.result) as RecordedDecision), blockNumber: submitted.blockNumber };
  }

  async getDecision(decisionId: string): Promise<RecordedDecision> {
    return JSON.parse(await this.gateway.evaluate('Placement:GetDecision', [decisionId])) as RecordedDecision;
  }

  async recordRemoval(removal: RemovalRequest): Promise<RecordedRemoval> {
    return JSON.parse((await this.gateway.submit('Placement:RecordRemoval', [canonicalJson(removal)])).result) as RecordedRemoval;
  }

  async getGrant(grantId: string): Promise<GrantRecord> {
    return JSON.parse(await this.gateway.evaluate('DataAccess:GetGrant', [grantId])) as GrantRecord;
  }

  async listGrants(datasetId: string): Promise<GrantRecord[]> {
    return JSON.parse(await this.gateway.evaluate('DataAccess:ListGrants', [datasetId])) as GrantRecord[];
  }

  async checkAccess(grantId: string, nodeDid: string): Promise<AccessVerdict> {
    return JSON.parse(await this.gateway.evaluate('DataAccess:CheckAccess', [grantId, nodeDid])) as AccessVerdict;
  }

  async recordAccess(grantId: string, nodeDid: string): Promise<AccessVerdict & { txId: string }> {
    return JSON.parse((await this.gateway.submit('DataAccess:RecordAccess', [grantId, nodeDid])).result) as AccessVerdict & { txId: string };
  }

  async revokeGrant(grantId: string): Promise<GrantRecord> {
    return JSON.parse((await this.gateway.submit('DataAccess:RevokeGrant', [grantId])).result) as GrantRecord;
  }

  events(options: { checkpoint?: EventCheckpoint; signal: AbortSignal }): AsyncIterable<ChaincodeEventRecord> {
    return this.gateway.events(options);
  }

  /** Records how far an embedded ledger reached (as the operator); refused as StaleHead when it moves back or rewrites a height. */
  async putLedgerHead(ledgerId: string, head: { height: number; hash: string }): Promise<LedgerHeadRecord> {
    return JSON.parse((await this.gateway.submit('LedgerHead:PutHead', [ledgerId, canonicalJson(head)])).result) as LedgerHeadRecord;
  }

  async getLedgerHead(ledgerId: string): Promise<LedgerHeadRecord> {
    return JSON.parse(await this.gateway.evaluate('LedgerHead:GetHead', [ledgerId])) as LedgerHeadRecord;
  }

  async probe(): Promise<void> {
    await this.gateway.evaluate('TrustRegistry:ListTrustAnchors', []);
  }

  async close(): Promise<void> {
    await this.gateway.close();
    await this.onClose?.();
  }
}
