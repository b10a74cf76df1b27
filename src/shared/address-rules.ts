// Which IP addresses an outbound request (a webhook) may not reach unless an admin allows it: loopback, private,
// link-local, unique-local, CGNAT, unspecified, multicast, reserved and documentation ranges (RFC 6890's special
// purpose registries). IPv4 inside IPv6 (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) is judged by
// the IPv4 address it carries, so an attacker cannot spell 127.0.0.1 another way.
import { BlockList, isIP } from 'node:net';

type Rule = [reason: string, cidrs: readonly string[]];

const RULES: readonly Rule[] = [
  ['unspecified', ['0.0.0.0/8', '::/128']],
  ['loopback', ['127.0.0.0/8', '::1/128']],
  ['private', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']],
  ['CGNAT (shared address space)', ['100.64.0.0/10']],
  ['link-local', ['169.254.0.0/16', 'fe80::/10']],
  ['unique-local', ['fc00::/7', 'fec0::/10']],
  ['multicast', ['224.0.0.0/4', 'ff00::/8']],
  ['reserved', ['192.0.0.0/24', '198.18.0.0/15', '240.0.0.0/4', '255.255.255.255/32', '100::/64', '2001::/23', '64:ff9b:1::/48']],
  ['documentation', ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32']],
];

const lists = RULES.map(([reason, cidrs]) => {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [net, bits] = cidr.split('/') as [string, string];
    list.addSubnet(net, Number(bits), isIP(net) === 6 ? 'ipv6' : 'ipv4');
  }
  return { reason, list };
});

/**
 * Why `address` is not a public address (`loopback`, `private`, …), or null when it is. Anything that is not an
 * IP address at all is refused too (`not an IP address`).
 */
export function nonPublicReason(address: string): string | null {
  const ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(ip);
  if (family === 0) return 'not an IP address';
  if (family === 6) {
    const inner = embeddedIpv4(ip);
    if (inner) return nonPublicReason(inner);
  }
  const type = family === 6 ? 'ipv6' : 'ipv4';
  for (const { reason, list } of lists) if (list.check(ip, type)) return reason;
  return null;
}

/** The IPv4 address an IPv6 address carries (mapped, NAT64's well-known prefix, 6to4), or null. */
export function embeddedIpv4(ipv6: string): string | null {
  const groups = expandIpv6(ipv6);
  if (!groups) return null;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (zeros(0, 5) && groups[5] === 0xffff) return v4(groups[6]!, groups[7]!); // ::ffff:a.b.c.d
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return v4(groups[6]!, groups[7]!); // 64:ff9b::a.b.c.d
  if (groups[0] === 0x2002) return v4(groups[1]!, groups[2]!); // 2002:AABB:CCDD::
  return null;
}

/** Eight 16-bit groups of an IPv6 address (with `::` and a dotted IPv4 tail expanded), or null. */
function expandIpv6(ip: string): number[] | null {
  let text = ip.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const parts = dotted[1]!.split('.').map(Number);
    text = text.slice(0, -dotted[1]!.length) + `${((parts[0]! << 8) | parts[1]!).toString(16)}:${((parts[2]! << 8) | parts[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < 0 || (halves.length === 1 && head.length !== 8)) return null;
  const groups = [...head, ...Array<string>(fill).fill('0'), ...tail].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}
