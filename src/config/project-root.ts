// Where the project's data folders (hooks/, environments/, views/, app-templates/, prompts/) are, from src/ or dist/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function findProjectRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'environments'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the Slipway project folder above ${from}`);
    dir = up;
  }
}
