import { parse } from '@marcbachmann/cel-js';

type Program = ReturnType<typeof parse>;

const cache = new Map<string, Program>();

/** Compiles a CEL rule once; the same text the API server evaluates. */
export function compileRule(rule: string): Program {
  let program = cache.get(rule);
  if (!program) {
    program = parse(rule);
    cache.set(rule, program);
  }
  return program;
}

// JSON has one number type; CEL tells int from double. Kubernetes hands
// integer-typed fields to CEL as int, so whole numbers become BigInt here.
export function toCelValue(value: unknown): unknown {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (Array.isArray(value)) return value.map(toCelValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCelValue(v)]));
  }
  return value;
}

export function evaluateRule(rule: string, self: unknown): boolean {
  return compileRule(rule)({ self: toCelValue(self) }) === true;
}
