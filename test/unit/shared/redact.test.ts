import { describe, expect, it } from 'vitest';
import { redact, registerSecret } from '../../../src/shared/redact.js';

describe('redact', () => {
  it('hides tokens, credentials in URLs, authorization headers and registered secrets', () => {
    registerSecret('hunter2-long-secret');
    const out = redact('token slw_abcdefghijklmnopqrstuvwxyz url http://u:p4ss@host/x Authorization: Bearer abc.def key hunter2-long-secret');
    expect(out).not.toMatch(/ghijklmnop|p4ss|abc\.def|hunter2/);
    expect(out).toContain('slw_abcdef[redacted]');
  });
});
