// `slipway describe APP "…"`: one generation, streamed to the terminal as Claude writes it (its text, the files it
// writes, the commit, the build), ending with the preview URL.
import type { Command } from 'commander';
import { CliError } from './cli-error.js';
import { appPath, examples, short, type RemoteContext } from './remote-context.js';
import { note, print, printJson, startProgress, type Progress } from './terminal.js';

type Data = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function registerDescribeCommand(program: Command, ctx: RemoteContext): void {
  program
    .command('describe <app> <request...>')
    .description('ask Claude for a change: its commit goes to main, is built and goes live on the preview')
    .option('--json', 'print each event of the generation as one JSON object a line')
    .addHelpText(
      'after',
      examples('slipway describe blog "Add an about page with a short bio"', 'slipway describe api "Return 404 JSON for unknown routes" --json'),
    )
    .action(async (app: string, words: string[], opts: { json?: boolean }) => {
      const prompt = words.join(' ').trim();
      if (!prompt) throw new CliError('USAGE', 'say what to change: slipway describe APP "…"');
      const client = ctx.client();
      const started = await client.post<{ generation: { id: string }; events: string }>(appPath(app, '/generations'), { prompt });
      let progress: Progress | null = opts.json ? null : startProgress('waiting for Claude');
      let atLineStart = true;
      const say = (line: string) => {
        progress?.stop();
        progress = null;
        if (!atLineStart) process.stdout.write('\n');
        atLineStart = true;
        print(line);
      };
      const spin = (text: string) => {
        if (opts.json) return;
        if (progress) progress.update(text);
        else {
          if (!atLineStart) process.stdout.write('\n');
          atLineStart = true;
          progress = startProgress(text);
        }
      };
      let end: Data = { status: 'failed' };
      for await (const e of client.stream(started.events)) {
        const d = (e.data ?? {}) as Data;
        if (opts.json) printJson({ event: e.event, ...d });
        if (e.event === 'end') {
          end = d;
          break;
        }
        if (opts.json) continue;
        switch (e.event) {
          case 'text':
            progress?.stop();
            progress = null;
            process.stdout.write(str(d.delta));
            atLineStart = str(d.delta).endsWith('\n');
            break;
          case 'file':
            say(`  ${d.op === 'delete' ? 'deleted' : 'wrote'} ${str(d.path)}${d.op === 'delete' ? '' : ` (${Number(d.bytes)} bytes)`}`);
            break;
          case 'commit':
            say(`committed ${short(str(d.commit))}: ${str(d.summary)}`);
            spin('building');
            break;
          case 'build':
            if (d.status === 'failed') say(`build failed: ${str(d.error).split('\n')[0]} (slipway logs ${app} --build ${str(d.buildId)})`);
            else spin(d.status === 'succeeded' ? 'deploying' : 'building');
            break;
          case 'build-line':
          case 'deploy-line':
            spin(str(d.line).slice(0, 100));
            break;
          case 'fix':
            say(`the preview ${str(d.reason)}: asking Claude to fix it (attempt ${Number(d.attempt)} of ${Number(d.of)})`);
            break;
          case 'retry':
            spin(`Claude's API asked to wait: trying again (${str(d.reason)})`);
            break;
          case 'nothing':
            say(`nothing changed: ${str(d.reason)}`);
            break;
          case 'error':
            progress?.stop();
            progress = null;
            note(`error: ${str(d.message)}`);
            break;
          default:
            break;
        }
      }
      progress?.stop();
      if (!atLineStart) process.stdout.write('\n');
      if (opts.json) return void (end.status === 'failed' ? (process.exitCode = 1) : undefined);
      if (end.status === 'live') print(`Preview: ${str(end.url)}`);
      else if (end.status === 'failed') {
        note(`the generation failed: slipway status ${app} shows what serves`);
        process.exitCode = 1;
      } else if (str(end.message)) print(str(end.message));
    });
}
