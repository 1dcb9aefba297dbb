import { readFileSync } from 'node:fs';
import { ROLE_ATTRIBUTE, TRUST_AUTHORITY_MSP } from '@cloud-empire/chaincode/access';
import type { EmbeddedLedger } from '../../src/ledger/embedded/embedded-ledger.ts';
import { blocksPath } from '../../src/ledger/embedded/files.ts';
import type { LedgerIdentity } from '../../src/ledger/embedded/stub.ts';
import { SovereigntyLedger } from '../../src/ledger/ledger.ts';
import { EMBEDDED_OPERATOR_IDENTITY } from '../../src/ledger/open.ts';
import type { LedgerParties } from './contract-suite.ts';

export const TENANT: LedgerIdentity = { mspId: 'TenantMSP', id: 'x509::/CN=data-steward/OU=client::/CN=ca.tenant.example.eu' };
export const PROVIDER: LedgerIdentity = { mspId: 'ProviderMSP', id: 'x509::/CN=provider-ops/OU=client::/CN=ca.provider.example.eu' };
export const TRUST_ADMIN: LedgerIdentity = {
  mspId: TRUST_AUTHORITY_MSP,
  id: 'x509::/CN=trust-admin/OU=admin::/CN=ca.trust.example.eu',
  attributes: { [ROLE_ATTRIBUTE]: 'admin' },
};

/** The suite's four parties as clients of one embedded ledger. */
export function embeddedParties(ledger: EmbeddedLedger): LedgerParties {
  const as = (identity: LedgerIdentity) => new SovereigntyLedger(ledger.connect(identity));
  return {
    operator: as(EMBEDDED_OPERATOR_IDENTITY),
    trustAdmin: as(TRUST_ADMIN),
    tenant: as(TENANT),
    provider: as(PROVIDER),
    blockText: () => readFileSync(blocksPath(ledger.dir), 'utf8'),
  };
}
