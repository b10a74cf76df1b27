// Reads git-receive-pack's answer as it passes through the bridge, multiplexed on side-band (band 1: the report,
// band 2: progress). receive-pack reports which refs it updated *before* it runs the post-receive hook, so the
// report is the earliest moment a push is known to have landed. The stream's closing flush packet is held back:
// the server may add progress of its own (band 2, shown by git as `remote: …`) before the push ends.
//
//   00xx \1 <report pkt-lines: "unpack ok", "ok <ref>" | "ng <ref> <why>", "option …" (v2)> 0000
//   00xx \2 <progress> …
//   0000                                        ← the end of the answer
//
// https://git-scm.com/docs/gitprotocol-pack (report-status, side-band-64k)
import { packetLength } from './pkt-line.js';

export interface ReceivePackReport {
  unpackOk: boolean;
  /** Refs receive-pack updated ("ok"). */
  updated: string[];
  /** Refs it refused, with git's reason ("ng"). */
  refused: Array<{ ref: string; reason: string }>;
}

export interface ReportReader {
  /** Takes the next bytes of the answer; returns what may go to the client now (complete packets, never the end). */
  take(chunk: Buffer): Buffer;
  /** Whether the answer's closing flush packet was seen (and held back). */
  readonly ended: boolean;
}

/** Largest data of one packet per side-band flavour (the packet adds 4 length bytes and the band byte). */
export const SIDEBAND_DATA_MAX = { 'side-band-64k': 65515, 'side-band': 995 } as const;

/** Reads a side-band answer; `onReport` is called once, as soon as the report is complete. */
export function readSidebandAnswer(onReport: (report: ReceivePackReport) => void): ReportReader {
  let pending: Buffer = Buffer.alloc(0);
  let band1: Buffer = Buffer.alloc(0);
  let reported = false;
  let ended = false;
  let raw = false;
  return {
    get ended() {
      return ended;
    },
    take(chunk) {
      if (raw) return chunk;
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const out: Buffer[] = [];
      let at = 0;
      while (!ended && pending.length >= at + 4) {
        const length = packetLength(pending, at);
        if (length === undefined || (length > 0 && length < 4)) {
          // Not side-band after all: pass the rest through untouched and stop looking.
          out.push(pending.subarray(at));
          at = pending.length;
          raw = true;
          break;
        }
        if (length === 0) {
          ended = true;
          at += 4;
          break;
        }
        if (pending.length < at + length) break;
        const packet = pending.subarray(at, at + length);
        at += length;
        out.push(packet);
        if (!reported && packet[4] === 1) {
          band1 = Buffer.concat([band1, packet.subarray(5)]);
          const report = parseReport(band1);
          if (report) {
            reported = true;
            onReport(report);
          }
        }
      }
      pending = pending.subarray(at);
      if (ended && pending.length > 0) out.push(pending); // nothing follows the end in git; never drop bytes
      return Buffer.concat(out);
    },
  };
}

/** The report-status pkt-lines once their flush packet arrived; undefined while incomplete. */
export function parseReport(bytes: Buffer): ReceivePackReport | undefined {
  const report: ReceivePackReport = { unpackOk: false, updated: [], refused: [] };
  for (let at = 0; ;) {
    if (bytes.length < at + 4) return undefined;
    const length = packetLength(bytes, at);
    if (length === undefined) return { ...report, unpackOk: false };
    if (length === 0) return report;
    if (length < 4 || bytes.length < at + length) return undefined;
    const line = bytes.toString('utf8', at + 4, at + length).replace(/\n$/, '');
    at += length;
    if (line.startsWith('unpack ')) report.unpackOk = line === 'unpack ok';
    else if (line.startsWith('ok ')) report.updated.push(line.slice(3));
    else if (line.startsWith('ng ')) {
      const [ref = '', ...why] = line.slice(3).split(' ');
      report.refused.push({ ref, reason: why.join(' ') });
    }
    // "option …" lines (report-status-v2) qualify the ref before them; the update itself is what matters here.
  }
}

/** A line of progress as side-band packets (band 2), split to the flavour's packet size. */
export function progressPackets(line: string, flavour: keyof typeof SIDEBAND_DATA_MAX): Buffer {
  const data = Buffer.from(`${line}\n`, 'utf8');
  const max = SIDEBAND_DATA_MAX[flavour];
  const packets: Buffer[] = [];
  for (let at = 0; at < data.length; at += max) {
    const part = data.subarray(at, at + max);
    packets.push(Buffer.from((part.length + 5).toString(16).padStart(4, '0'), 'latin1'), Buffer.from([2]), part);
  }
  return Buffer.concat(packets);
}
