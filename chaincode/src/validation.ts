import { ContractError } from './errors.ts';

// Argument checks that name the field and the fix: a contract refuses bad input, it never half-writes it.

type Json = Record<string, unknown>;

export function object(value: unknown, path: string): Json {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ContractError('InvalidArgument', `${path} must be an object`);
  return value as Json;
}

export function string(value: unknown, path: string, pattern?: RegExp, hint?: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new ContractError('InvalidArgument', `${path} must be a non-empty string`);
  if (value.length > 512) throw new ContractError('InvalidArgument', `${path} is longer than 512 characters`);
  if (pattern && !pattern.test(value))
    throw new ContractError('InvalidArgument', `${path} ${JSON.stringify(value)} is invalid: ${hint ?? `expected ${pattern}`}`);
  return value;
}

export function optionalString(value: unknown, path: string, pattern?: RegExp, hint?: string): string | undefined {
  return value === undefined || value === null ? undefined : string(value, path, pattern, hint);
}

export function strings(value: unknown, path: string, pattern?: RegExp, hint?: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ContractError('InvalidArgument', `${path} must be a list of strings`);
  if (value.length > 1000) throw new ContractError('InvalidArgument', `${path} has more than 1000 entries`);
  const items = value.map((item, i) => string(item, `${path}[${i}]`, pattern, hint));
  return [...new Set(items)].sort();
}

export function boolean(value: unknown, path: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ContractError('InvalidArgument', `${path} must be true or false`);
  return value;
}

export function integer(value: unknown, path: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ContractError('InvalidArgument', `${path} must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function list<T>(value: unknown, path: string, each: (item: unknown, path: string) => T, max = 1000): T[] {
  if (!Array.isArray(value)) throw new ContractError('InvalidArgument', `${path} must be a list`);
  if (value.length > max) throw new ContractError('InvalidArgument', `${path} has more than ${max} entries`);
  return value.map((item, i) => each(item, `${path}[${i}]`));
}

export const COUNTRY = /^[A-Z]{2}$/;
export const COUNTRY_HINT = 'use an upper-case ISO 3166-1 alpha-2 code such as FR';
export const JURISDICTION = /^[A-Z][A-Z0-9-]{1,15}$/;
export const JURISDICTION_HINT = 'use an upper-case jurisdiction name such as EU';
export const DID = /^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$/;
export const DID_HINT = 'use a DID such as did:web:example.eu or did:key:z6Mk…';
export const NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/;
export const NAME_HINT = 'use letters, digits, ".", "_" and "-", starting and ending with a letter or digit';
export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
export const TIMESTAMP_HINT = 'use an RFC 3339 UTC timestamp such as 2026-01-31T12:00:00Z';
export const DIGEST = /^[0-9a-f]{64}$/;
export const DIGEST_HINT = 'use a lower-case hex SHA-256 digest';
