// The rules of interactive Claude Code sessions (pure): whether one more may open, and the trailer every commit a
// session pushes carries, so the history says which commits the CLI made.

export const GENERATED_BY_TRAILER = 'Generated-By: claude-code';

/** Why a new session cannot open now, or null when it can. */
export function refuseNewSession(open: number, max: number): string | null {
  if (max === 0) return 'Claude Code sessions are off on this server (SLIPWAY_MAX_CLAUDE_SESSIONS=0)';
  if (open < max) return null;
  return (
    `${open} Claude Code session${open === 1 ? ' is' : 's are'} open, the most this server allows at once (SLIPWAY_MAX_CLAUDE_SESSIONS=${max}): ` +
    'close one (its page has "Close session") or wait until one ends'
  );
}

/** The message with the `Generated-By: claude-code` trailer: added to its trailer block, or as a new one. */
export function withGeneratedByTrailer(message: string): string {
  const text = message.replace(/\s+$/, '');
  const lines = text.split('\n');
  if (lines.some((l) => /^Generated-By:\s*claude-code\s*$/i.test(l))) return `${text}\n`;
  // The last paragraph is a trailer block when every line of it is `Key: value` (git interpret-trailers' rule, simply).
  const lastBreak = text.lastIndexOf('\n\n');
  const last = lastBreak < 0 ? '' : text.slice(lastBreak + 2);
  const isTrailerBlock = last !== '' && last.split('\n').every((l) => /^[A-Za-z0-9-]+: \S/.test(l));
  return isTrailerBlock ? `${text}\n${GENERATED_BY_TRAILER}\n` : `${text}\n\n${GENERATED_BY_TRAILER}\n`;
}

/** The tail of a terminal's output kept for a page that connects again: at most `max` bytes, cut at a line start when one is near. */
export function trimScrollback(chunks: string[], max: number): string[] {
  let total = chunks.reduce((n, c) => n + c.length, 0);
  while (total > max && chunks.length > 1) total -= chunks.shift()!.length;
  if (total > max && chunks.length === 1) chunks[0] = chunks[0]!.slice(-max);
  return chunks;
}

/**
 * The CLI's own state file (`~/.claude.json` in the session's private HOME) as a session starts it: onboarding done
 * (its first-run screens check a connection to api.anthropic.com itself, not ANTHROPIC_BASE_URL), the operator's
 * API key approved (the CLI remembers approvals by the key's last 20 characters) and the working copy trusted — it
 * is Slipway's own clone of the app, made for this session.
 */
export function claudeCliState(workDir: string, apiKey: string | undefined): Record<string, unknown> {
  return {
    hasCompletedOnboarding: true,
    numStartups: 1,
    theme: 'dark',
    ...(apiKey ? { customApiKeyResponses: { approved: [apiKey.slice(-20)], rejected: [] } } : {}),
    projects: { [workDir]: { hasTrustDialogAccepted: true, allowedTools: [] } },
  };
}
