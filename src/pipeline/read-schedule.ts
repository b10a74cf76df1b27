// The cron schedule of a commit that is a scheduled job (null for web apps, or settings that do not parse).
import { parseAppSettings } from '../domain/parse-app-settings.js';
import { readFileAt } from '../git/read-file-at.js';

export async function readSchedule(gitdir: string, commit: string): Promise<string | null> {
  try {
    const settings = parseAppSettings(await readFileAt(gitdir, commit, 'slipway.yaml'));
    return settings.kind === 'job' ? (settings.schedule ?? null) : null;
  } catch {
    return null; // such a commit never went live
  }
}
