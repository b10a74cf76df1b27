import { describe, expect, it } from 'vitest';
import { RESERVED_APP_NAMES } from '../../../../src/domain/app-name.js';
import { bridgeName, buildNetworkName, networkName } from '../../../../src/runtime/docker/container-names.js';
import { bridgeOfRule, firewallRules, parseNameservers, splitRuleLine } from '../../../../src/runtime/docker/firewall-rules.js';

const net = { name: 'slipway_i1_shop', bridge: 'sw-0123456789ab' };
const line = (rule: string[]) => rule.join(' ');

describe('the firewall rules of a network', () => {
  it('let replies and DNS to the host through, then drop everything else sent to the host', () => {
    expect(firewallRules(net, ['10.255.255.53']).input.map(line)).toEqual([
      '-i sw-0123456789ab -m conntrack --ctstate ESTABLISHED,RELATED -m comment --comment slipway:slipway_i1_shop -j RETURN',
      '-i sw-0123456789ab -d 10.255.255.53/32 -p udp --dport 53 -m comment --comment slipway:slipway_i1_shop -j RETURN',
      '-i sw-0123456789ab -d 10.255.255.53/32 -p tcp --dport 53 -m comment --comment slipway:slipway_i1_shop -j RETURN',
      '-i sw-0123456789ab -m comment --comment slipway:slipway_i1_shop -j DROP',
    ]);
  });

  it('drop what is forwarded to private ranges, after replies, the same network and DNS', () => {
    const forward = firewallRules(net, ['10.255.255.53']).forward.map(line);
    const targets = forward.map((r) => r.replace('-i sw-0123456789ab ', '').replace(' -m comment --comment slipway:slipway_i1_shop', ''));
    expect(targets).toEqual([
      '-m conntrack --ctstate ESTABLISHED,RELATED -j RETURN',
      '-o sw-0123456789ab -j RETURN',
      '-d 10.255.255.53/32 -p udp --dport 53 -j RETURN',
      '-d 10.255.255.53/32 -p tcp --dport 53 -j RETURN',
      '-d 10.0.0.0/8 -j DROP',
      '-d 172.16.0.0/12 -j DROP',
      '-d 192.168.0.0/16 -j DROP',
      '-d 169.254.0.0/16 -j DROP',
      '-d 100.64.0.0/10 -j DROP',
    ]);
    // Every rule names the bridge, so the network's rules are found and removed together.
    for (const rule of forward) expect(bridgeOfRule(`-A SLIPWAY-FORWARD ${rule}`)).toBe(net.bridge);
  });

  it('need no DNS exception when the host has no usable nameserver', () => {
    expect(firewallRules(net, []).input).toHaveLength(2);
    expect(firewallRules(net, []).forward).toHaveLength(7);
  });
});

describe('nameservers of a resolv.conf', () => {
  it('are the IPv4 ones that are not loopback', () => {
    expect(parseNameservers('# comment\nnameserver 127.0.0.53\nnameserver 192.168.1.1\nnameserver ::1\nsearch lan\nnameserver 8.8.8.8\n')).toEqual([
      '192.168.1.1',
      '8.8.8.8',
    ]);
  });
});

describe('a line of iptables -S', () => {
  it('splits into the arguments that delete it, quoted comments included', () => {
    expect(splitRuleLine('-A SLIPWAY-INPUT -i sw-x -m comment --comment "slipway:a b" -j DROP')).toEqual([
      '-A',
      'SLIPWAY-INPUT',
      '-i',
      'sw-x',
      '-m',
      'comment',
      '--comment',
      'slipway:a b',
      '-j',
      'DROP',
    ]);
    expect(bridgeOfRule('-A SLIPWAY-INPUT -j DROP')).toBeNull();
  });
});

describe('names of networks and bridges', () => {
  it('give the build network a name no app network can have', () => {
    expect(RESERVED_APP_NAMES).toContain('builder');
    expect(buildNetworkName('i1')).toBe(networkName('i1', 'builder'));
  });

  it('give each network a bridge name Linux accepts (15 characters at most), different per network', () => {
    expect(bridgeName('slipway_i1_shop')).toMatch(/^sw-[0-9a-f]{12}$/);
    expect(bridgeName('slipway_i1_shop')).not.toBe(bridgeName('slipway_i2_shop'));
  });
});
