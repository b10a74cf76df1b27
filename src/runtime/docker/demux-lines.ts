// Docker's multiplexed log stream (8-byte frame headers when the container has no TTY) as text lines.

/** Splits a buffer of complete frames into text; returns the bytes of an incomplete trailing frame. */
export function demuxFrames(buf: Buffer): { text: string; rest: Buffer } {
  let text = '';
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    if (i + 8 + size > buf.length) break;
    text += buf.subarray(i + 8, i + 8 + size).toString('utf8');
    i += 8 + size;
  }
  return { text, rest: buf.subarray(i) };
}

/** Turns a stream of multiplexed log chunks into lines, as they complete. */
export async function* demuxLines(stream: AsyncIterable<Buffer>): AsyncIterable<string> {
  let pending: Buffer = Buffer.alloc(0);
  let partial = '';
  for await (const chunk of stream) {
    const { text, rest } = demuxFrames(Buffer.concat([pending, chunk]));
    pending = rest;
    partial += text;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) yield line.replace(/\r$/, '');
  }
  if (partial) yield partial;
}
