import { API_VERSION } from './schema/common.ts';
import type { Schema } from './schema/dsl.ts';
import type { KindDefinition } from './schema/kind.ts';

const NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/**
 * The whole object as a client writes it. The CRD can only say
 * `metadata: {type: object}`; offline validation checks the name too.
 */
export function resourceSchema(kind: KindDefinition): Schema {
  const metadata: Schema = {
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
    properties: {
      name: {
        type: 'string',
        pattern: NAME_PATTERN,
        maxLength: 253,
        'x-cloudempire-hint': 'use lower-case letters, digits, "-" and "."',
      },
      ...(kind.scope === 'Namespaced' ? { namespace: { type: 'string', maxLength: 63 } } : {}),
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      annotations: { type: 'object', additionalProperties: { type: 'string' } },
    },
    required: ['name'],
  };
  return {
    type: 'object',
    title: kind.kind,
    description: kind.description,
    properties: {
      apiVersion: { type: 'string', enum: [API_VERSION], 'x-cloudempire-hint': `use apiVersion: ${API_VERSION}` },
      kind: { type: 'string', enum: [kind.kind] },
      metadata,
      spec: { ...kind.spec, title: `${kind.kind}Spec` },
      status: { ...kind.status, title: `${kind.kind}Status` },
    },
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
  };
}
