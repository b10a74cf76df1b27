import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { classifyApiError } from '../../../src/codegen/classify-api-error.js';

const ctx = { streamStarted: false, attempts: 3, baseURL: 'http://127.0.0.1:9', model: 'claude-sonnet-5-5' };
const status = (code: number, type: string, message = 'm') =>
  Anthropic.APIError.generate(code, { type: 'error', error: { type, message } }, undefined, new Headers());

describe('classifyApiError', () => {
  it('names each failure in words a person understands', () => {
    expect(classifyApiError(status(401, 'authentication_error'), ctx)).toMatchObject({
      code: 'KEY_REFUSED',
      retryTurn: false,
      message: expect.stringMatching(/^the API key was refused/),
    });
    expect(classifyApiError(status(429, 'rate_limit_error'), ctx)).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/tried 3 times/) });
    expect(classifyApiError(status(529, 'overloaded_error'), ctx)).toMatchObject({ code: 'OVERLOADED' });
    expect(classifyApiError(status(404, 'not_found_error', 'model: nope'), ctx)).toMatchObject({
      code: 'API_ERROR',
      message: expect.stringMatching(/SLIPWAY_MODEL/),
    });
    expect(classifyApiError(status(500, 'api_error'), ctx)).toMatchObject({ code: 'API_ERROR', retryTurn: false });
    expect(classifyApiError(new Anthropic.APIConnectionError({ cause: new Error('fetch failed') }), ctx)).toMatchObject({
      code: 'UNREACHABLE',
      message: expect.stringContaining('http://127.0.0.1:9'),
    });
    expect(classifyApiError(new Anthropic.APIUserAbortError(), ctx)).toMatchObject({ code: 'ABORTED' });
  });

  it('retries the turn for errors inside a stream only', () => {
    const midStream = new Anthropic.APIError(
      undefined,
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      undefined,
      new Headers(),
      'overloaded_error',
    );
    expect(classifyApiError(midStream, { ...ctx, streamStarted: true })).toMatchObject({ code: 'OVERLOADED', retryTurn: true });
    expect(classifyApiError(new Anthropic.AnthropicError('terminated'), { ...ctx, streamStarted: true })).toMatchObject({
      code: 'UNREACHABLE',
      retryTurn: true,
    });
  });

  it("leaves errors that are not the API's to the caller", () => {
    expect(classifyApiError(new TypeError('bug'), ctx)).toBeNull();
    expect(classifyApiError(new Anthropic.AnthropicError('bad option'), ctx)).toBeNull();
  });
});
