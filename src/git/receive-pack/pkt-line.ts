// git's pkt-line framing, as far as the bridge reads it: four hex digits of length (the four included), then the
// data; `0000` is a flush packet. https://git-scm.com/docs/protocol-common#_pkt_line_format

/** The length field of the packet at `at`, or undefined when those four bytes are no length. */
export function packetLength(bytes: Buffer, at: number): number | undefined {
  const size = bytes.toString('latin1', at, at + 4);
  return /^[0-9a-f]{4}$/.test(size) ? Number.parseInt(size, 16) : undefined;
}

export const FLUSH_PACKET = Buffer.from('0000', 'latin1');
