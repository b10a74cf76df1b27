// `slipway credential get`: a git credential helper (git's credential protocol: key=value lines on stdin, the
// answer on stdout). It gives git the token of the logged-in server only, so `slipway git-remote` writes no token
// into .git/config; `store` and `erase` do nothing (the token lives in the login, not in git).
import type { CliSettings } from '../../config/load-cli-settings.js';
import { resolveRemote } from './resolve-remote.js';

/** Reads git's request: `protocol=https`, `host=example.com:8443`, `path=…`, up to a blank line. */
export function parseCredentialRequest(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') break;
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).replace(/\r$/, '');
  }
  return out;
}

/** What to print for git (nothing: this helper has no answer, git asks the next helper or fails). */
export function answerCredential(operation: string, request: Record<string, string>, settings: CliSettings): { stdout: string; stderr: string } {
  if (operation !== 'get') return { stdout: '', stderr: '' };
  let remote;
  try {
    remote = resolveRemote(settings);
  } catch (e) {
    return { stdout: '', stderr: `slipway credential: ${(e as Error).message}\n` };
  }
  const server = new URL(remote.url);
  // Only the server the token belongs to: never handed to another host git asks about.
  if (request.protocol !== server.protocol.replace(/:$/, '') || request.host !== server.host) return { stdout: '', stderr: '' };
  return { stdout: `username=slipway\npassword=${remote.token}\n`, stderr: '' };
}

export async function runCredentialHelper(operation: string, settings: CliSettings): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const answer = answerCredential(operation, parseCredentialRequest(Buffer.concat(chunks).toString('utf8')), settings);
  if (answer.stderr) process.stderr.write(answer.stderr);
  process.stdout.write(answer.stdout);
  return 0;
}
