// The ref updates at the head of a git-receive-pack request body (pkt-lines up to the first flush), the
// capabilities the client asked for, and its push options (`git push -o …`, a second pkt-line list when it asked
// for `push-options`), so that the server can vet a push before receive-pack runs. Anything not plainly a list of
// commands is 'unsupported', and the caller then leaves the push to the hooks as usual.
import type { RefUpdate } from '../../domain/classify-ref.js';
import { packetLength } from './pkt-line.js';

export type PushCommands =
  { status: 'complete'; updates: RefUpdate[]; capabilities: string[]; pushOptions: string[] } | { status: 'incomplete' } | { status: 'unsupported' };

/** `<old> <new> <ref>`: SHA-1 ids; shallow lines, push certificates and SHA-256 repos are left to the hook. */
const COMMAND = /^([0-9a-f]{40}) ([0-9a-f]{40}) (refs\/[^\s\0]+)$/;

/** As receive-pack keeps them (GIT_PUSH_OPTION_COUNT): more are refused by git itself. */
const MAX_PUSH_OPTIONS = 100;

type Packets = { status: 'complete'; lines: string[]; next: number } | { status: 'incomplete' } | { status: 'unsupported' };

/** The pkt-lines from `at` up to the next flush packet, each without its trailing newline. */
function readUntilFlush(body: Buffer, at: number, max: number): Packets {
  const lines: string[] = [];
  for (;;) {
    if (body.length < at + 4) return { status: 'incomplete' };
    const length = packetLength(body, at);
    if (length === undefined) return { status: 'unsupported' };
    if (length === 0) return { status: 'complete', lines, next: at + 4 };
    if (length <= 4 || lines.length >= max) return { status: 'unsupported' };
    if (body.length < at + length) return { status: 'incomplete' };
    const line = body.toString('utf8', at + 4, at + length);
    lines.push(line.endsWith('\n') ? line.slice(0, -1) : line);
    at += length;
  }
}

export function readPushCommands(body: Buffer): PushCommands {
  const commands = readUntilFlush(body, 0, Number.POSITIVE_INFINITY);
  if (commands.status !== 'complete') return commands;
  if (commands.lines.length === 0) return { status: 'unsupported' };
  const updates: RefUpdate[] = [];
  let capabilities: string[] = [];
  for (const [i, line] of commands.lines.entries()) {
    // Capabilities follow a NUL on the first command; receive-pack cuts every line there.
    const nul = line.indexOf('\0');
    if (i === 0 && nul !== -1)
      capabilities = line
        .slice(nul + 1)
        .split(' ')
        .filter(Boolean);
    const m = COMMAND.exec(nul === -1 ? line : line.slice(0, nul));
    if (!m) return { status: 'unsupported' };
    updates.push({ oldSha: m[1]!, newSha: m[2]!, ref: m[3]! });
  }
  if (!capabilities.includes('push-options')) return { status: 'complete', updates, capabilities, pushOptions: [] };
  const options = readUntilFlush(body, commands.next, MAX_PUSH_OPTIONS);
  if (options.status !== 'complete') return options;
  return { status: 'complete', updates, capabilities, pushOptions: options.lines };
}
