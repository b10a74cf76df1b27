// A web app over the fake pipeline with one person per role on the apps given: an outsider (a role on another app
// only), a viewer, a developer, a releaser and an admin, each with a token of their own and a signed-in cookie.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLI_ACTOR } from '../../src/domain/actor.js';
import type { Role } from '../../src/domain/authorize.js';
import { createWebApp, type WebApp } from '../../src/web/create-web-app.js';
import { createFakePipeline, type FakePipeline, type FakePipelineOptions } from './fake-pipeline.js';
import { signInCookie } from './sign-in.js';

export type Who = 'outsider' | Role | 'admin';
export const WHO: readonly Who[] = ['outsider', 'viewer', 'developer', 'releaser', 'admin'];

export interface PeopleFixture {
  fp: FakePipeline;
  app: WebApp;
  server: Server;
  base: string;
  origin: string;
  token: Record<Who, string>;
  cookie: Record<Who, string>;
  close(): Promise<void>;
}

/** `apps` are created first; `other` is the outsider's app (they see nothing of the others). */
export async function createPeopleFixture(
  apps: readonly string[],
  options: FakePipelineOptions & { hookEnv?: (port: number) => Record<string, string> } = {},
): Promise<PeopleFixture> {
  const fp = await createFakePipeline(options);
  for (const name of [...apps, 'other']) await fp.createApp(name, 'static-site');
  let port = 0;
  const app = createWebApp({
    pipeline: fp.pipeline,
    hookSecret: 'people-fixture-hook-secret',
    hookEnv: () => options.hookEnv?.(port) ?? {},
    strictViews: true,
  });
  const server = createServer(app.callback());
  // With SLIPWAY_PORT set, the server listens there: a browser's Origin is then one the UI trusts.
  await new Promise<void>((resolve) => server.listen(Number(options.env?.SLIPWAY_PORT ?? 0), '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  const origin = new URL(fp.config.publicUrl).origin;
  const { people } = fp.pipeline;
  const token = {} as Record<Who, string>;
  const cookie = {} as Record<Who, string>;
  for (const w of WHO) {
    const person = w === 'admin' ? people.find('admin') : people.create({ name: w }, CLI_ACTOR);
    if (w === 'outsider') people.grant(person.id, 'other', 'releaser', CLI_ACTOR);
    else if (w !== 'admin') for (const a of apps) people.grant(person.id, a, w, CLI_ACTOR);
    token[w] = people.createToken({ name: `${w}-laptop`, personId: person.id }, CLI_ACTOR).token;
    cookie[w] = await signInCookie(base, origin, token[w]);
  }
  return {
    fp,
    app,
    server,
    base,
    origin,
    token,
    cookie,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await fp.dispose();
    },
  };
}
