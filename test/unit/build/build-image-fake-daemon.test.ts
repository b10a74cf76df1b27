// Error paths that a healthy engine does not produce on demand, against a fake Docker Engine on a unix socket.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../../src/build/build-image.js';
import { createDockerClient } from '../../../src/shared/docker/create-docker-client.js';
import { makeBareRepo } from './make-bare-repo.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('buildImage against a fake engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-fake-docker-'));
  const socketPath = join(dir, 'docker.sock');
  let server: Server;
  let handler: Handler = (_req, res) => res.end();
  const requests: string[] = [];
  let repo: Awaited<ReturnType<typeof makeBareRepo>>;

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url?.split('?')[0]}`);
      // Drain the build context like the engine does before it answers.
      req.resume();
      req.on('end', () => handler(req, res));
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    repo = await makeBareRepo(join(dir, 'repo'), [{ path: 'Dockerfile', content: 'FROM scratch\n' }]);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (registry?: string) =>
    buildImage({
      docker: createDockerClient({ socketPath }),
      gitdir: repo.gitdir,
      app: 'fake',
      commit: repo.first,
      registry,
      buildArgs: {},
      logFile: join(dir, 'logs', `${Math.random()}.log`),
      onLine: () => undefined,
    });

  it('treats an engine that goes away mid-build as unreachable (retried later), not as a failed build', async () => {
    requests.length = 0;
    let buildUrl = '';
    handler = (req, res) => {
      if (req.url?.startsWith('/images/')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"No such image"}');
        return;
      }
      buildUrl = req.url ?? '';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"stream":"Step 1/1 : FROM scratch\\n"}\n');
      setTimeout(() => res.socket?.destroy(), 50);
    };
    await expect(run()).rejects.toMatchObject({
      code: 'DOCKER_UNREACHABLE',
      needsPerson: false,
      message: expect.stringMatching(new RegExp(`^Docker is not reachable at unix://${socketPath}: the connection was lost`)),
    });
    expect(requests).toEqual([`GET /images/slipway/fake:${repo.first.slice(0, 12)}/json`, 'POST /build']);
    const query = new URLSearchParams(buildUrl.split('?')[1]);
    expect(Object.fromEntries(query)).toEqual({
      t: `slipway/fake:${repo.first.slice(0, 12)}`,
      buildargs: '{}',
      rm: 'true',
      forcerm: 'true',
      pull: 'false',
      version: '1',
    });
  });

  it('fails the build when the push reports an error inside its 200 stream', async () => {
    requests.length = 0;
    const pushed: Record<string, string | undefined> = {};
    let built = false;
    handler = (req, res) => {
      const path = req.url?.split('?')[0] ?? '';
      if (path.endsWith('/json')) {
        if (built) res.writeHead(200, { 'content-type': 'application/json' }).end('{"Id":"sha256:abc"}');
        else res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"No such image"}');
      } else if (path === '/build') {
        built = true;
        res.writeHead(200).end('{"stream":"Successfully built abc\\n"}\n');
      } else {
        pushed.url = req.url;
        pushed.auth = req.headers['x-registry-auth'] as string | undefined;
        res
          .writeHead(200)
          .end(
            '{"status":"The push refers to repository [localhost:5050/fake]"}\n{"errorDetail":{"message":"connection refused"},"error":"connection refused"}\n',
          );
      }
    };
    await expect(run('localhost:5050')).rejects.toMatchObject({
      code: 'BUILD_FAILED',
      needsPerson: false,
      message: `pushing localhost:5050/fake:${repo.first.slice(0, 12)} failed: connection refused`,
    });
    expect(pushed.url).toBe(`/images/localhost:5050/fake/push?tag=${repo.first.slice(0, 12)}`);
    expect(Buffer.from(pushed.auth ?? '', 'base64').toString()).toBe('{}');
  });
});
