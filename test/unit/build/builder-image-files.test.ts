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
      else if (path.endsWith('.ts')) for (const m of readFileSync(path, 'utf8').matchAll(/projectRoot, '([a-z0-9_-]+)'/g)) found.add(m[1]!);
    }
  };
  walk(join(root, 'src'));
  return [...found].sort();
}

describe('the builder image', () => {
  it('copies, and lets through .dockerignore, every folder the server reads from its project root', () => {
    const folders = foldersTheServerReads();
    expect(folders).toEqual(expect.arrayContaining(['static', 'views', 'environments', 'hooks', 'node_modules']));
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const ignore = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    for (const folder of folders) {
      // dist/ and node_modules/ (UI assets under /static/vendor/) come from the build stage; the rest is copied as it is.
      if (folder === 'dist' || folder === 'node_modules') expect(dockerfile).toMatch(new RegExp(`^COPY --from=build /app/${folder} \\./${folder}$`, 'm'));
      else {
        expect(dockerfile, folder).toMatch(new RegExp(`^COPY ${folder} \\./${folder}$`, 'm'));
        expect(ignore, folder).toContain(`!${folder}/**`);
      }
    }
  });

  it('copies package.json: it marks the project root and makes dist/ ES modules', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { type?: string };
    expect(pkg.type).toBe('module');
    expect(readFileSync(join(root, 'src', 'config', 'project-root.ts'), 'utf8')).toContain("'package.json'");
    const stages = readFileSync(join(root, 'Dockerfile'), 'utf8').split(/^FROM /m);
    expect(stages.at(-1)).toMatch(/^COPY package\.json \.\/$/m);
    expect(readFileSync(join(root, '.dockerignore'), 'utf8').split('\n')).toContain('!package.json');
  });
});
