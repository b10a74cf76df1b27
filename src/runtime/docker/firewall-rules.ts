// The iptables rules that keep the containers of one of Slipway's networks (apps and builds) away from the host's
// own services and from private networks, while they still reach the internet. Pure: the firewall applies them.
//
// Two chains of Slipway's own hold every network's rules, each rule naming the network's bridge (`-i sw-…`) and
// commented `slipway:NETWORK`, so `iptables -S SLIPWAY-INPUT` reads as a list per network and a network's rules
// are removed together:
//   INPUT       → SLIPWAY-INPUT    what containers send to the host itself (its API, SSH, databases): dropped
//   DOCKER-USER → SLIPWAY-FORWARD  what they send through it to private ranges (LAN, cloud metadata): dropped
// RETURN means "not Slipway's business": the host's and Docker's own rules decide, so Slipway only ever narrows.

export const FIREWALL_CHAINS = { input: 'SLIPWAY-INPUT', forward: 'SLIPWAY-FORWARD' } as const;

/** Where Slipway's chains are jumped to from: the host's INPUT, and Docker's chain for user rules in FORWARD. */
export const FIREWALL_JUMPS = [
  { from: 'INPUT', to: FIREWALL_CHAINS.input },
  { from: 'DOCKER-USER', to: FIREWALL_CHAINS.forward },
] as const;

/** RFC 1918, link-local (cloud metadata at 169.254.169.254) and carrier-grade NAT (RFC 6598). */
export const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'] as const;

export interface FirewallNetwork {
  /** The Docker network's name, in each rule's comment. */
  name: string;
  /** Its bridge interface (`sw-…`, or `br-ID` for a network made before bridges were named). */
  bridge: string;
}

/** Each rule as the arguments that follow `-A CHAIN` (or `-C CHAIN`, `-D CHAIN`). */
export interface FirewallRules {
  input: string[][];
  forward: string[][];
}

/**
 * The rules of one network. `nameservers` are the host's (IPv4, not loopback): Docker's embedded resolver
 * (127.0.0.11 in the container) forwards queries from the container's own network namespace (Docker 20.10), so
 * they leave through the bridge like any other packet, and the host's resolver is often on a private address
 * (a LAN router, a cloud's 10.x or 169.254.169.253) or on the host itself. Nothing else is needed of the host:
 * replies to the host's own connections (the proxy, health probes on published ports) are ESTABLISHED.
 */
export function firewallRules(network: FirewallNetwork, nameservers: readonly string[]): FirewallRules {
  const own = (target: 'RETURN' | 'DROP', ...match: string[]) => [
    '-i',
    network.bridge,
    ...match,
    '-m',
    'comment',
    '--comment',
    `slipway:${network.name}`,
    '-j',
    target,
  ];
  const established = own('RETURN', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED');
  const dns = nameservers.flatMap((ns) => ['udp', 'tcp'].map((proto) => own('RETURN', '-d', `${ns}/32`, '-p', proto, '--dport', '53')));
  return {
    input: [established, ...dns, own('DROP')],
    forward: [
      established,
      // Within the network, Docker's own setting decides (inter-container traffic is off on the build network).
      own('RETURN', '-o', network.bridge),
      ...dns,
      ...PRIVATE_RANGES.map((range) => own('DROP', '-d', range)),
    ],
  };
}

/** The IPv4 nameservers of a resolv.conf that containers' queries are sent to (loopback ones are never used by Docker). */
export function parseNameservers(resolvConf: string): string[] {
  const found = new Set<string>();
  for (const m of resolvConf.matchAll(/^\s*nameserver\s+(\d{1,3}(?:\.\d{1,3}){3})\s*$/gm)) if (!m[1]!.startsWith('127.')) found.add(m[1]!);
  return [...found];
}

/** Splits a line of `iptables -S` into arguments (comments may be quoted). */
export function splitRuleLine(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** The bridge a rule line of Slipway's chains names (`-i IFACE`), or null. */
export function bridgeOfRule(line: string): string | null {
  const args = splitRuleLine(line);
  const i = args.indexOf('-i');
  return i >= 0 ? (args[i + 1] ?? null) : null;
}
