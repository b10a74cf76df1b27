// Which subnet a new network of Slipway's gets. Docker's default address pools hold about thirty bridge networks
// (172.17–31.0.0/16 and 192.168.0.0/16 in /20s), and every app has a network of its own: the thirtieth app's
// deploy would fail with "could not find an available, non-overlapping IPv4 address pool". So Slipway carves
// small subnets out of a pool of its own (SLIPWAY_DOCKER_SUBNETS, 10.213.0.0/16 by default: 1,024 networks of 64
// addresses), skipping what any Docker network or a route of the host already covers. Pure: IPv4 arithmetic.

export interface Ipv4Net {
  /** The network address as an unsigned 32-bit number. */
  base: number;
  /** The prefix length (0–32). */
  bits: number;
}

/** SLIPWAY_DOCKER_SUBNETS' default. */
export const DEFAULT_SUBNET_POOL: Ipv4Net = { base: ((10 << 24) | (213 << 16)) >>> 0, bits: 16 };

/** Each network Slipway makes: 64 addresses, room for an app's environments, candidates and warm releases. */
export const SUBNET_BITS = 26;

const mask = (bits: number): number => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);

/** `10.213.0.0/16` → its network, or null when it is not an IPv4 CIDR (host bits set are cleared). */
export function parseCidr(cidr: string): Ipv4Net | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!m) return null;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return null;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { base: (address & mask(bits)) >>> 0, bits };
}

/** Where in a pool a network's search starts: a stable hash of its name (FNV-1a). */
export function startFor(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function formatCidr(n: Ipv4Net): string {
  return `${[24, 16, 8, 0].map((shift) => (n.base >>> shift) & 255).join('.')}/${n.bits}`;
}

export function overlaps(a: Ipv4Net, b: Ipv4Net): boolean {
  const m = mask(Math.min(a.bits, b.bits));
  return (a.base & m) >>> 0 === (b.base & m) >>> 0;
}

/**
 * The first /SUBNET_BITS of `pool` from the `start`th on (wrapping round) that overlaps nothing in `taken`, or null
 * when the pool is full. Processes that create networks at the same moment start at different places (a hash of
 * the network's name), so they seldom pick the same free subnet and race for it.
 */
export function pickSubnet(pool: Ipv4Net, taken: readonly Ipv4Net[], start = 0): string | null {
  if (pool.bits > SUBNET_BITS) return null;
  const step = 2 ** (32 - SUBNET_BITS);
  const count = 2 ** (SUBNET_BITS - pool.bits);
  for (let i = 0; i < count; i++) {
    const candidate = { base: pool.base + ((start + i) % count) * step, bits: SUBNET_BITS };
    if (!taken.some((t) => overlaps(candidate, t))) return formatCidr(candidate);
  }
  return null;
}

/**
 * The IPv4 routes of `/proc/net/route` (little-endian hex destination and mask), without the default route:
 * the host's own networks (its LAN, a VPN) that a container subnet must not shadow.
 */
export function parseProcRoutes(text: string): Ipv4Net[] {
  const out: Ipv4Net[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const le = (hex: string) => Buffer.from(hex.padStart(8, '0'), 'hex').readUInt32LE(0);
    const m = le(f[7]!);
    if (m === 0) continue;
    const ones = m.toString(2).replace(/0/g, '').length; // a mask is contiguous ones
    out.push({ base: (le(f[1]!) & mask(ones)) >>> 0, bits: ones });
  }
  return out;
}
