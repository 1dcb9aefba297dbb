import type { Context } from 'fabric-contract-api';
import { ContractError } from './errors.ts';

/**
 * Who may call what: the one place access is decided. Every contract's
 * `beforeTransaction` calls `authorize`; the only data-dependent rule (a
 * dataset's owner) is `assertDatasetOwner`, beside it.
 *
 * Identities are told apart by MSP ID and, for the trust authority, by the
 * `cloudempire.role` certificate attribute (Fabric CA's attribute extension),
 * so a trust-authority identity issued for one job cannot do another.
 */

/** The organization that vouches for nodes and runs the operator. Fixed in code: every endorser must agree on it. */
export const TRUST_AUTHORITY_MSP = 'TrustAuthorityMSP';
export const ROLE_ATTRIBUTE = 'cloudempire.role';

/** A trust-authority role, carried in the certificate attribute `cloudempire.role`. */
export type TrustRole = 'admin' | 'operator';

type Rule =
  | { kind: 'anyMember' }
  /** The trust authority, with one of these roles. */
  | { kind: 'trustAuthority'; roles: TrustRole[] }
  /** Any organization but the trust authority: data owners act for themselves. */
  | { kind: 'dataOwnerOrganization' }
  /** The trust authority's operator, or an organization acting on its own datasets (checked again by the contract). */
  | { kind: 'operatorOrDataOwner' };

const RULES: Record<string, Rule> = {
  'TrustRegistry:PutTrustAnchor': { kind: 'trustAuthority', roles: ['admin'] },
  'TrustRegistry:RemoveTrustAnchor': { kind: 'trustAuthority', roles: ['admin'] },
  'TrustRegistry:ListTrustAnchors': { kind: 'anyMember' },
  'TrustRegistry:RecordAttestation': { kind: 'trustAuthority', roles: ['operator'] },
  'TrustRegistry:GetAttestation': { kind: 'anyMember' },
  'DatasetPolicy:PublishPolicy': { kind: 'dataOwnerOrganization' },
  'DatasetPolicy:GetPolicy': { kind: 'anyMember' },
  'DatasetPolicy:ReadDatasetDetails': { kind: 'dataOwnerOrganization' },
  'Placement:AuthorizePlacement': { kind: 'anyMember' },
  'Placement:RecordPlacement': { kind: 'trustAuthority', roles: ['operator'] },
  'Placement:RecordRemoval': { kind: 'trustAuthority', roles: ['operator'] },
  'Placement:GetDecision': { kind: 'anyMember' },
  'DataAccess:GetGrant': { kind: 'anyMember' },
  'DataAccess:ListGrants': { kind: 'anyMember' },
  'DataAccess:CheckAccess': { kind: 'anyMember' },
  'DataAccess:RevokeGrant': { kind: 'dataOwnerOrganization' },
  'DataAccess:RecordAccess': { kind: 'operatorOrDataOwner' },
  'LedgerHead:PutHead': { kind: 'trustAuthority', roles: ['operator'] },
  'LedgerHead:GetHead': { kind: 'anyMember' },
};

export function caller(ctx: Context): string {
  return `${ctx.clientIdentity.getMSPID()}/${ctx.clientIdentity.getID()}`;
}

function role(ctx: Context): string | undefined {
  return ctx.clientIdentity.getAttributeValue(ROLE_ATTRIBUTE) ?? undefined;
}

export function isOperator(ctx: Context): boolean {
  return ctx.clientIdentity.getMSPID() === TRUST_AUTHORITY_MSP && role(ctx) === 'operator';
}

/** Refuses the call unless the caller's identity may make it; unknown transactions are refused too. */
export function authorize(ctx: Context, contract: string, fn: string): void {
  const rule = RULES[`${contract}:${fn}`];
  if (!rule) throw new ContractError('UnknownTransaction', `${contract}:${fn} is not a transaction of this chaincode`);
  const msp = ctx.clientIdentity.getMSPID();
  switch (rule.kind) {
    case 'anyMember':
      return;
    case 'trustAuthority': {
      const held = role(ctx);
      if (msp === TRUST_AUTHORITY_MSP && held && (rule.roles as string[]).includes(held)) return;
      throw new ContractError(
        'AccessDenied',
        `${contract}:${fn} needs a ${TRUST_AUTHORITY_MSP} identity with ${ROLE_ATTRIBUTE}=${rule.roles.join('|')}; the caller is ${msp}${held ? ` with role ${held}` : ' without a role'}`,
      );
    }
    case 'dataOwnerOrganization':
      if (msp !== TRUST_AUTHORITY_MSP) return;
      throw new ContractError('AccessDenied', `${contract}:${fn} is for data owners; ${TRUST_AUTHORITY_MSP} cannot own or change datasets`);
    case 'operatorOrDataOwner':
      return;
  }
}

/** Only the organization that first published a dataset's policy may change it, revoke its grants or read its details. */
export function assertDatasetOwner(ctx: Context, datasetId: string, ownerMsp: string, action: string): void {
  const msp = ctx.clientIdentity.getMSPID();
  if (msp !== ownerMsp) {
    throw new ContractError('AccessDenied', `only ${ownerMsp}, the owner of dataset ${datasetId}, may ${action}; the caller is ${msp}`);
  }
}

/** The private data collection only the owner's peers hold (Fabric's implicit per-organization collection). */
export function ownerCollection(ownerMsp: string): string {
  return `_implicit_org_${ownerMsp}`;
}
