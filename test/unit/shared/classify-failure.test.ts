import { describe, expect, it } from 'vitest';
import { BuildError } from '../../../src/build/build-errors.js';
import { DockerUnreachableError } from '../../../src/shared/docker/docker-unreachable.js';
import { classifyFailure, isTransientMessage } from '../../../src/shared/classify-failure.js';

describe('classifyFailure', () => {
  it('retries what the network or the engine caused', () => {
    expect(classifyFailure(new DockerUnreachableError('unix:///var/run/docker.sock', 'refused'))).toBe('retryable');
    const pull = 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.0.0.1:53: no such host';
    expect(classifyFailure(new BuildError('slipway/a:1', `building slipway/a:1 failed: ${pull}`))).toBe('retryable');
    expect(classifyFailure(new Error('getaddrinfo EAI_AGAIN registry.local'))).toBe('retryable');
    expect(classifyFailure(new Error('net/http: TLS handshake timeout'))).toBe('retryable');
  });

  it('retries whatever was cut short from outside, whatever it says', () => {
    expect(classifyFailure(new BuildError('slipway/a:1', "The command '/bin/sh -c make' returned a non-zero code: 137"), true)).toBe('retryable');
  });

  it('asks a person when the code or its configuration failed', () => {
    expect(classifyFailure(new BuildError('slipway/a:1', "building failed: The command '/bin/sh -c curl x' returned a non-zero code: 6"))).toBe('needs-person');
    expect(classifyFailure(new BuildError('slipway/a:1', 'dockerfile parse error line 3: unknown instruction: COPPY'))).toBe('needs-person');
    expect(classifyFailure(new BuildError('slipway/a:1', 'pull access denied for nope, repository does not exist'))).toBe('needs-person');
    expect(classifyFailure(new Error('/health did not answer 200 after 20 attempts'))).toBe('needs-person');
  });

  it('never reads a failing command as a network failure, whatever its output said', () => {
    expect(isTransientMessage("The command '/bin/sh -c pip install x' returned a non-zero code: 1 (connection refused)")).toBe(false);
  });
});
