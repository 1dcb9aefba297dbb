/**
 * Whose key signs the embedded ledger's blocks: the operator's identity (its
 * did:key). The ledger only needs these two operations; the key itself stays
 * with the caller (src/trust makes one from the operator's key file).
 */
export interface BlockVerifier {
  /** The DID whose key signs; `ledger verify --operator` names the same one. */
  readonly did: string;
  /** Whether `signature` (base64url) is this key's signature over `data`. */
  verify(data: Uint8Array, signature: string): boolean;
}

export interface BlockSigner extends BlockVerifier {
  /** Signs `data`; base64url. */
  sign(data: Uint8Array): string;
}

/** What a block's signature covers: its hash, which covers everything else in it. */
export function signedBytes(blockHash: string): Buffer {
  return Buffer.from(`cloud-empire-block:${blockHash}`, 'utf8');
}
