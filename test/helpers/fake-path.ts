// A PATH folder holding only the named system tools (symlinks) and optional fake ones (shell scripts): for
// running the project's shell scripts as on a machine that lacks a tool.
import { chmodSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

export function pathWith(tools: string[], fakes: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-path-'));
  made.push(dir);
  chmodSync(dir, 0o755); // usable by another user too (a script run as `nobody`)
  for (const tool of tools) {
    for (const base of ['/usr/bin', '/bin', '/usr/local/bin', '/usr/sbin', '/sbin']) {
      try {
        symlinkSync(realpathSync(join(base, tool)), join(dir, tool));
        break;
      } catch {
        // not in this folder
      }
    }
  }
  for (const [name, body] of Object.entries(fakes)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

/** Removes every folder `pathWith` made (call from afterAll). */
export function removeFakePaths(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}
