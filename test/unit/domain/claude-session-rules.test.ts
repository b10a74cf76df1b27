import { describe, expect, it } from 'vitest';
import { claudeCliState, refuseNewSession, trimScrollback, withGeneratedByTrailer } from '../../../src/domain/claude-session-rules.js';

describe('refuseNewSession', () => {
  it('lets one open below the limit and refuses at it with what to do', () => {
    expect(refuseNewSession(0, 2)).toBeNull();
    expect(refuseNewSession(1, 2)).toBeNull();
    expect(refuseNewSession(2, 2)).toBe(
      '2 Claude Code sessions are open, the most this server allows at once (SLIPWAY_MAX_CLAUDE_SESSIONS=2): close one (its page has "Close session") or wait until one ends',
    );
    expect(refuseNewSession(1, 1)).toMatch(/^1 Claude Code session is open/);
    expect(refuseNewSession(0, 0)).toMatch(/off on this server \(SLIPWAY_MAX_CLAUDE_SESSIONS=0\)/);
  });
});

describe('withGeneratedByTrailer', () => {
  it('adds the trailer as its own paragraph to a message without trailers', () => {
    expect(withGeneratedByTrailer('Make it blue')).toBe('Make it blue\n\nGenerated-By: claude-code\n');
    expect(withGeneratedByTrailer('Make it blue\n\nBecause blue is calm.\n')).toBe('Make it blue\n\nBecause blue is calm.\n\nGenerated-By: claude-code\n');
  });
  it('joins an existing trailer block', () => {
    expect(withGeneratedByTrailer('Fix it\n\nCo-Authored-By: A <a@example.test>\n')).toBe(
      'Fix it\n\nCo-Authored-By: A <a@example.test>\nGenerated-By: claude-code\n',
    );
  });
  it('leaves a message that has it as it is', () => {
    expect(withGeneratedByTrailer('Fix it\n\nGenerated-By: claude-code\n')).toBe('Fix it\n\nGenerated-By: claude-code\n');
    expect(withGeneratedByTrailer('Fix it\n\nGenerated-by: Claude-Code')).toBe('Fix it\n\nGenerated-by: Claude-Code\n');
  });
  it('does not take a one-line subject that looks like a trailer for a trailer block', () => {
    expect(withGeneratedByTrailer('Docs: say how')).toBe('Docs: say how\n\nGenerated-By: claude-code\n');
  });
});

describe('trimScrollback', () => {
  it('keeps the newest output within the bound', () => {
    expect(trimScrollback(['aaaa', 'bbbb', 'cccc'], 8)).toEqual(['bbbb', 'cccc']);
    expect(trimScrollback(['a'.repeat(10)], 4)).toEqual(['aaaa']);
    expect(trimScrollback(['ab', 'cd'], 100)).toEqual(['ab', 'cd']);
  });
});

describe('claudeCliState', () => {
  it('skips onboarding, approves the key by its last 20 characters and trusts the working copy', () => {
    const state = claudeCliState('/data/claude-sessions/ses_1/work', 'sk-ant-api03-0123456789abcdefghijKLMNOP');
    expect(state).toMatchObject({
      hasCompletedOnboarding: true,
      customApiKeyResponses: { approved: ['0123456789abcdefghijKLMNOP'.slice(-20)] },
      projects: { '/data/claude-sessions/ses_1/work': { hasTrustDialogAccepted: true } },
    });
    expect(JSON.stringify(claudeCliState('/w', undefined))).not.toContain('customApiKeyResponses');
  });
});
