// In-memory stand-ins for the API server behind a KindClient and for member
// Nodes: resourceVersion conflicts, generation on spec changes, the status
// subresource and finalizer-gated deletion behave as the API server's do
// (an update cannot drop the uid or the deletion mark, nor add a finalizer to
// an object being deleted).
import type { KubernetesListObject, KubernetesObject, V1Node } from '@kubernetes/client-node';
import type { KindDefinition } from '../../src/api/schema/kind.ts';
import type { MemberNodes } from '../../src/cluster/member-clients.ts';
import type { KindClient } from '../../src/runtime/kind-client.ts';
import { objectKey } from '../../src/runtime/objects.ts';
import { sameJson } from '../../src/util/canonical-json.ts';

export const apiError = (code: number, message = `HTTP ${code}`) => Object.assign(new Error(message), { code });

type WithStatus = KubernetesObject & { spec?: unknown; status?: unknown };

export class FakeKind<T extends WithStatus> implements KindClient<T> {
  readonly kind: KindDefinition;
  readonly objects = new Map<string, T>();
  readonly writes: { verb: 'update' | 'updateStatus'; key: string }[] = [];
  private version = 0;

  constructor(kind: KindDefinition) {
    this.kind = kind;
  }

  private stamp(object: T): T {
    object.metadata = { ...object.metadata, resourceVersion: String(++this.version) };
    this.objects.set(objectKey(object), structuredClone(object));
    return structuredClone(object);
  }

  private current(object: T): T {
    const stored = this.objects.get(objectKey(object));
    if (!stored) throw apiError(404);
    if (object.metadata?.resourceVersion !== stored.metadata?.resourceVersion) throw apiError(409, 'the object has been modified');
    return stored;
  }

  /** Stores an object as `kubectl create` would; returns what a get returns. */
  seed(object: T): T {
    return this.stamp({ ...structuredClone(object), metadata: { ...object.metadata, generation: 1, uid: `uid-${objectKey(object)}` } });
  }

  async get(key: string): Promise<T | undefined> {
    const stored = this.objects.get(key);
    return stored && structuredClone(stored);
  }

  async list(): Promise<KubernetesListObject<T>> {
    return { apiVersion: 'v1', kind: 'List', metadata: {}, items: [...this.objects.values()].map((o) => structuredClone(o)) };
  }

  async create(object: T): Promise<T> {
    if (this.objects.has(objectKey(object))) throw apiError(409, 'already exists');
    return this.seed(object);
  }

  async update(object: T): Promise<T> {
    const stored = this.current(object);
    this.writes.push({ verb: 'update', key: objectKey(object) });
    const generation = (stored.metadata?.generation ?? 1) + (sameJson(stored.spec, object.spec) ? 0 : 1);
    const deleting = stored.metadata?.deletionTimestamp;
    const added = (object.metadata?.finalizers ?? []).filter((f) => !stored.metadata?.finalizers?.includes(f));
    if (deleting && added.length)
      throw apiError(422, `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${added}`);
    // What the server owns stays as stored whatever the client sent: identity, creation and deletion marks.
    const owned = { uid: stored.metadata?.uid, creationTimestamp: stored.metadata?.creationTimestamp, deletionTimestamp: deleting };
    const metadata = { ...object.metadata, ...Object.fromEntries(Object.entries(owned).filter(([, v]) => v !== undefined)), generation };
    if (!deleting) delete metadata.deletionTimestamp;
    const next = { ...structuredClone(object), status: stored.status, metadata } as T;
    if (next.metadata?.deletionTimestamp && !next.metadata.finalizers?.length) {
      this.objects.delete(objectKey(object));
      return next;
    }
    return this.stamp(next);
  }

  async updateStatus(object: T): Promise<T> {
    const stored = this.current(object);
    this.writes.push({ verb: 'updateStatus', key: objectKey(object) });
    return this.stamp({ ...stored, status: structuredClone(object.status) });
  }

  async delete(key: string): Promise<void> {
    const stored = this.objects.get(key);
    if (!stored) throw apiError(404);
    if (!stored.metadata?.finalizers?.length) {
      this.objects.delete(key);
      return;
    }
    // A second delete of an object already being deleted changes nothing.
    if (stored.metadata.deletionTimestamp) return;
    this.stamp({ ...stored, metadata: { ...stored.metadata, deletionTimestamp: new Date() } });
  }

  statusWrites(): number {
    return this.writes.filter((w) => w.verb === 'updateStatus').length;
  }
}

/** Member clusters' Nodes, by cluster; `failWith` makes every call of one cluster fail. */
export class FakeMemberNodes implements MemberNodes {
  readonly nodes = new Map<string, V1Node>();
  readonly failWith = new Map<string, Error>();
  replaced = 0;
  private version = 0;

  add(cluster: string, node: V1Node): void {
    this.nodes.set(`${cluster}/${node.metadata!.name}`, { ...structuredClone(node), metadata: { ...node.metadata, resourceVersion: String(++this.version) } });
  }

  node(cluster: string, name: string): V1Node | undefined {
    return this.nodes.get(`${cluster}/${name}`);
  }

  async readNode(cluster: string, name: string): Promise<V1Node> {
    const failure = this.failWith.get(cluster);
    if (failure) throw failure;
    const node = this.nodes.get(`${cluster}/${name}`);
    if (!node) throw apiError(404);
    return structuredClone(node);
  }

  async replaceNode(cluster: string, node: V1Node): Promise<V1Node> {
    const failure = this.failWith.get(cluster);
    if (failure) throw failure;
    const key = `${cluster}/${node.metadata!.name}`;
    const stored = this.nodes.get(key);
    if (!stored) throw apiError(404);
    if (stored.metadata?.resourceVersion !== node.metadata?.resourceVersion) throw apiError(409);
    this.replaced++;
    const next = { ...structuredClone(node), metadata: { ...node.metadata, resourceVersion: String(++this.version) } };
    this.nodes.set(key, next);
    return structuredClone(next);
  }
}
