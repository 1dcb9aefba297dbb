// The chaincode's entry point: fabric-chaincode-node reads `contracts`; the
// embedded ledger imports the same list.
import { DataAccessContract } from './data-access.ts';
import { DatasetPolicyContract } from './dataset-policy.ts';
import { LedgerHeadContract } from './ledger-head.ts';
import { PlacementContract } from './placement.ts';
import { TrustRegistryContract } from './trust-registry.ts';

export { DataAccessContract, DatasetPolicyContract, LedgerHeadContract, PlacementContract, TrustRegistryContract };
export const contracts = [TrustRegistryContract, DatasetPolicyContract, PlacementContract, DataAccessContract, LedgerHeadContract];
export * from './records.ts';
export { parseContractError, ContractError } from './errors.ts';
export { TRUST_AUTHORITY_MSP, ROLE_ATTRIBUTE, ownerCollection } from './access.ts';
export { DETAILS_TRANSIENT_KEY } from './dataset-policy.ts';
