import type { Schema } from './dsl.ts';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** Everything needed to emit one CRD, its TypeScript type and its validator. */
export interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: 'Cluster' | 'Namespaced';
  description: string;
  spec: Schema;
  status: Schema;
  printerColumns: PrinterColumn[];
}

export function conditionColumn(name: string, type: string): PrinterColumn {
  return { name, type: 'string', jsonPath: `.status.conditions[?(@.type=="${type}")].status` };
}

export function reasonColumn(type: string, priority = 0): PrinterColumn {
  return { name: 'Reason', type: 'string', jsonPath: `.status.conditions[?(@.type=="${type}")].reason`, priority };
}

export const AGE_COLUMN: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
