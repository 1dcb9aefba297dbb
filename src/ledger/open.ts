import { ROLE_ATTRIBUTE, TRUST_AUTHORITY_MSP } from '../../chaincode/src/access.ts';
import { EmbeddedLedger } from './embedded/embedded-ledger.ts';
import type { FabricConnection } from './fabric/fabric-gateway.ts';
import type { LedgerIdentity } from './embedded/stub.ts';
import { SovereigntyLedger } from './ledger.ts';

/** The operator's identity on the embedded ledger: the trust authority's operator role, as on Fabric. */
export const EMBEDDED_OPERATOR_IDENTITY: LedgerIdentity = {
  mspId: TRUST_AUTHORITY_MSP,
  id: 'x509::/CN=cloud-empire-operator/OU=client::/CN=embedded-ledger',
  attributes: { [ROLE_ATTRIBUTE]: 'operator' },
};

/** Opens the embedded ledger in `dir` and a client of it acting as `identity`; closing the client closes the ledger. */
export function openEmbeddedLedger(dir: string, identity: LedgerIdentity = EMBEDDED_OPERATOR_IDENTITY): SovereigntyLedger {
  const store = EmbeddedLedger.open(dir);
  return new SovereigntyLedger(store.connect(identity), () => store.close());
}

/**
 * A client of a Fabric network's sovereignty chaincode; closing it closes the
 * gRPC connection. The gateway library is loaded only when Fabric is used.
 */
export async function openFabricLedger(connection: FabricConnection): Promise<SovereigntyLedger> {
  const { FabricGateway } = await import('./fabric/fabric-gateway.ts');
  return new SovereigntyLedger(new FabricGateway(connection));
}
