import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseReport, progressPackets, readSidebandAnswer, type ReceivePackReport } from '../../../../src/git/receive-pack/receive-pack-report.js';

function pkt(data: string | Buffer): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from((bytes.length + 4).toString(16).padStart(4, '0')), bytes]);
}
const band = (n: number, data: string | Buffer) => pkt(Buffer.concat([Buffer.from([n]), typeof data === 'string' ? Buffer.from(data) : data]));

/** Feeds `answer` to a reader in pieces of `size` bytes; returns what it let through and the reports it made. */
function feed(answer: Buffer, size: number): { through: Buffer; reports: ReceivePackReport[]; ended: boolean } {
  const reports: ReceivePackReport[] = [];
  const reader = readSidebandAnswer((r) => reports.push(r));
  const out: Buffer[] = [];
  for (let at = 0; at < answer.length; at += size) out.push(reader.take(answer.subarray(at, at + size)));
  return { through: Buffer.concat(out), reports, ended: reader.ended };
}

describe('reading receive-pack’s side-band answer', () => {
  const report = Buffer.concat([pkt('unpack ok\n'), pkt('ok refs/heads/main\n'), pkt('ng refs/heads/prod failed to lock\n'), Buffer.from('0000')]);
  const answer = Buffer.concat([band(2, 'pre-receive says hi\n'), band(1, report), band(2, 'post-receive line\n'), Buffer.from('0000')]);

  it('reports the updated and refused refs once, and holds back only the closing flush, however the bytes are cut', () => {
    for (const size of [1, 2, 3, 5, 7, 64, answer.length]) {
      const { through, reports, ended } = feed(answer, size);
      expect(reports, `pieces of ${size}`).toEqual([
        { unpackOk: true, updated: ['refs/heads/main'], refused: [{ ref: 'refs/heads/prod', reason: 'failed to lock' }] },
      ]);
      expect(through.equals(answer.subarray(0, answer.length - 4)), `pieces of ${size}`).toBe(true);
      expect(ended).toBe(true);
    }
  });

  it('reports as soon as the report is whole, before anything after it arrives', () => {
    const reports: ReceivePackReport[] = [];
    const reader = readSidebandAnswer((r) => reports.push(r));
    const reportPacket = band(1, report);
    reader.take(reportPacket.subarray(0, reportPacket.length - 1));
    expect(reports).toHaveLength(0);
    reader.take(reportPacket.subarray(reportPacket.length - 1));
    expect(reports).toHaveLength(1);
    expect(reader.ended).toBe(false);
  });

  it('sees a failed unpack, and a report split over several band-1 packets', () => {
    const failed = Buffer.concat([pkt('unpack index-pack abnormal exit\n'), pkt('ng refs/heads/main unpacker error\n'), Buffer.from('0000')]);
    const split = Buffer.concat([band(1, failed.subarray(0, 9)), band(1, failed.subarray(9)), Buffer.from('0000')]);
    expect(feed(split, 4).reports).toEqual([{ unpackOk: false, updated: [], refused: [{ ref: 'refs/heads/main', reason: 'unpacker error' }] }]);
  });

  it('reads report-status-v2 option lines as part of the ref before them', () => {
    const v2 = Buffer.concat([pkt('unpack ok\n'), pkt('ok refs/heads/main\n'), pkt('option refname refs/heads/main\n'), Buffer.from('0000')]);
    expect(parseReport(v2)).toEqual({ unpackOk: true, updated: ['refs/heads/main'], refused: [] });
    expect(parseReport(v2.subarray(0, v2.length - 2))).toBeUndefined();
  });

  it('passes anything that is not side-band through untouched', () => {
    const odd = Buffer.from('fatal: something else entirely\n');
    const { through, reports, ended } = feed(odd, 5);
    expect(through.equals(odd)).toBe(true);
    expect(reports).toEqual([]);
    expect(ended).toBe(false);
  });

  it('writes progress as band-2 packets no larger than the flavour allows', () => {
    expect(progressPackets('hello', 'side-band-64k').toString('latin1')).toBe('000b\x02hello\n');
    const long = progressPackets('x'.repeat(2500), 'side-band');
    const sizes: number[] = [];
    for (let at = 0; at < long.length;) {
      const n = Number.parseInt(long.toString('latin1', at, at + 4), 16);
      expect(long[at + 4]).toBe(2);
      sizes.push(n);
      at += n;
    }
    expect(sizes).toEqual([1000, 1000, 2501 - 1990 + 5]);
  });
});

describe('against git receive-pack itself', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the report of a real push before the post-receive hook’s output, and the end after it', () => {
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: dir,
        env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
      });
    git('init', '-q', '--bare', 'srv.git');
    git('init', '-q', 'work');
    writeFileSync(join(dir, 'work', 'a.txt'), 'hello\n');
    git('-C', 'work', 'add', 'a.txt');
    git('-C', 'work', 'commit', '-qm', 'first');
    const sha = git('-C', 'work', 'rev-parse', 'HEAD').toString().trim();
    writeFileSync(join(dir, 'srv.git', 'hooks', 'post-receive'), '#!/bin/sh\necho from-post-receive\n');
    chmodSync(join(dir, 'srv.git', 'hooks', 'post-receive'), 0o755);
    const pack = execFileSync('git', ['-C', join(dir, 'work'), 'pack-objects', '--stdout', '--revs'], { input: `${sha}\n` });
    const body = Buffer.concat([pkt(`${'0'.repeat(40)} ${sha} refs/heads/main\0 report-status side-band-64k agent=test\n`), Buffer.from('0000'), pack]);
    const answer = execFileSync('git', ['receive-pack', '--stateless-rpc', join(dir, 'srv.git')], { input: body });

    const reports: Array<{ report: ReceivePackReport; at: number }> = [];
    const reader = readSidebandAnswer((report) => reports.push({ report, at: seen }));
    let seen = 0;
    const through: Buffer[] = [];
    for (const byte of answer) {
      through.push(reader.take(Buffer.from([byte])));
      seen++;
    }
    expect(reports.map((r) => r.report)).toEqual([{ unpackOk: true, updated: ['refs/heads/main'], refused: [] }]);
    expect(reports[0]!.at).toBeLessThan(answer.indexOf('from-post-receive'));
    expect(reader.ended).toBe(true);
    expect(Buffer.concat(through).toString('latin1')).toContain('\x02from-post-receive\n');
    expect(Buffer.concat(through).toString('latin1').endsWith('0000')).toBe(false);
  });
});
