// A unix socket that forwards every connection to the real Docker Engine's socket, and can be taken away and
// brought back: to Slipway, which knows Docker only by its socket, that is the Docker Engine stopping and
// starting, without stopping the engine other tests share.
import { rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface DockerForwarder {
  /** The socket to give Slipway (SLIPWAY_DOCKER_SOCKET). */
  readonly socketPath: string;
  /** Listens (again): "Docker is back". */
  start(): Promise<void>;
  /** Cuts every open connection and removes the socket, as a stopping dockerd does: "Docker is down". */
  stop(): Promise<void>;
}

export function createDockerForwarder(socketPath: string, target = '/var/run/docker.sock'): DockerForwarder {
  let server: Server | undefined;
  const open = new Set<Socket>();
  const track = (s: Socket) => {
    open.add(s);
    s.once('close', () => open.delete(s));
  };
  return {
    socketPath,
    async start() {
      if (server) return;
      rmSync(socketPath, { force: true });
      const s = createServer((client) => {
        const engine = connect(target);
        track(client);
        track(engine);
        client.on('error', () => engine.destroy());
        engine.on('error', () => client.destroy());
        client.pipe(engine).pipe(client);
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(socketPath, () => resolve());
      });
      server = s;
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      for (const c of open) c.destroy();
      await closed;
      rmSync(socketPath, { force: true });
    },
  };
}
