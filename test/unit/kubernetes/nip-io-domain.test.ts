import { describe, expect, it } from 'vitest';
import { nipIoDomain } from '../../../src/runtime/kubernetes/nip-io-domain.js';

describe('nipIoDomain', () => {
  it('turns a public IPv4 address into a nip.io domain with dashes', () => {
    expect(nipIoDomain('203.0.113.7')).toBe('203-0-113-7.nip.io');
    expect(nipIoDomain(' 54.12.0.255\n')).toBe('54-12-0-255.nip.io');
  });
  it('refuses what is not an IPv4 address', () => {
    for (const bad of ['', 'localhost', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '::1', '1.2.3.4/32']) {
      expect(() => nipIoDomain(bad), bad).toThrow(/not an IPv4 address/);
    }
  });
});
