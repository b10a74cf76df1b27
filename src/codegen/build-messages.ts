// The opening messages of a generation: the app's earlier exchanges as short user/assistant text
// turns (what was asked, what was done, which commit; never whole files), then the current file
// list and the new request. The model reads the files it needs through read_file.
import type Anthropic from '@anthropic-ai/sdk';

/** One earlier request of this app's conversation, as the conversation store keeps it. */
export interface PastExchange {
  request: string;
  /** The one-line summary (the commit's first line), when the generation produced one. */
  summary?: string | null | undefined;
  /** The model's text in that generation. */
  text: string;
  /** Paths it wrote or deleted. */
  files: readonly string[];
  /** The commit it became, or null when nothing was committed. */
  commit: string | null;
  /** Why nothing was committed (a failure or "no changes"), when commit is null. */
  outcome?: string | null | undefined;
}

/** Only the latest exchanges are sent: old ones are in git history and cost tokens on every turn. */
export const MAX_HISTORY_EXCHANGES = 10;
const MAX_HISTORY_TEXT = 1500;
const MAX_HISTORY_FILES = 30;
const MAX_LISTED_FILES = 500;

export function buildMessages(history: readonly PastExchange[], prompt: string, files: readonly string[]): Anthropic.MessageParam[] {
  const messages: Anthropic.MessageParam[] = [];
  for (const past of history.slice(-MAX_HISTORY_EXCHANGES)) {
    messages.push({ role: 'user', content: nonEmpty(past.request, '(empty request)') });
    messages.push({ role: 'assistant', content: describePast(past) });
  }
  messages.push({ role: 'user', content: describeRequest(prompt, files, messages.length > 0) });
  return messages;
}

function describePast(past: PastExchange): string {
  const lines: string[] = [];
  if (past.commit) {
    lines.push(`Committed ${past.commit.slice(0, 12)}: ${past.summary ?? '(no summary)'}`);
  } else {
    lines.push(`Nothing was committed${past.outcome ? `: ${past.outcome}` : ''}.`);
  }
  if (past.files.length > 0) {
    const shown = past.files.slice(0, MAX_HISTORY_FILES).join(', ');
    const more = past.files.length > MAX_HISTORY_FILES ? ` and ${past.files.length - MAX_HISTORY_FILES} more` : '';
    lines.push(`Files ${past.commit ? 'changed' : 'touched (not committed)'}: ${shown}${more}`);
  }
  const text = past.text.trim();
  if (text) lines.push('', text.length > MAX_HISTORY_TEXT ? `${text.slice(0, MAX_HISTORY_TEXT)}…` : text);
  return lines.join('\n');
}

function describeRequest(prompt: string, files: readonly string[], hasHistory: boolean): string {
  const shown = files.slice(0, MAX_LISTED_FILES);
  const more = files.length > shown.length ? `\n… and ${files.length - shown.length} more (use list_files)` : '';
  const listing = files.length === 0 ? 'The app has no files yet.' : `The app's files now (${files.length}):\n${shown.join('\n')}${more}`;
  const context = hasHistory ? "The exchanges above are this app's earlier requests; what they committed is in these files.\n\n" : '';
  return `${context}${listing}\n\nRead the files you need with read_file before changing them.\n\nThe request:\n${nonEmpty(prompt, '(empty request)')}`;
}

function nonEmpty(text: string, fallback: string): string {
  // The API refuses empty text content.
  return text.trim() === '' ? fallback : text;
}
