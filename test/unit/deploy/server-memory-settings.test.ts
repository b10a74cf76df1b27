// The three ways the server is started for real (the systemd unit, `npm start`, the container image) give it the
// same memory settings (ARCHITECTURE.md, "Server memory"); the memory bench starts it the same way. A launcher that
// forgets them costs about 20 MB of resident memory, idle or busy, and nothing else would say so.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

describe('server memory settings', () => {
  it('the systemd unit passes the young-generation flag to node and sets MALLOC_ARENA_MAX', () => {
    const unit = read('deploy/slipway.service');
    expect(unit).toMatch(/^ExecStart=@NODE@ --max-semi-space-size=1 @PREFIX@\/dist\/src\/main\.js serve$/m);
    expect(unit).toMatch(/^Environment=MALLOC_ARENA_MAX=2$/m);
  });

  it('npm start does the same, and leaves a MALLOC_ARENA_MAX of the person’s own alone', () => {
    const script = read('scripts/start.sh');
    expect(script).toMatch(/^exec node --max-semi-space-size=1 dist\/src\/main\.js serve "\$@"$/m);
    expect(script).toMatch(/^export MALLOC_ARENA_MAX="\$\{MALLOC_ARENA_MAX:-2\}"$/m);
  });

  it('the container image does the same', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toContain('ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=1", "dist/src/main.js"]');
    expect(dockerfile).toMatch(/^\s+MALLOC_ARENA_MAX=2$/m);
  });

  it('the memory bench measures the server started that way', () => {
    const bench = read('test/bench/concurrent-pushes.ts');
    expect(bench).toContain("const SERVICE_NODE_FLAGS = ['--max-semi-space-size=1'];");
    expect(bench).toContain("const SERVICE_ENV = { MALLOC_ARENA_MAX: '2' };");
  });
});
