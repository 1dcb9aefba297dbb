import { ROLE_ATTRIBUTE, TRUST_AUTHORITY_MSP } from '@cloud-empire/chaincode/access';
import { EmbeddedLedger, type EmbeddedLedgerOptions } from './embedded/embedded-ledger.ts';
import type { FabricConnection } from './fabric/fabric-gateway.ts';
import type { LedgerIdentity } from './embedded/stub.ts';
import { SovereigntyLedger, type AnchorInput } from './ledger.ts';
import { ReopeningEmbeddedGateway } from './embedded/reopening-gateway.ts';

/** The operator's identity on the embedded ledger: the trust authority's operator role, as on Fabric. */
export const EMBEDDED_OPERATOR_IDENTITY: LedgerIdentity = {
  mspId: TRUST_AUTHORITY_MSP,
  id: 'x509::/CN=cloud-empire-operator/OU=client::/CN=embedded-ledger',
  attributes: { [ROLE_ATTRIBUTE]: 'operator' },
};

/** The trust authority's admin on the embedded ledger: the single-machine operator is the whole trust authority. */
export const EMBEDDED_TRUST_ADMIN_IDENTITY: LedgerIdentity = {
  mspId: TRUST_AUTHORITY_MSP,
  id: 'x509::/CN=cloud-empire-trust-admin/OU=admin::/CN=embedded-ledger',
  attributes: { [ROLE_ATTRIBUTE]: 'admin' },
};

/**
 * Opens the embedded ledger in `dir` (its blocks signed with `signer`, its
 * head kept in `checkpoint`) and a client of it acting as the operator;
 * closing the client closes the ledger. With `trustAnchors`, the
 * ledger's anchors are first made to match them (as the trust admin), since
 * the contract accepts positive verdicts only from registered anchors.
 * After a failed write (a full disk, an I/O error) the ledger is reopened
 * from disk on a later call, so the operator catches up once the disk
 * accepts writes again.
 */
export async function openEmbeddedLedger(
  dir: string,
  options: EmbeddedLedgerOptions & { trustAnchors?: AnchorInput[]; identity?: LedgerIdentity; reopenIntervalMs?: number },
): Promise<SovereigntyLedger> {
  const store = await EmbeddedLedger.open(dir, options);
  try {
    if (options.trustAnchors) await new SovereigntyLedger(store.connect(EMBEDDED_TRUST_ADMIN_IDENTITY)).syncTrustAnchors(options.trustAnchors);
  } catch (error) {
    await store.close();
    throw error;
  }
  const gateway = new ReopeningEmbeddedGateway(store, options.identity ?? EMBEDDED_OPERATOR_IDENTITY, {
    reopen: () => EmbeddedLedger.open(dir, options),
    minIntervalMs: options.reopenIntervalMs,
  });
  return new SovereigntyLedger(gateway);
}

/**
 * A client of a Fabric network's sovereignty chaincode; closing it closes the
 * gRPC connection. The gateway library is loaded only when Fabric is used.
 */
export async function openFabricLedger(connection: FabricConnection): Promise<SovereigntyLedger> {
  const { FabricGateway } = await import('./fabric/fabric-gateway.ts');
  return new SovereigntyLedger(new FabricGateway(connection));
}
