import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { evaluateRule } from './cel.ts';
import type { FederatedWorkload, GpuPool, MemberCluster, SovereignNode } from './generated/types.ts';
import { resourceSchema } from './resource-schema.ts';
import { closeObjects, type CelRule, type Schema } from './schema/dsl.ts';
import { KINDS, type KindDefinition } from './schema/index.ts';

export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `spec.gpu.count` or `spec.placement.countries.exclude[0]`. */
  path: string;
  /** What is wrong and how to fix it. */
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

export interface KindTypes {
  MemberCluster: MemberCluster;
  SovereignNode: SovereignNode;
  GpuPool: GpuPool;
  FederatedWorkload: FederatedWorkload;
}
export type KindName = keyof KindTypes;
export type Resource = KindTypes[KindName];

// ajv-formats is CommonJS; under Node's ESM interop its plugin is `.default`.
type FormatsPlugin = (ajv: Ajv, formats: string[]) => Ajv;
const formatsModule = addFormatsModule as unknown as FormatsPlugin & { default?: FormatsPlugin };
const addFormats: FormatsPlugin = formatsModule.default ?? formatsModule;

/** `/spec/a.b/0` → `spec["a.b"][0]` */
export function pointerToPath(pointer: string): string {
  let path = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) path += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) path += path ? `.${part}` : part;
    else path += `[${JSON.stringify(part)}]`;
  }
  return path;
}

function celPointer(base: string, fieldPath: string | undefined): string {
  if (!fieldPath) return base;
  return (
    base +
    fieldPath
      .split('.')
      .filter(Boolean)
      .map((p) => `/${p}`)
      .join('')
  );
}

function listKeyOf(item: unknown, keys: string[]): string {
  const record = (item ?? {}) as Record<string, unknown>;
  return JSON.stringify(keys.map((k) => record[k]));
}

function buildAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false });
  addFormats(ajv, ['date-time']);
  for (const keyword of [
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-list-map-keys',
    'x-kubernetes-map-type',
    'x-kubernetes-int-or-string',
    'x-cloudempire-hint',
  ]) {
    ajv.addKeyword({ keyword });
  }

  ajv.addKeyword({
    keyword: 'x-kubernetes-validations',
    errors: true,
    compile(rules: CelRule[]) {
      const check = (data: unknown, ctx?: { instancePath: string }): boolean => {
        const errors: Partial<ErrorObject>[] = [];
        for (const rule of rules) {
          let passed: boolean;
          let message = rule.message;
          try {
            passed = evaluateRule(rule.rule, data);
          } catch (error) {
            // Another keyword already reports the malformed value; keep the CEL failure visible too.
            passed = false;
            message = `${rule.message} (the rule could not be evaluated: ${(error as Error).message})`;
          }
          if (!passed) {
            errors.push({
              keyword: 'x-kubernetes-validations',
              instancePath: celPointer(ctx?.instancePath ?? '', rule.fieldPath),
              message,
              params: { rule: rule.rule },
            });
          }
        }
        (check as unknown as { errors: Partial<ErrorObject>[] }).errors = errors;
        return errors.length === 0;
      };
      return check;
    },
  });

  ajv.addKeyword({
    keyword: 'x-kubernetes-list-type',
    errors: true,
    compile(listType: string, parentSchema) {
      const keys = (parentSchema as Schema)['x-kubernetes-list-map-keys'] ?? [];
      const check = (data: unknown, ctx?: { instancePath: string }): boolean => {
        if (!Array.isArray(data) || listType === 'atomic') return true;
        const seen = new Set<string>();
        const errors: Partial<ErrorObject>[] = [];
        data.forEach((item, index) => {
          const key = listType === 'map' ? listKeyOf(item, keys) : JSON.stringify(item);
          if (seen.has(key)) {
            const what = listType === 'map' ? `${keys.join(', ')} ${key}` : `value ${key}`;
            errors.push({
              keyword: 'x-kubernetes-list-type',
              instancePath: `${ctx?.instancePath ?? ''}/${index}`,
              message: `duplicate ${what}; list each one once`,
              params: { listType },
            });
          }
          seen.add(key);
        });
        (check as unknown as { errors: Partial<ErrorObject>[] }).errors = errors;
        return errors.length === 0;
      };
      return check;
    },
  });
  return ajv;
}

function describe(error: ErrorObject): ValidationIssue {
  const schema = (error.parentSchema ?? {}) as Schema;
  const hint = schema['x-cloudempire-hint'];
  const at = pointerToPath(error.instancePath);
  const join = (child: string) => (at ? `${at}.${child}` : child);
  switch (error.keyword) {
    case 'required':
      return { path: join(String(error.params.missingProperty)), message: 'is required' };
    case 'additionalProperties': {
      const known = Object.keys(schema.properties ?? {}).join(', ');
      return {
        path: join(String(error.params.additionalProperty)),
        message: `unknown field; remove it or fix its spelling (fields allowed here: ${known})`,
      };
    }
    case 'enum': {
      const allowed = (error.params.allowedValues as unknown[]).map(String);
      const list = allowed.length > 12 ? `${allowed.slice(0, 12).join(', ')}, …` : allowed.join(', ');
      return { path: at, message: `${JSON.stringify(error.data)} is not allowed; ${hint ?? `use one of ${list}`}` };
    }
    case 'x-kubernetes-validations':
    case 'x-kubernetes-list-type':
      return { path: at, message: error.message ?? 'is invalid' };
    case 'pattern':
      // The regular expression helps nobody; the hint says what a good value looks like.
      return { path: at, message: hint ? `${JSON.stringify(error.data)} has an invalid format; ${hint}` : (error.message ?? 'is invalid') };
    default:
      return { path: at, message: hint ? `${error.message}; ${hint}` : (error.message ?? 'is invalid') };
  }
}

function issuesOf(errors: ErrorObject[] | null | undefined): ValidationIssue[] {
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  for (const error of errors ?? []) {
    const issue = describe(error);
    const key = `${issue.path}\u0000${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return issues;
}

let compiled: Map<string, ValidateFunction> | undefined;

function validators(): Map<string, ValidateFunction> {
  if (!compiled) {
    const ajv = buildAjv();
    compiled = new Map(KINDS.map((k: KindDefinition) => [k.kind, ajv.compile(closeObjects(resourceSchema(k)))]));
  }
  return compiled;
}

export function isKindName(kind: unknown): kind is KindName {
  return typeof kind === 'string' && KINDS.some((k) => k.kind === kind);
}

/** Validates one object of the given kind, as the API server would plus unknown-field and name checks. */
export function validate<K extends KindName>(kind: K, object: unknown): ValidationResult<KindTypes[K]> {
  const check = validators().get(kind)!;
  if (check(object)) return { ok: true, value: object as KindTypes[K] };
  return { ok: false, issues: issuesOf(check.errors) };
}

/** Validates any Cloud Empire object, choosing the schema by its `kind`. */
export function validateResource(object: unknown): ValidationResult<Resource> {
  const kind = (object as { kind?: unknown } | null)?.kind;
  if (!isKindName(kind)) {
    const known = KINDS.map((k) => k.kind).join(', ');
    return { ok: false, issues: [{ path: 'kind', message: `${JSON.stringify(kind)} is not a Cloud Empire kind; use one of ${known}` }] };
  }
  return validate(kind, object);
}

export function formatIssues(issues: ValidationIssue[]): string {
  return issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('\n');
}
