// The ref updates at the head of a git-receive-pack request body (pkt-lines up to the first flush), so that the
// server can vet a push before receive-pack runs. Anything not plainly a list of commands is 'unsupported', and
// the caller then leaves the push to the pre-receive hook as usual.
import type { RefUpdate } from '../domain/classify-ref.js';

export type PushCommands = { status: 'complete'; updates: RefUpdate[] } | { status: 'incomplete' } | { status: 'unsupported' };

/** `<old> <new> <ref>`: SHA-1 ids; shallow lines, push certificates and SHA-256 repos are left to the hook. */
const COMMAND = /^([0-9a-f]{40}) ([0-9a-f]{40}) (refs\/[^\s\0]+)$/;

export function readPushCommands(body: Buffer): PushCommands {
  const updates: RefUpdate[] = [];
  for (let at = 0; ; ) {
    if (body.length < at + 4) return { status: 'incomplete' };
    const size = body.toString('latin1', at, at + 4);
    if (!/^[0-9a-f]{4}$/.test(size)) return { status: 'unsupported' };
    const length = Number.parseInt(size, 16);
    // The flush packet ends the commands (push options and the pack follow).
    if (length === 0) return updates.length > 0 ? { status: 'complete', updates } : { status: 'unsupported' };
    if (length <= 4) return { status: 'unsupported' };
    if (body.length < at + length) return { status: 'incomplete' };
    let line = body.toString('utf8', at + 4, at + length);
    at += length;
    if (line.endsWith('\n')) line = line.slice(0, -1);
    // Capabilities follow a NUL on the first command; receive-pack cuts every line there.
    const nul = line.indexOf('\0');
    const m = COMMAND.exec(nul === -1 ? line : line.slice(0, nul));
    if (!m) return { status: 'unsupported' };
    updates.push({ oldSha: m[1]!, newSha: m[2]!, ref: m[3]! });
  }
}
