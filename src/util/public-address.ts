import { isIPv4, isIPv6 } from 'node:net';

// Which IP addresses an outbound fetch driven by someone else's data (a DID
// document, a credential's status-list URL) may reach: only public unicast.
// Everything an attacker could use to reach the operator's own host, its
// cluster network or the cloud's metadata service is refused, in every
// spelling: the checks run on the 16 bytes of the address, after IPv4 forms
// embedded in IPv6 (mapped, compatible, NAT64, 6to4) are unwrapped.

export interface AddressVerdict {
  allowed: boolean;
  /** Why it is refused, e.g. `loopback (127.0.0.0/8)`; absent when allowed. */
  range?: string;
}

export interface AddressPolicy {
  /** Allow 127.0.0.0/8 and ::1: only for tests and local development, never in production. */
  allowLoopback?: boolean;
}

interface Range {
  bytes: number[];
  bits: number;
  name: string;
}

const v4 = (cidr: string, name: string): Range => {
  const [address, bits] = cidr.split('/');
  return { bytes: address.split('.').map(Number), bits: Number(bits), name: `${name} (${cidr})` };
};

const v6 = (cidr: string, name: string): Range => {
  const [address, bits] = cidr.split('/');
  return { bytes: [...ipv6Bytes(address)!], bits: Number(bits), name: `${name} (${cidr})` };
};

const LOOPBACK_V4 = v4('127.0.0.0/8', 'loopback');
const LOOPBACK_V6 = v6('::1/128', 'loopback');

// IANA special-purpose registries (RFC 6890 and successors): nothing here is a public host.
const REFUSED_V4: Range[] = [
  v4('0.0.0.0/8', 'unspecified / "this network"'),
  v4('10.0.0.0/8', 'private (RFC 1918)'),
  v4('100.64.0.0/10', 'carrier-grade NAT (RFC 6598)'),
  LOOPBACK_V4,
  v4('169.254.0.0/16', 'link-local, cloud metadata'),
  v4('172.16.0.0/12', 'private (RFC 1918)'),
  v4('192.0.0.0/24', 'IETF protocol assignments'),
  v4('192.0.2.0/24', 'documentation'),
  v4('192.88.99.0/24', '6to4 relay anycast'),
  v4('192.168.0.0/16', 'private (RFC 1918)'),
  v4('198.18.0.0/15', 'benchmarking'),
  v4('198.51.100.0/24', 'documentation'),
  v4('203.0.113.0/24', 'documentation'),
  v4('224.0.0.0/4', 'multicast'),
  v4('255.255.255.255/32', 'broadcast'),
  v4('240.0.0.0/4', 'reserved'),
];

const REFUSED_V6: Range[] = [
  v6('::/128', 'unspecified'),
  LOOPBACK_V6,
  v6('100::/64', 'discard-only'),
  v6('64:ff9b:1::/48', 'local-use NAT64'),
  v6('2001::/32', 'Teredo'),
  v6('2001:10::/28', 'ORCHID'),
  v6('2001:20::/28', 'ORCHIDv2'),
  v6('2001:db8::/32', 'documentation'),
  v6('fc00::/7', 'unique local'),
  v6('fe80::/10', 'link-local'),
  v6('fec0::/10', 'site-local'),
  v6('ff00::/8', 'multicast'),
];

// IPv6 forms that carry an IPv4 address: the IPv4 address is what is reached.
const EMBEDDING_V4: { range: Range; offset: number }[] = [
  { range: v6('::ffff:0:0/96', 'IPv4-mapped'), offset: 12 },
  { range: v6('::ffff:0:0:0/96', 'IPv4-translated'), offset: 12 },
  { range: v6('64:ff9b::/96', 'NAT64'), offset: 12 },
  { range: v6('2002::/16', '6to4'), offset: 2 },
  // IPv4-compatible (deprecated): any ::a.b.c.d other than :: and ::1, handled above.
  { range: v6('::/96', 'IPv4-compatible'), offset: 12 },
];

function matches(bytes: readonly number[], range: Range): boolean {
  let bits = range.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i] & mask) !== (range.bytes[i] & mask)) return false;
  }
  return true;
}

/** The 16 bytes of an IPv6 address (with or without brackets, with a zone or an embedded IPv4 tail), or undefined. */
export function ipv6Bytes(text: string): Uint8Array | undefined {
  let address = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  address = address.split('%')[0];
  if (!isIPv6(address)) return undefined;
  let tail: number[] = [];
  const lastColon = address.lastIndexOf(':');
  if (address.slice(lastColon + 1).includes('.')) {
    tail = address
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    address = `${address.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = address.includes('::') ? address.split('::') : [address, undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = groups(head);
  const right = groups(rest);
  const words = rest === undefined ? left : [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  words.forEach((word, i) => {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  });
  if (tail.length) bytes.set(tail, 12);
  return bytes;
}

function checkV4(bytes: readonly number[], policy: AddressPolicy): AddressVerdict {
  if (policy.allowLoopback && matches(bytes, LOOPBACK_V4)) return { allowed: true };
  const refused = REFUSED_V4.find((r) => matches(bytes, r));
  return refused ? { allowed: false, range: refused.name } : { allowed: true };
}

/**
 * Whether a literal IP address (as `net.isIP` accepts it, IPv6 optionally in
 * brackets) is a public unicast address. Anything that is not an IP literal is
 * refused: names must be resolved first and each address checked.
 */
export function checkAddress(address: string, policy: AddressPolicy = {}): AddressVerdict {
  if (isIPv4(address)) return checkV4(address.split('.').map(Number), policy);
  const bytes = ipv6Bytes(address);
  if (!bytes) return { allowed: false, range: 'not an IP address' };
  const all = [...bytes];
  if (policy.allowLoopback && matches(all, LOOPBACK_V6)) return { allowed: true };
  const refused = REFUSED_V6.find((r) => matches(all, r));
  if (refused) return { allowed: false, range: refused.name };
  const embedding = EMBEDDING_V4.find((e) => matches(all, e.range));
  if (embedding) {
    const inner = checkV4(all.slice(embedding.offset, embedding.offset + 4), policy);
    return inner.allowed ? inner : { allowed: false, range: `${embedding.range.name} form of ${inner.range}` };
  }
  return { allowed: true };
}
