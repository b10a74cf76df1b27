// The builder image (the Slipway server for Kubernetes) must hold every folder the server reads from its project
// root at start-up or while serving; one left out (static/, once) makes the image fail where nothing built it yet.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');

/** Every `join(…projectRoot, 'NAME'…)` in src/: the folders the server reads from its project root. */
function foldersTheServerReads(): string[] {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts')) for (const m of readFileSync(path, 'utf8').matchAll(/projectRoot, '([a-z0-9-]+)'/g)) found.add(m[1]!);
    }
  };
  walk(join(root, 'src'));
  return [...found].sort();
}

describe('the builder image', () => {
  it('copies, and lets through .dockerignore, every folder the server reads from its project root', () => {
    const folders = foldersTheServerReads();
    expect(folders).toEqual(expect.arrayContaining(['static', 'views', 'environments', 'hooks']));
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const ignore = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    for (const folder of folders) {
      // dist/ is built inside the image; everything else is copied as it is.
      if (folder === 'dist') expect(dockerfile).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
      else {
        expect(dockerfile, folder).toMatch(new RegExp(`^COPY ${folder} \\./${folder}$`, 'm'));
        expect(ignore, folder).toContain(`!${folder}/**`);
      }
    }
  });
});
