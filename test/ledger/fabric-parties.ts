import { connectionTo, type FabricNetworkInfo } from '../../src/fabric/local-network.ts';
import type { SovereigntyLedger } from '../../src/ledger/ledger.ts';
import { openFabricLedger } from '../../src/ledger/open.ts';
import type { LedgerParties } from './contract-suite.ts';

/** The suite's parties on a Fabric network: each organization through its own peer; the trust authority, which has none, through the provider's. */
export async function fabricParties(info: FabricNetworkInfo): Promise<LedgerParties & { all: SovereigntyLedger[] }> {
  const { tenant, provider } = info.peers;
  const parties = {
    operator: await openFabricLedger(connectionTo(info, provider, info.identities.operator)),
    trustAdmin: await openFabricLedger(connectionTo(info, provider, info.identities.trustAdmin)),
    tenant: await openFabricLedger(connectionTo(info, tenant, info.identities.tenant)),
    provider: await openFabricLedger(connectionTo(info, provider, info.identities.provider)),
  };
  return { ...parties, all: Object.values(parties) };
}
