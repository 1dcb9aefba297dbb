import { connectionTo, type FabricNetworkInfo } from '../../src/fabric/local-network.ts';
import type { SovereigntyLedger } from '../../src/ledger/ledger.ts';
import { openFabricLedger } from '../../src/ledger/open.ts';
import type { LedgerParties } from './contract-suite.ts';

/** The suite's parties on a Fabric network: each organization through its own peer; the trust authority, which has none, through the provider's. */
export function fabricParties(info: FabricNetworkInfo): LedgerParties & { all: SovereigntyLedger[] } {
  const { tenant, provider } = info.peers;
  const parties = {
    operator: openFabricLedger(connectionTo(info, provider, info.identities.operator)),
    trustAdmin: openFabricLedger(connectionTo(info, provider, info.identities.trustAdmin)),
    tenant: openFabricLedger(connectionTo(info, tenant, info.identities.tenant)),
    provider: openFabricLedger(connectionTo(info, provider, info.identities.provider)),
  };
  return { ...parties, all: Object.values(parties) };
}
