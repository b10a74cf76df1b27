import { describe, expect, it } from 'vitest';
import { imageName, imageParts } from '../../../src/build/image-name.js';

const sha = '0123456789abcdef0123456789abcdef01234567';

describe('imageName', () => {
  it('names local images slipway/APP:<sha12>', () => {
    expect(imageName('shop', sha)).toBe('slipway/shop:0123456789ab');
    expect(imageName('shop', sha, undefined)).toBe('slipway/shop:0123456789ab');
    expect(imageName('shop', sha, '')).toBe('slipway/shop:0123456789ab');
  });

  it('names registry images REGISTRY/APP:<sha12>', () => {
    expect(imageName('shop', sha, 'localhost:5050')).toBe('localhost:5050/shop:0123456789ab');
    expect(imageName('shop', sha, 'registry.example.com/team/')).toBe('registry.example.com/team/shop:0123456789ab');
    expect(imageParts('shop', sha, 'localhost:5050')).toEqual({ repository: 'localhost:5050/shop', tag: '0123456789ab' });
  });

  it('refuses what is not an app name or a full commit id', () => {
    expect(() => imageName('Shop', sha)).toThrow(/cannot name an image for app "Shop"/);
    expect(() => imageName('shop', sha.slice(0, 12))).toThrow(/expected 40 lowercase hex digits/);
    expect(() => imageName('shop', sha.toUpperCase())).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
