// The remote commands' terminal: results on stdout (text or --json), progress and questions on stderr, a spinner
// only when stderr is a terminal (plain lines otherwise, for logs and CI), and input that is never echoed.
import { createInterface } from 'node:readline';
import { CliError } from './cli-error.js';

export const print = (line = ''): void => void process.stdout.write(`${line}\n`);
export const printJson = (value: unknown): void => print(JSON.stringify(value, null, 2));
export const note = (line: string): void => void process.stderr.write(`${line}\n`);

export interface Progress {
  /** Changes what the spinner says (a plain line when not on a terminal, only when the text changes). */
  update(text: string): void;
  /** Ends the spinner, leaving `text` (if any) as a line. */
  stop(text?: string): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function startProgress(text: string, tty: boolean = process.stderr.isTTY === true): Progress {
  if (!tty) {
    let last = text;
    note(`${text}…`);
    return {
      update(next) {
        if (next !== last) note(`${next}…`);
        last = next;
      },
      stop(done) {
        if (done) note(done);
      },
    };
  }
  let current = text;
  let frame = 0;
  const draw = () => process.stderr.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${current}`);
  draw();
  const timer = setInterval(draw, 80);
  return {
    update(next) {
      current = next;
    },
    stop(done) {
      clearInterval(timer);
      process.stderr.write('\r\x1b[2K');
      if (done) note(done);
    },
  };
}

/** Asks a yes/no question on the terminal. Without a terminal it refuses: scripts pass --yes. */
export async function confirm(question: string, what: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new CliError('USAGE', `${what} needs a confirmation and no terminal is attached: run it again with --yes`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => rl.question(`${question} [y/N] `, resolve));
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** Reads one line from the terminal without echoing it (a token). */
export async function readHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) throw new CliError('USAGE', 'no terminal to ask for the token on: pipe it in with --token-stdin');
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.resume();
  input.setEncoding('utf8');
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n') {
            input.off('data', onData);
            process.stderr.write('\n');
            return resolve(value);
          }
          if (ch === '\u0003' || ch === '\u0004') {
            input.off('data', onData);
            process.stderr.write('\n');
            return reject(new CliError('USAGE', 'cancelled'));
          }
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
          else value += ch;
        }
      };
      input.on('data', onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
  }
}

/** Everything on stdin (a token or a secret's value piped in), without its final newline. */
export async function readStdin(limitBytes = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > limitBytes) throw new CliError('USAGE', `stdin holds more than ${limitBytes} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
