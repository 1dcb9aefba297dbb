import type { KubeConfig } from '@kubernetes/client-node';
import type { EmbeddedLedgerOptions } from '../ledger/embedded/embedded-ledger.ts';
import { ConfigMapHeadCheckpoint } from '../ledger/kube-head-checkpoint.ts';
import type { KeyFile } from '../trust/issue.ts';
import { signingKeyOf } from '../trust/signing-key.ts';

/** What makes the embedded ledger tamper-evident: blocks signed with the operator's did:key, the head kept in a host ConfigMap. */
export function embeddedLedgerIntegrity(host: KubeConfig, namespace: string, operatorKey: KeyFile): Pick<EmbeddedLedgerOptions, 'signer' | 'checkpoint'> {
  return { signer: signingKeyOf(operatorKey), checkpoint: new ConfigMapHeadCheckpoint(host, namespace) };
}
