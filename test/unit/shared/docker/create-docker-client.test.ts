import { describe, expect, it } from 'vitest';
import { createDockerClient, describeDockerClient, describeDockerEndpoint } from '../../../../src/shared/docker/create-docker-client.js';

describe('describeDockerEndpoint', () => {
  it('names the socket or host people configured', () => {
    expect(describeDockerEndpoint({})).toBe('unix:///var/run/docker.sock');
    expect(describeDockerEndpoint({ socketPath: '/run/user/1000/docker.sock' })).toBe('unix:///run/user/1000/docker.sock');
    expect(describeDockerEndpoint({ host: 'unix:///tmp/d.sock' })).toBe('unix:///tmp/d.sock');
    expect(describeDockerEndpoint({ host: 'tcp://10.0.0.5:2375' })).toBe('tcp://10.0.0.5:2375');
    expect(describeDockerEndpoint({ host: '10.0.0.5' })).toBe('tcp://10.0.0.5:2375');
    // SLIPWAY_DOCKER_SOCKET wins over DOCKER_HOST.
    expect(describeDockerEndpoint({ socketPath: '/a.sock', host: 'tcp://10.0.0.5:2375' })).toBe('unix:///a.sock');
  });

  it('refuses hosts it cannot talk to', () => {
    expect(() => describeDockerEndpoint({ host: 'ssh://me@box' })).toThrow(
      expect.objectContaining({ code: 'CONFIG', message: expect.stringContaining('ssh is not supported') }),
    );
  });
});

describe('createDockerClient', () => {
  it('connects where configuration says, whatever DOCKER_HOST this process has', () => {
    const before = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'tcp://192.0.2.1:2375';
    try {
      const local = createDockerClient({ socketPath: '/tmp/x.sock' });
      expect(local.modem).toMatchObject({ socketPath: '/tmp/x.sock', host: undefined });
      expect(describeDockerClient(local)).toBe('unix:///tmp/x.sock');
      const remote = createDockerClient({ host: 'tcp://127.0.0.1:12375' });
      expect(remote.modem).toMatchObject({ host: '127.0.0.1', port: 12375, protocol: 'http' });
      expect(describeDockerClient(remote)).toBe('tcp://127.0.0.1:12375');
    } finally {
      if (before === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = before;
    }
  });
});
