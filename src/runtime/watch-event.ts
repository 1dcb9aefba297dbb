// What a member API server sends on a watch or a list, checked before use:
// a member is a provider's cluster, and its answers are input like any other.

export interface RawObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export type WatchEvent =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: RawObject & { metadata: { name: string } } }
  | { type: 'BOOKMARK'; object: RawObject }
  | { type: 'ERROR'; object: { code?: number; message?: string } };

export class MemberProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MemberProtocolError';
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

function checkMetadata(metadata: unknown, where: string, needName: boolean): void {
  if (metadata === undefined && !needName) return;
  if (!isObject(metadata)) throw new MemberProtocolError(`${where}: metadata is not an object`);
  for (const field of ['name', 'namespace', 'resourceVersion'] as const) {
    if (metadata[field] !== undefined && typeof metadata[field] !== 'string') throw new MemberProtocolError(`${where}: metadata.${field} is not a string`);
  }
  if (needName && !metadata.name) throw new MemberProtocolError(`${where}: the object has no metadata.name`);
}

/** One watch line as an event; throws MemberProtocolError for anything else (not JSON, `{"object":null}`, wrong shape). */
export function parseWatchEvent(line: string): WatchEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new MemberProtocolError(`a watch line is not JSON (${line.length} characters)`);
  }
  if (!isObject(value)) throw new MemberProtocolError('a watch line is not a JSON object');
  if (typeof value.type !== 'string' || !TYPES.has(value.type))
    throw new MemberProtocolError(`a watch event has type ${JSON.stringify(value.type)?.slice(0, 40)}`);
  if (!isObject(value.object)) throw new MemberProtocolError(`a ${value.type} event has no object`);
  if (value.type === 'ERROR') {
    const code = value.object.code;
    return { type: 'ERROR', object: { code: typeof code === 'number' ? code : undefined } };
  }
  checkMetadata(value.object.metadata, `a ${value.type} event`, value.type !== 'BOOKMARK');
  return value as WatchEvent;
}

export interface ListPage {
  metadata?: { resourceVersion?: string; continue?: string };
  items: RawObject[];
}

/** A list response body as a page; throws MemberProtocolError when it is not one. */
export function parseListPage(text: string): ListPage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MemberProtocolError(`a list response is not JSON (${text.length} characters)`);
  }
  if (!isObject(value) || !Array.isArray(value.items)) throw new MemberProtocolError('a list response has no items array');
  if (value.metadata !== undefined) {
    if (!isObject(value.metadata)) throw new MemberProtocolError('a list response has a metadata that is not an object');
    for (const field of ['resourceVersion', 'continue'] as const) {
      if (value.metadata[field] !== undefined && typeof value.metadata[field] !== 'string')
        throw new MemberProtocolError(`a list response's metadata.${field} is not a string`);
    }
  }
  value.items.forEach((item, i) => {
    if (!isObject(item)) throw new MemberProtocolError(`list item ${i} is not an object`);
    checkMetadata(item.metadata, `list item ${i}`, true);
  });
  return value as unknown as ListPage;
}

/**
 * Caps on what one member may make the operator hold: an object is at most
 * ~1.5 MiB in etcd, so a 4 MiB watch line is generous; a list page of 500
 * objects stays well under 64 MiB.
 */
export const MEMBER_READ_LIMITS = { maxLineBytes: 4 * 1024 * 1024, maxBodyBytes: 64 * 1024 * 1024 };
