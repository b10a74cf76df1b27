import { describe, expect, it } from 'vitest';
import { BuildError, DockerUnreachableError } from '../../../src/build/build-errors.js';
import { classifyDockerError, dockerErrorMessage } from '../../../src/build/classify-docker-error.js';
import { ConflictError } from '../../../src/shared/errors.js';

const context = { endpoint: 'unix:///var/run/docker.sock', image: 'slipway/shop:0123456789ab', doing: 'building slipway/shop:0123456789ab' };
const sysError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('classifyDockerError', () => {
  it('turns connection failures into DOCKER_UNREACHABLE, retried without a person', () => {
    const e = classifyDockerError(sysError('ECONNREFUSED', 'connect ECONNREFUSED /var/run/docker.sock'), context);
    expect(e).toBeInstanceOf(DockerUnreachableError);
    expect(e).toMatchObject({ code: 'DOCKER_UNREACHABLE', needsPerson: false, status: 503 });
    expect(e.message).toBe('Docker is not reachable at unix:///var/run/docker.sock: the connection was refused (is the Docker Engine running?) (ECONNREFUSED)');
    expect(classifyDockerError(sysError('EACCES', 'connect EACCES'), context).message).toMatch(/permission denied/);
    expect(classifyDockerError(sysError('ECONNRESET', 'aborted'), context).code).toBe('DOCKER_UNREACHABLE');
  });

  it("keeps Docker's own words for errors the engine answered with", () => {
    const http = Object.assign(new Error('(HTTP code 400) unexpected - dockerfile parse error line 3: unknown instruction: BOGUS '), { statusCode: 400 });
    expect(dockerErrorMessage(http)).toBe('dockerfile parse error line 3: unknown instruction: BOGUS');
    const e = classifyDockerError(http, context);
    expect(e).toBeInstanceOf(BuildError);
    expect(e).toMatchObject({ code: 'BUILD_FAILED', needsPerson: true, image: context.image });
    expect(e.message).toBe('building slipway/shop:0123456789ab failed: dockerfile parse error line 3: unknown instruction: BOGUS');
  });

  it('passes Slipway errors through unchanged', () => {
    const original = new ConflictError('x');
    expect(classifyDockerError(original, context)).toBe(original);
  });
});
