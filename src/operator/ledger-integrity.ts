import type { KubeConfig } from '@kubernetes/client-node';
import type { EmbeddedLedgerOptions } from '../ledger/embedded/embedded-ledger.ts';
import { ConfigMapHeadCheckpoint } from '../ledger/kube-head-checkpoint.ts';
import { signingKeyOf } from '../trust/signing-key.ts';
import { loadOrCreateOperatorKey } from './identity.ts';

/** What makes the embedded ledger tamper-evident: blocks signed with the operator's did:key, the head kept in a host ConfigMap. */
export async function embeddedLedgerIntegrity(host: KubeConfig, namespace: string): Promise<Pick<EmbeddedLedgerOptions, 'signer' | 'checkpoint'>> {
  return { signer: signingKeyOf(await loadOrCreateOperatorKey(host, namespace)), checkpoint: new ConfigMapHeadCheckpoint(host, namespace) };
}
