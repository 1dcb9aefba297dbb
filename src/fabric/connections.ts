// One connection directory per organization of the local network, the shape
// a mounted Secret has, so each party works with its own identity: the data
// owner (TenantMSP), the provider (ProviderMSP), and the trust authority's
// operator and admin (TrustAuthorityMSP, which has no peer of its own).
import { join } from 'node:path';
import { writeFabricConnection } from '../ledger/fabric/connection-files.ts';
import { connectionTo, type FabricNetworkInfo } from './local-network.ts';

export const CONNECTION_DIRS = {
  tenant: 'the data owner (TenantMSP): dataset policies, its grants',
  provider: 'the provider (ProviderMSP)',
  operator: 'the operator (TrustAuthorityMSP, cloudempire.role=operator): npm run operator -- --fabric-connection DIR',
  'trust-admin': "the trust authority's admin (cloudempire.role=admin): empirectl ledger anchors sync",
} as const;

export type ConnectionDir = keyof typeof CONNECTION_DIRS;

/** Writes `dir/<party>/` for every party and returns the directories written. */
export function writeConnectionDirs(info: FabricNetworkInfo, dir: string): Record<ConnectionDir, string> {
  const { peers, identities } = info;
  const parties: Record<ConnectionDir, Parameters<typeof connectionTo>> = {
    tenant: [info, peers.tenant, identities.tenant],
    provider: [info, peers.provider, identities.provider],
    operator: [info, peers.provider, identities.operator],
    'trust-admin': [info, peers.tenant, identities.trustAdmin],
  };
  const written = {} as Record<ConnectionDir, string>;
  for (const [party, args] of Object.entries(parties) as [ConnectionDir, Parameters<typeof connectionTo>][]) {
    written[party] = join(dir, party);
    writeFabricConnection(written[party], connectionTo(...args));
  }
  return written;
}
