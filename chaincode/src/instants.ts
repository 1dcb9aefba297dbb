/**
 * Orders two RFC 3339 UTC timestamps as instants (negative when `a` is
 * earlier). Compared as text they misorder within a second: validation
 * accepts fractional seconds or none, and "12:05:00Z" sorts after
 * "12:05:00.000Z", which kept a credential valid for up to a second past
 * its expiry. Date.parse is deterministic, as endorsement needs.
 */
export function compareInstants(a: string, b: string): number {
  return Date.parse(a) - Date.parse(b);
}
