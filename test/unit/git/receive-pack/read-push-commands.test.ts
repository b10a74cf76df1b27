import { describe, expect, it } from 'vitest';
import { readPushCommands } from '../../../../src/git/receive-pack/read-push-commands.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const Z = '0'.repeat(40);

function pkt(line: string): string {
  return (Buffer.byteLength(line) + 4).toString(16).padStart(4, '0') + line;
}

describe('readPushCommands', () => {
  it('reads the commands up to the flush packet, the capabilities apart, then the push options', () => {
    const body = Buffer.from(
      `${pkt(`${A} ${B} refs/heads/main\0 report-status side-band-64k push-options agent=git/2.39\n`)}${pkt(`${Z} ${B} refs/tags/v1\n`)}0000${pkt('publish\n')}${pkt('async\n')}0000PACK…`,
    );
    expect(readPushCommands(body)).toEqual({
      status: 'complete',
      updates: [
        { oldSha: A, newSha: B, ref: 'refs/heads/main' },
        { oldSha: Z, newSha: B, ref: 'refs/tags/v1' },
      ],
      capabilities: ['report-status', 'side-band-64k', 'push-options', 'agent=git/2.39'],
      pushOptions: ['publish', 'async'],
    });
  });

  it('reads no push options unless the client asked for them (the pack follows the commands)', () => {
    const body = Buffer.from(`${pkt(`${A} ${B} refs/heads/main\0report-status\n`)}0000PACK\x00\x00\x00\x02`);
    expect(readPushCommands(body)).toEqual({
      status: 'complete',
      updates: [{ oldSha: A, newSha: B, ref: 'refs/heads/main' }],
      capabilities: ['report-status'],
      pushOptions: [],
    });
  });

  it('asks for more until the push options are complete too', () => {
    const full = `${pkt(`${A} ${B} refs/heads/main\0report-status push-options\n`)}0000${pkt('publish\n')}0000`;
    for (const cut of [full.indexOf('0000') + 4, full.length - 10, full.length - 1])
      expect(readPushCommands(Buffer.from(full.slice(0, cut))).status).toBe('incomplete');
    expect(readPushCommands(Buffer.from(full)).status).toBe('complete');
  });

  it('asks for more while a packet or the flush is missing', () => {
    const full = `${pkt(`${A} ${B} refs/heads/main\0report-status\n`)}0000`;
    for (const cut of [0, 3, 10, full.length - 4, full.length - 1]) expect(readPushCommands(Buffer.from(full.slice(0, cut))).status).toBe('incomplete');
  });

  it('leaves anything else to the hook: shallow lines, push certificates, SHA-256 ids, garbage, no commands', () => {
    for (const body of [
      `${pkt(`shallow ${A}\n`)}${pkt(`${A} ${B} refs/heads/main\n`)}0000`,
      `${pkt('push-cert\0report-status\n')}0000`,
      `${pkt(`${'a'.repeat(64)} ${'b'.repeat(64)} refs/heads/main\n`)}0000`,
      'PACK0000',
      '0000',
      `${pkt(`${A} ${B} main\n`)}0000`,
      '0001',
    ]) {
      expect(readPushCommands(Buffer.from(body)).status, body).toBe('unsupported');
    }
  });
});
