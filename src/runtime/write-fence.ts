// Writes only while this replica leads. A replica that lost its lease unawares (frozen by SIGSTOP, a long
// GC pause, a suspended VM) and woke with reconciles in flight would otherwise write what it computed from
// a world the new leader has since changed: server-side apply into members carries no precondition, and a
// status replace carries only the resourceVersion the stale replica read, which still matches whenever the
// new leader has not yet written that object. The fence is the replica's own lease clock (leader.ts).
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KindClient } from './kind-client.ts';

/** Why this replica may not write now (its lease lapsed, it is a standby), or undefined while it leads. */
export type WriteFence = () => string | undefined;

/** A write refused by the fence: the replica stops leading; the reconcile is retried by whoever leads. */
export class FencedWriteError extends Error {
  override readonly name = 'FencedWriteError';
}

/** Throws FencedWriteError, naming `what` and why, unless the fence allows a write. */
export function checkFence(fence: WriteFence, what: string): void {
  const refusal = fence();
  if (refusal) throw new FencedWriteError(`${what} refused: ${refusal}`);
}

/** Host writes of one kind (create, update, status, delete) behind the fence; reads stay open. */
export function fencedKindClient<T extends KubernetesObject>(inner: KindClient<T>, fence: WriteFence): KindClient<T> {
  const what = `host writes of ${inner.kind.kind}`;
  return {
    kind: inner.kind,
    get: (key) => inner.get(key),
    list: (namespace) => inner.list(namespace),
    create: async (object) => (checkFence(fence, what), inner.create(object)),
    update: async (object) => (checkFence(fence, what), inner.update(object)),
    updateStatus: async (object) => (checkFence(fence, what), inner.updateStatus(object)),
    delete: async (key) => (checkFence(fence, what), inner.delete(key)),
  };
}
