import { describe, expect, it } from 'vitest';
import { ExecError, MethodNotAllowedError, NotFoundError, SlipwayError } from '../../../src/shared/errors.js';
import { createLogger } from '../../../src/shared/log.js';
import { mapError } from '../../../src/web/map-error.js';

function mapped(e: unknown) {
  const lines: string[] = [];
  const answer = mapError(
    e,
    { method: 'GET', path: '/x' },
    createLogger('debug', 'test', (l) => void lines.push(l)),
  );
  return { answer, log: lines.join('') };
}

describe('mapError', () => {
  it('passes a client error’s own message and code through, with no request id', () => {
    expect(mapped(new NotFoundError('no app named shop')).answer).toEqual({
      status: 404,
      code: 'NOT_FOUND',
      message: 'no app named shop',
      requestId: null,
      headers: {},
    });
    expect(mapped(Object.assign(new Error('request entity too large'), { status: 413 })).answer).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(mapped(new MethodNotAllowedError('PUT', '/api/apps', ['GET', 'POST'])).answer).toMatchObject({ status: 405, headers: { Allow: 'GET, POST' } });
  });

  it('never answers a server error with its own text (a stderr tail, a path): that goes to the log under the request id', () => {
    const { answer, log } = mapped(new ExecError('git log', 128, 'fatal: not a git repository: /srv/slipway/repos/shop.git'));
    expect(answer).toMatchObject({ status: 500, code: 'EXEC' });
    expect(answer.message).not.toMatch(/fatal|\/srv/);
    expect(answer.message).toContain(answer.requestId!);
    expect(log).toContain(answer.requestId!);
    expect(log).toContain('/srv/slipway/repos/shop.git');
    expect(mapped(new TypeError('x is undefined at /srv/slipway/dist/a.js')).answer).toMatchObject({ status: 500, code: 'INTERNAL' });
  });

  it('says which service is away in fixed words', () => {
    const docker = mapped(new SlipwayError('DOCKER_UNREACHABLE', 'Docker is not reachable at unix:///run/secret.sock: …')).answer;
    expect(docker).toMatchObject({ status: 503, code: 'DOCKER_UNREACHABLE' });
    expect(docker.message).toMatch(/cannot reach Docker/);
    expect(docker.message).not.toContain('secret.sock');
    expect(mapped(new SlipwayError('NO_API_KEY', 'whatever')).answer.message).toMatch(/set ANTHROPIC_API_KEY/);
  });
});
