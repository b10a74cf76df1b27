// The arguments MCP tools share (an app, an environment, a log's length) as zod fields with the descriptions an
// agent reads, and their checks against what exists: the same rules and messages as the API's.
import { z } from 'zod';
import { parseAppName } from '../../domain/app-name.js';
import type { AppName } from '../../domain/types.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import { NotFoundError } from '../../shared/errors.js';

export const appField = z.string().min(1).max(63).describe('The app name, as list_apps shows it (e.g. "shop").');
export const environmentField = z
  .string()
  .min(1)
  .max(63)
  .optional()
  .describe('Environment name: "preview" (follows main) or "prod" (production); default preview.');
export const linesField = z.number().int().min(1).max(5000).optional().describe('How many of the last lines to return (default 200).');
export const wholeField = z.boolean().optional().describe('Return the whole log (up to 1 MiB, its end kept) instead of the last lines.');

export function existingApp(read: Pick<PipelineReads, 'store'>, name: string): AppName {
  const app = parseAppName(name);
  if (!read.store.apps.get(app)) throw new NotFoundError(`no app named ${app} (list_apps shows the apps there are)`);
  return app;
}

export function knownEnvironment(read: Pick<PipelineReads, 'config'>, name: string | undefined): string {
  const env = name ?? 'preview';
  const names = read.config.environments.map((e) => e.name);
  if (!names.includes(env)) throw new NotFoundError(`no environment named ${env} (there are ${names.join(', ')})`);
  return env;
}
