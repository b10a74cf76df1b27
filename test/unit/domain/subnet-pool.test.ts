import { describe, expect, it } from 'vitest';
import { formatCidr, overlaps, parseCidr, parseProcRoutes, pickSubnet, startFor } from '../../../src/domain/subnet-pool.js';

const net = (cidr: string) => parseCidr(cidr)!;

describe('subnet pool', () => {
  it('parses IPv4 CIDRs (host bits cleared) and refuses anything else', () => {
    expect(formatCidr(net('10.213.7.9/16'))).toBe('10.213.0.0/16');
    expect(formatCidr(net('0.0.0.0/0'))).toBe('0.0.0.0/0');
    for (const bad of ['10.213.0.0', '10.213.0.0/33', '256.1.1.1/8', 'fd00::/8', '10.213.0.0/16 junk']) expect(parseCidr(bad), bad).toBeNull();
  });

  it('knows overlaps either way round', () => {
    expect(overlaps(net('10.0.0.0/8'), net('10.213.0.64/26'))).toBe(true);
    expect(overlaps(net('10.213.0.64/26'), net('10.0.0.0/8'))).toBe(true);
    expect(overlaps(net('10.213.0.0/26'), net('10.213.0.64/26'))).toBe(false);
  });

  it('picks the first free /26, skipping what is taken, and says when the pool is full', () => {
    const pool = net('10.213.0.0/16');
    expect(pickSubnet(pool, [])).toBe('10.213.0.0/26');
    expect(pickSubnet(pool, [net('10.213.0.0/26'), net('10.213.0.128/25')])).toBe('10.213.0.64/26');
    expect(pickSubnet(pool, [net('10.213.0.0/24')])).toBe('10.213.1.0/26');
    expect(pickSubnet(net('10.213.0.0/25'), [net('10.213.0.0/26'), net('10.213.0.64/26')])).toBeNull();
    // A host route covering the whole pool (a VPN's 10.0.0.0/8) leaves nothing.
    expect(pickSubnet(pool, [net('10.0.0.0/8')])).toBeNull();
    expect(pickSubnet(net('10.213.0.0/27'), [])).toBeNull();
    // From a start (wrapping round the pool's end), so that two names seldom race for one subnet.
    expect(pickSubnet(pool, [], 5)).toBe('10.213.1.64/26');
    expect(pickSubnet(net('10.213.0.0/25'), [net('10.213.0.64/26')], 3)).toBe('10.213.0.0/26');
    expect(startFor('slipway-abc-shop')).toBe(startFor('slipway-abc-shop'));
    expect(startFor('slipway-abc-shop')).not.toBe(startFor('slipway-abc-blog'));
  });

  it("reads the host's routes from /proc/net/route, without the default route", () => {
    const text = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
      'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
      'wg0\t0000D50A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    ].join('\n');
    expect(parseProcRoutes(text).map(formatCidr)).toEqual(['172.17.0.0/16', '10.213.0.0/24']);
  });
});
