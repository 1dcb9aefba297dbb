import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Bad input on the command line: exit 2 with this message. */
export class UsageError extends Error {}

export type Options = ParseArgsConfig['options'];

export function parse(args: string[], options: Options, usage: string): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nusage: ${usage}`);
  }
}

export function required(values: Record<string, unknown>, name: string, usage: string): string {
  const value = values[name];
  if (typeof value !== 'string' || !value) throw new UsageError(`--${name} is required\nusage: ${usage}`);
  return value;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90d`, `12h`, `30m`, `45s` → seconds. */
export function seconds(text: string, flag: string): number {
  const match = /^(\d+)([smhd])$/.exec(text);
  if (!match || Number(match[1]) === 0) throw new UsageError(`--${flag} ${text}: write a positive duration such as 90d, 12h, 30m or 45s`);
  return Number(match[1]) * UNITS[match[2]];
}

export function epochSeconds(text: string, flag: string): number {
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(ms)) throw new UsageError(`--${flag} ${text}: write an RFC 3339 time such as 2026-11-24T12:00:00Z`);
  return Math.floor(ms / 1000);
}

export function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

export function readJson<T>(path: string, what: string): T {
  const text = readText(path, what);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new UsageError(`${what} ${path} is not JSON`);
  }
}
