import { UsageError } from './errors.ts';

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
