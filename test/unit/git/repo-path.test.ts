import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../../../src/git/repo-path.js';

describe('repoPath', () => {
  it('puts an app’s repo directly in DATA_DIR/repos', () => {
    expect(repoPath('/srv/slipway', 'shop')).toBe(join('/srv/slipway', 'repos', 'shop.git'));
    expect(repoPath('data', 'shop')).toBe(join('data', 'repos', 'shop.git'));
  });

  it('refuses a name that would lead anywhere else', () => {
    for (const name of ['../shop', '../../etc/x', 'a/b', 'a/../b', '/etc/x', '', 'x\0y']) {
      expect(() => repoPath('/srv/slipway', name), JSON.stringify(name)).toThrow(expect.objectContaining({ code: 'INVALID_APP_NAME', status: 400 }));
    }
  });
});
