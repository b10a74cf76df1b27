// An app's settings (slipway.yaml) at a commit. A sha names the content, so what parsed once is remembered: the
// deploy, the job timers after every pass, and the pages read the same commit's settings without another git process.
import { parseAppSettings } from '../domain/parse-app-settings.js';
import type { AppSettings } from '../domain/types.js';
import { readFileAt } from '../git/read-file-at.js';

const FULL_SHA = /^[0-9a-f]{40}$/;
const MAX_REMEMBERED = 500;
const remembered = new Map<string, AppSettings>();

/** Throws InvalidInputError when the commit's slipway.yaml is not valid; defaults when it has none. */
export async function readAppSettings(gitdir: string, commit: string): Promise<AppSettings> {
  const known = remembered.get(commit);
  if (known) return known;
  const settings = parseAppSettings(await readFileAt(gitdir, commit, 'slipway.yaml'));
  if (FULL_SHA.test(commit)) {
    if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
    remembered.set(commit, settings);
  }
  return settings;
}

/** The cron schedule of a commit that is a scheduled job (null for web apps, or settings that do not parse). */
export async function readSchedule(gitdir: string, commit: string): Promise<string | null> {
  try {
    const settings = await readAppSettings(gitdir, commit);
    return settings.kind === 'job' ? (settings.schedule ?? null) : null;
  } catch {
    return null; // such a commit never went live
  }
}
