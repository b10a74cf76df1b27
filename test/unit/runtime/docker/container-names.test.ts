import { describe, expect, it } from 'vitest';
import { candidateName, networkName, retiredAt, retiredName, servingName } from '../../../../src/runtime/docker/container-names.js';

describe('Docker names', () => {
  it('differ for app a-b in environment c and app a in environment b-c', () => {
    expect(servingName('i1', 'a-b', 'c')).toBe('slipway_i1_a-b_c');
    expect(servingName('i1', 'a', 'b-c')).toBe('slipway_i1_a_b-c');
  });

  it('differ between installations for the same app and environment', () => {
    expect(servingName('i1', 'shop', 'preview')).not.toBe(servingName('i2', 'shop', 'preview'));
    expect(networkName('i1', 'shop')).not.toBe(networkName('i2', 'shop'));
  });

  it('tell a retired container of an environment from those of another that shares a prefix', () => {
    const serving = servingName('i1', 'shop', 'preview');
    expect(retiredAt(retiredName(serving, 1700000000000), serving)).toBe(1700000000000);
    // shop in preview-eu starts with the same characters; its retired container is not shop preview's.
    expect(retiredAt(retiredName(servingName('i1', 'shop', 'preview-eu'), 5), serving)).toBeNull();
    expect(retiredAt(candidateName(serving, 'dep_ABC1'), serving)).toBeNull();
    expect(candidateName(serving, 'dep_ABC1')).toBe('slipway_i1_shop_preview_depabc1');
  });
});
