import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compileRule } from '../../../src/api/cel.ts';
import { generatedFiles } from '../../../src/api/generate.ts';
import { walk, type Schema } from '../../../src/api/schema/dsl.ts';
import { KINDS } from '../../../src/api/schema/index.ts';

const root = join(import.meta.dirname, '..', '..', '..');

describe('generated files', () => {
  it('are fresh: crds/ and src/api/generated match src/api/schema (run npm run generate)', async () => {
    for (const [path, content] of await generatedFiles()) {
      const onDisk = await readFile(join(root, path), 'utf8').catch(() => '(missing)');
      expect({ path, content: onDisk }).toEqual({ path, content });
    }
  });

  it('emit one structural CRD per kind with status, printer columns, short names and the category', async () => {
    const files = await generatedFiles();
    for (const kind of KINDS) {
      const crd = parse(files.get(join('crds', `${kind.plural}.cloudempire.eu.yaml`))!);
      expect(crd.spec.names).toMatchObject({ kind: kind.kind, shortNames: kind.shortNames, categories: ['cloudempire'] });
      expect(crd.spec.scope).toBe(kind.scope);
      const version = crd.spec.versions[0];
      expect(version).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
      expect(version.additionalPrinterColumns.length).toBeGreaterThanOrEqual(4);
      walk(version.schema.openAPIV3Schema as Schema, (node, path) => {
        const where = `${kind.kind} ${path.join('.')}`;
        // Structural schemas: every node typed (or preserving unknown fields), properties and additionalProperties exclusive.
        expect({ where, typed: Boolean(node.type) || Boolean(node['x-kubernetes-preserve-unknown-fields']) }).toEqual({ where, typed: true });
        expect({ where, both: Boolean(node.properties && node.additionalProperties) }).toEqual({ where, both: false });
        expect({ where, hint: 'x-cloudempire-hint' in node, title: 'title' in node }).toEqual({ where, hint: false, title: false });
      });
    }
  });

  it('carry only CEL rules that compile, each with a message', () => {
    let rules = 0;
    for (const kind of KINDS) {
      for (const root of [kind.spec, kind.status]) {
        walk(root, (node) => {
          for (const rule of node['x-kubernetes-validations'] ?? []) {
            expect(() => compileRule(rule.rule)).not.toThrow();
            expect(rule.message.length).toBeGreaterThan(10);
            rules++;
          }
        });
      }
    }
    expect(rules).toBeGreaterThanOrEqual(8);
  });
});
