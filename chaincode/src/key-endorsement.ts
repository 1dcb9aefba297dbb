import type { Context } from 'fabric-contract-api';

/**
 * Requires `mspId`'s peers to endorse every later change of `stateKey`
 * (Fabric's state-based endorsement). The contract already refuses other
 * callers; this makes the peers' validation refuse too, so another
 * organization's peer, even one running altered chaincode, cannot endorse a
 * change alone. Loaded on first use: only owners' transactions need it.
 */
export async function requireOwnerEndorsement(ctx: Context, stateKey: string, mspId: string): Promise<void> {
  const { default: KeyEndorsementPolicy } = await import('fabric-shim/lib/utils/statebased.js');
  const policy = new KeyEndorsementPolicy();
  policy.addOrgs('PEER', mspId);
  await ctx.stub.setStateValidationParameter(stateKey, policy.getPolicy());
}
