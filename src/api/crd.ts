import { GROUP, VERSION } from './schema/common.ts';
import type { Schema } from './schema/dsl.ts';
import type { KindDefinition } from './schema/kind.ts';

/** Drops what only this repo's tooling reads, keeping a structural schema. */
function forCrd(schema: Schema): Schema {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'x-cloudempire-hint' || key === 'title') continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([name, child]) => [name, forCrd(child)]));
    } else if ((key === 'items' || key === 'additionalProperties') && typeof value === 'object') {
      out[key] = forCrd(value as Schema);
    } else {
      out[key] = value;
    }
  }
  return out as Schema;
}

export function crdName(kind: KindDefinition): string {
  return `${kind.plural}.${GROUP}`;
}

/** The apiextensions.k8s.io/v1 CustomResourceDefinition of one kind. */
export function toCrd(kind: KindDefinition): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName(kind), labels: { 'app.kubernetes.io/part-of': 'cloud-empire' } },
    spec: {
      group: GROUP,
      names: {
        kind: kind.kind,
        listKind: `${kind.kind}List`,
        plural: kind.plural,
        singular: kind.singular,
        shortNames: kind.shortNames,
        categories: ['cloudempire'],
      },
      scope: kind.scope,
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: kind.printerColumns,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: kind.description,
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: forCrd(kind.spec),
                status: forCrd(kind.status),
              },
              required: ['spec'],
            },
          },
        },
      ],
    },
  };
}
