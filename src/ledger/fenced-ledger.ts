// The ledger writes a controller makes, behind the leader fence (src/runtime/write-fence.ts). The embedded ledger
// refuses a second writer by itself (its block log's length check); on Fabric a woken ex-leader's RecordRemoval
// would close a decision the new leader keeps running, ending its grants. Reads and probes stay open. Verdicts
// queued in the Fabric outbox before the lease lapsed may still be flushed: each carries its observation time, and
// the chaincode keeps the newest verdict current, so a late one goes to the history only.
import { checkFence, type WriteFence } from '../runtime/write-fence.ts';
import type { Ledger } from './ledger.ts';

export function fencedLedger(inner: Ledger, fence: WriteFence): Ledger {
  const what = 'ledger writes';
  return {
    get kind() {
      return inner.kind;
    },
    recordAttestation: async (record) => (checkFence(fence, what), inner.recordAttestation(record)),
    authorizePlacement: (request) => inner.authorizePlacement(request),
    recordPlacement: async (request) => (checkFence(fence, what), inner.recordPlacement(request)),
    getPolicy: (datasetId) => inner.getPolicy(datasetId),
    getDecision: (decisionId) => inner.getDecision(decisionId),
    recordRemoval: async (removal) => (checkFence(fence, what), inner.recordRemoval(removal)),
    probe: () => inner.probe(),
    close: () => inner.close(),
  };
}
