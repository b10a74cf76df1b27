// The real web app over a fake pipeline, served on a free 127.0.0.1 port: what the in-process web tests share.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebApp, type WebAppOptions } from '../../src/web/create-web-app.js';
import type { FakePipeline } from './fake-pipeline.js';

export interface ServedWebApp {
  server: Server;
  /** `http://127.0.0.1:PORT` */
  base: string;
}

/** Serves `createWebApp` over `fp` (strict views, no git hooks unless `options` gives them). */
export async function serveWebApp(fp: FakePipeline, options: Partial<WebAppOptions> = {}): Promise<ServedWebApp> {
  const app = createWebApp({ pipeline: fp.pipeline, hookSecret: 'unused-in-this-test', hookEnv: () => ({}), strictViews: true, ...options });
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Closes what `serveWebApp` served, then the fake pipeline; either may be missing when `beforeAll` failed. */
export async function stopWebApp(server: Server | undefined, fp: FakePipeline | undefined): Promise<void> {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await fp?.dispose();
}
