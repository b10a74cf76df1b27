import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLineLog } from '../../../src/shared/line-log.js';

describe('openLineLog', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-build-log-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('cuts output into lines, appends them at once, and hands each to the watcher', () => {
    const file = join(dir, 'nested', 'folder', 'b1.log');
    const seen: string[] = [];
    const log = openLineLog(file, (l) => seen.push(l));
    log.write('Step 1/2 : ARG BASE');
    expect(seen).toEqual([]); // an unfinished line waits for its end
    log.write('\n');
    log.write(' ---> 08c0\nStep 2/2 : RUN x\n\n');
    expect(readFileSync(file, 'utf8')).toBe('Step 1/2 : ARG BASE\n ---> 08c0\nStep 2/2 : RUN x\n'); // readable before close
    log.write('10%\r50%\r100%\r\nno newline at the end');
    log.line('error: it broke');
    log.close();
    log.close();
    expect(seen).toEqual(['Step 1/2 : ARG BASE', ' ---> 08c0', 'Step 2/2 : RUN x', '10%', '50%', '100%', 'no newline at the end', 'error: it broke']);
    expect(readFileSync(file, 'utf8').split('\n').slice(0, -1)).toEqual(seen);
  });

  it('appends to an existing log and redacts secrets', () => {
    const file = join(dir, 'b2.log');
    const first = openLineLog(file, () => undefined);
    first.line('first attempt');
    first.close();
    const second = openLineLog(file, () => undefined);
    second.write('cloning http://user:hunter2pass@example.com/x.git\n');
    second.close();
    expect(readFileSync(file, 'utf8')).toBe('first attempt\ncloning http://user:[redacted]@example.com/x.git\n');
  });

  it('cuts the file at its cap with one line saying so, and passes nothing on after it', () => {
    const file = join(dir, 'capped.log');
    const seen: string[] = [];
    const log = openLineLog(file, (l) => seen.push(l), 1024 * 1024);
    const line = 'x'.repeat(999); // 1000 bytes with its newline
    for (let i = 0; i < 3000; i++) log.write(`${line}\n`);
    log.close();
    const text = readFileSync(file, 'utf8');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024 * 1024 + 200);
    expect(text.trimEnd().split('\n').at(-1)).toBe('… the log was cut here, at 1 MiB (SLIPWAY_MAX_LOG_MB); what followed is not kept');
    expect(seen).toHaveLength(1048 + 1);
    expect(seen.at(-1)).toMatch(/the log was cut here/);
    // Appending to a log at its cap (a deploy retried) keeps it within the cap (and one more notice).
    const again = openLineLog(file, () => undefined, 1024 * 1024);
    for (let i = 0; i < 100; i++) again.line(line);
    again.close();
    const after = readFileSync(file, 'utf8');
    expect(Buffer.byteLength(after)).toBeLessThanOrEqual(1024 * 1024 + 400);
    expect(after.trimEnd().split('\n').at(-1)).toMatch(/the log was cut here/);
  });
});
