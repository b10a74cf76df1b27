// Lines of a streamed HTTP answer (watch events, logs). Unlike readline, an error of the stream
// (a reset connection, an abort) reaches the reader instead of being thrown nowhere.
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

export async function* readLines(stream: Readable): AsyncIterable<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream) {
    rest += typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      yield rest.slice(0, nl).replace(/\r$/, '');
      rest = rest.slice(nl + 1);
    }
  }
  rest += decoder.end();
  if (rest) yield rest;
}
