// The end of a log file for a page (a finished build's whole log, unless it is very long).
import { open } from 'node:fs/promises';

export async function readLogTail(path: string, maxBytes = 256 * 1024): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    const text = buf.toString('utf8');
    return start > 0 ? `… (the first ${Math.round(start / 1024)} KB are left out)\n${text.slice(text.indexOf('\n') + 1)}` : text;
  } finally {
    await fh.close();
  }
}
