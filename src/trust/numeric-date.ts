/**
 * JWT NumericDate bounds: seconds since 1970 that a JavaScript Date can hold
 * and that a reader can make sense of (up to 9999-12-31). A signed `exp` of
 * 1e300 would otherwise pass every comparison and then throw when printed.
 */
export const MAX_NUMERIC_DATE = 253_402_300_799;

export function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_NUMERIC_DATE;
}

/** RFC 3339 for milliseconds since the epoch, or undefined when a Date cannot hold them. */
export function isoOrUndefined(ms: number | undefined): string | undefined {
  if (ms === undefined || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return undefined;
  return new Date(ms).toISOString();
}
