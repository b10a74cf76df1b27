// `slipway hook NAME`: hands the hook's stdin to the server and prints its answer (the pusher sees `remote:` lines).
import type { HookContext } from '../config/load-hook-context.js';
import { messageOf } from '../shared/errors.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function runHook(name: string, loadContext: () => HookContext): Promise<number> {
  if (name !== 'pre-receive' && name !== 'post-receive') {
    process.stderr.write(`unknown hook ${name}\n`);
    return 2;
  }
  const say = (line: string) => process.stdout.write(`${line}\n`);
  let ctx: HookContext;
  try {
    ctx = loadContext();
  } catch (e) {
    say(`slipway: ${messageOf(e)}`);
    return name === 'pre-receive' ? 1 : 0;
  }
  const updates = (await readStdin())
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [oldSha, newSha, ref] = line.split(' ');
      return { oldSha, newSha, ref };
    });
  if (updates.length === 0) return 0;
  try {
    const res = await fetch(`${ctx.url}/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-slipway-hook-secret': ctx.secret },
      body: JSON.stringify({ app: ctx.app, updates, pushOptions: ctx.pushOptions, pusher: ctx.pusher }),
    });
    if (!res.ok || !res.body) {
      say(`slipway: the server answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      return name === 'pre-receive' ? 1 : 0;
    }
    let exit = 1;
    let buffered = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const msg = JSON.parse(buffered.slice(0, nl)) as { line?: string; exit?: number };
        buffered = buffered.slice(nl + 1);
        if (typeof msg.line === 'string') say(msg.line);
        if (typeof msg.exit === 'number') exit = msg.exit;
      }
    }
    return exit;
  } catch (e) {
    if (name === 'pre-receive') {
      say(`slipway: the Slipway server is not reachable (${messageOf(e)}); push refused, nothing changed`);
      return 1;
    }
    say(`slipway: the Slipway server is not reachable (${messageOf(e)}); the push is kept and will be deployed when it is back`);
    return 0;
  }
}
