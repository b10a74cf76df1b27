// Reads a Server-Sent Events stream with fetch until an event named `until` (or the stream ends).
export interface SseEvent {
  id?: string;
  event: string;
  data: any;
}

export async function readSse(
  url: string,
  token: string,
  options: { until?: string; lastEventId?: string; timeoutMs?: number; stopAfter?: number; cookie?: string } = {},
): Promise<SseEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 120_000);
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
  if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
  // UI streams take the session cookie of a signed-in browser, not a token.
  if (options.cookie) headers['cookie'] = options.cookie;
  const events: SseEvent[] = [];
  try {
    const res = await fetch(url, { headers, signal: controller.signal });
    if (!res.ok || !res.body) throw new Error(`SSE ${url} answered ${res.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const e: Partial<SseEvent> = {};
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) e.event = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
          else if (line.startsWith('id: ')) e.id = line.slice(4);
        }
        if (!e.event) continue;
        events.push({ ...e, event: e.event, data: data.length ? JSON.parse(data.join('\n')) : null });
        if (e.event === (options.until ?? 'end') || (options.stopAfter && events.length >= options.stopAfter)) {
          controller.abort();
          return events;
        }
      }
    }
    return events;
  } catch (e) {
    if (controller.signal.aborted && events.length > 0) return events;
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
