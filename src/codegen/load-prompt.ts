// Reads a template's system prompt, prompts/TEMPLATE.md, as plain text. It is data: it goes to the
// model exactly as written and never through a template engine, so nothing in it is evaluated.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../shared/errors.js';

export const DEFAULT_PROMPT = 'default';

/** The text of `promptsDir/TEMPLATE.md`, or of `promptsDir/default.md` when the template has none. */
export async function loadPrompt(promptsDir: string, template: string): Promise<string> {
  // Template names come from app records; checked anyway, so a name can never walk out of promptsDir.
  if (/^[a-z0-9][a-z0-9-]{0,62}$/.test(template)) {
    const own = await readIfExists(join(promptsDir, `${template}.md`));
    if (own !== null) return own;
  }
  const fallback = await readIfExists(join(promptsDir, `${DEFAULT_PROMPT}.md`));
  if (fallback === null)
    throw new ConfigError(`no system prompt for template "${template.slice(0, 64)}": ${join(promptsDir, `${DEFAULT_PROMPT}.md`)} is missing`);
  return fallback;
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError(`cannot read ${file}: ${(e as Error).message}`);
  }
}
