// A small vocabulary for writing structural OpenAPI v3 schemas once. The same
// objects become the CRDs (generate.ts), the TypeScript types (generate.ts) and
// the ajv validators (validate.ts), so every helper emits only what a
// Kubernetes structural schema accepts.

/** A CEL rule evaluated by the API server and, offline, by our validator. */
export interface CelRule {
  rule: string;
  message: string;
  /** JSON path relative to the schema node, e.g. `.countries.exclude`. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  title?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  items?: Schema;
  enum?: readonly (string | number)[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  default?: unknown;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: CelRule[];
  /** A sentence on how to fix a value this schema rejects; not emitted into CRDs. */
  'x-cloudempire-hint'?: string;
}

type Extra = Omit<Schema, 'type' | 'properties' | 'required' | 'items'>;

/** Properties whose key ends with `?` are optional; the rest are required. */
export function object(props: Record<string, Schema>, extra: Extra = {}): Schema {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const [key, schema] of Object.entries(props)) {
    const optional = key.endsWith('?');
    const name = optional ? key.slice(0, -1) : key;
    properties[name] = schema;
    if (!optional) required.push(name);
  }
  return { type: 'object', ...extra, properties, ...(required.length ? { required } : {}) };
}

export function string(extra: Extra = {}): Schema {
  return { type: 'string', ...extra };
}

export function integer(extra: Extra = {}): Schema {
  return { type: 'integer', ...extra };
}

export function boolean(extra: Extra = {}): Schema {
  return { type: 'boolean', ...extra };
}

export function array(items: Schema, extra: Extra = {}): Schema {
  return { type: 'array', items, ...extra };
}

/** A set of unique scalar values (Kubernetes `listType: set`). */
export function set(items: Schema, extra: Extra = {}): Schema {
  return array(items, { 'x-kubernetes-list-type': 'set', ...extra });
}

/** A list of objects keyed by one or more fields (Kubernetes `listType: map`). */
export function listMap(items: Schema, keys: string[], extra: Extra = {}): Schema {
  return array(items, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': keys, ...extra });
}

export function stringMap(extra: Extra = {}): Schema {
  return { type: 'object', additionalProperties: { type: 'string' }, ...extra };
}

/** An object kept as written (a workload template's inner spec). */
export function opaque(extra: Omit<Schema, 'type'> = {}): Schema {
  return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, ...extra };
}

export function withRules(schema: Schema, ...rules: CelRule[]): Schema {
  return { ...schema, 'x-kubernetes-validations': [...(schema['x-kubernetes-validations'] ?? []), ...rules] };
}

/**
 * The CRD schema is open where Kubernetes prunes; the offline validators and
 * the TypeScript types reject unknown fields outright, as `kubectl apply
 * --validate=strict` does.
 */
export function closeObjects(schema: Schema): Schema {
  const out: Schema = { ...schema };
  if (schema.properties) {
    out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, closeObjects(v)]));
    if (!schema['x-kubernetes-preserve-unknown-fields'] && schema.additionalProperties === undefined) {
      out.additionalProperties = false;
    }
  }
  if (schema.items) out.items = closeObjects(schema.items);
  if (typeof schema.additionalProperties === 'object') out.additionalProperties = closeObjects(schema.additionalProperties);
  return out;
}

/** Visits every schema node with its path of property names (`[]` for items). */
export function walk(schema: Schema, visit: (node: Schema, path: string[]) => void, path: string[] = []): void {
  visit(schema, path);
  for (const [name, child] of Object.entries(schema.properties ?? {})) walk(child, visit, [...path, name]);
  if (schema.items) walk(schema.items, visit, [...path, '[]']);
  if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, visit, [...path, '{}']);
}
