import { FileHeadCheckpoint } from '../../src/ledger/embedded/head-checkpoint.ts';
import type { EmbeddedLedgerOptions } from '../../src/ledger/embedded/embedded-ledger.ts';
import { newIdentity } from '../../src/trust/issue.ts';
import { signingKeyOf, type SigningKey } from '../../src/trust/signing-key.ts';
import type { FileSystem } from '../../src/util/file-system.ts';

/** A fresh operator key, as the operator's identity Secret would hold. */
export function operatorKey(): SigningKey {
  return signingKeyOf(newIdentity({ method: 'key' }).key);
}

/** Options for a test ledger: blocks signed by `signer`, the head kept in a file outside the ledger's directory. */
export function ledgerOptions(checkpointPath: string, signer: SigningKey = operatorKey(), fs?: FileSystem): EmbeddedLedgerOptions {
  return { signer, checkpoint: new FileHeadCheckpoint(checkpointPath, fs), fs };
}
