// MCP tools for apps as a whole: list, create (and wait for its first preview), show with environments, delete
// (admins only, marked destructive).
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { toAppView } from '../../domain/app-view.js';
import { previewEnvironment } from '../../domain/environments.js';
import { InvalidInputError } from '../../shared/errors.js';
import { domainAnswer } from '../api-records.js';
import { environmentViews } from '../view-models/environment-views.js';
import { defineTool, ok, type McpToolContext } from './define-tool.js';
import { appField, existingApp } from './mcp-inputs.js';
import { visibleApps } from './mcp-access.js';
import { waitForEnvironment } from './wait-for-environment.js';

export function registerAppTools(server: McpServer, ctx: McpToolContext): void {
  const { pipeline } = ctx;
  const { read } = pipeline;
  const templates = read.templates.map((t) => t.name);

  defineTool(server, ctx, {
    name: 'list_apps',
    title: 'List apps',
    description: 'List every app on this Slipway server with its template, clone URL and environment URLs.',
    input: {},
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: async () => ok({ apps: visibleApps(ctx.principal, read.store.apps.list()).map((a) => toAppView(read.config, a)) }),
  });

  defineTool(server, ctx, {
    name: 'create_app',
    title: 'Create an app',
    description: `Create an app from a template (${read.templates.map((t) => `${t.name}: ${t.title}`).join('; ')}) and wait for its first preview to go live; then use describe_change to change it.`,
    input: {
      name: z.string().min(1).max(63).describe('New app name: lowercase letters, digits and "-", 1–40 characters, starting with a letter.'),
      template: z
        .string()
        .min(1)
        .describe(`Template to start from: one of ${templates.join(', ')}.`),
      description: z.string().max(500).optional().describe('One sentence saying what the app is for.'),
      waitSeconds: z.number().int().min(0).max(600).optional().describe('How long to wait for the first preview (default 180; 0 answers at once).'),
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    run: async (args, extra) => {
      const app = await pipeline.createApp({ name: args.name, template: args.template, description: args.description ?? '' }, ctx.principal.actor);
      const preview = previewEnvironment(read.config.environments);
      const deployment =
        preview && (args.waitSeconds ?? 180) > 0
          ? await waitForEnvironment(read, app.name, preview.name, (args.waitSeconds ?? 180) * 1000, extra.signal)
          : undefined;
      const view = toAppView(read.config, app);
      return ok({
        app: { ...view, commit: app.commit },
        preview: preview
          ? {
              url: view.environments.find((e) => e.name === preview.name)?.url ?? null,
              status: deployment?.status ?? 'queued',
              live: deployment?.status === 'live',
              ...(deployment?.reason ? { reason: deployment.reason } : {}),
            }
          : null,
      });
    },
  });

  defineTool(server, ctx, {
    name: 'get_app',
    title: 'Show an app',
    description: "Show an app: each environment's URL, the commit it should run and the one it runs, its status and release, and custom domains.",
    input: { app: appField },
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: async (args) => {
      const name = existingApp(read, args.app);
      const record = read.store.apps.get(name)!;
      return ok({
        app: toAppView(read.config, record),
        environments: await environmentViews(read, name),
        domains: read.store.domains.listForApp(name).map((d) => domainAnswer(d, read.certificateState)),
      });
    },
  });

  defineTool(server, ctx, {
    name: 'delete_app',
    title: 'Delete an app',
    description: 'Delete an app for good: what runs, its git repo, its records and its images. Cannot be undone; pass the app name again as confirm.',
    input: { app: appField, confirm: z.string().describe('The app name again, to confirm the deletion.') },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    run: async (args) => {
      const name = existingApp(read, args.app);
      if (args.confirm !== name) throw new InvalidInputError(`confirm must be the app name "${name}" to delete it`);
      await pipeline.deleteApp(name, ctx.principal.actor);
      return ok({ deleted: name });
    },
  });
}
