// A large synthetic history written with `git fast-import` in a second or two: a first commit with `files` text
// files (plus a few binary ones and names with spaces and accents), then `commits` commits that each change a
// few lines of one file, and every 25th one that rewrites a 3,000-line data file. Used by the large-diff tests
// and the UI bench.
import { execFileSync } from 'node:child_process';

export interface BigRepo {
  /** Full sha of the n-th commit (1-based). */
  commit(n: number): string;
  commits: number;
  files: number;
}

const LINES = 40;

function textFile(f: number, version: number): string {
  let out = '';
  for (let j = 0; j < LINES; j++) out += `line ${j} of file ${f}: ${j % 8 === version % 8 ? `version ${version}` : 'unchanged'}\n`;
  return out;
}

function dataFile(version: number): string {
  let out = '[\n';
  for (let j = 0; j < 3000; j++) out += `  {"row": ${j}, "value": ${(j * 7919 + version * 104729) % 1000003}},\n`;
  return `${out}  null\n]\n`;
}

export const pathOf = (f: number): string => (f % 97 === 3 ? `docs/read me ü ${f}.txt` : `src/module-${Math.floor(f / 100)}/file-${f}.ts`);

export function createBigRepo(gitdir: string, options: { files?: number; commits?: number } = {}): BigRepo {
  const files = options.files ?? 2500;
  const commits = options.commits ?? 3000;
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', gitdir]);
  const parts: string[] = [];
  const chunks: Buffer[] = [];
  const flush = () => {
    chunks.push(Buffer.from(parts.join('')));
    parts.length = 0;
  };
  const t0 = 1_700_000_000;
  for (let i = 1; i <= commits; i++) {
    const message = `Change ${i}\n`;
    parts.push(
      `commit refs/heads/main\nmark :${i}\nauthor Person <person@example.com> ${t0 + i * 60} +0000\ncommitter Person <person@example.com> ${t0 + i * 60} +0000\ndata ${Buffer.byteLength(message)}\n${message}`,
    );
    if (i > 1) parts.push(`from :${i - 1}\n`);
    const add = (path: string, content: string | Buffer) => {
      parts.push(`M 100644 inline ${path}\ndata ${Buffer.byteLength(content)}\n`);
      flush();
      chunks.push(typeof content === 'string' ? Buffer.from(content) : content);
      parts.push('\n');
    };
    if (i === 1) {
      for (let f = 0; f < files; f++) add(pathOf(f), textFile(f, 0));
      for (let b = 0; b < 3; b++) add(`assets/image-${b}.bin`, Buffer.from([0, 1, 2, 3, 0, 255, b, 0]));
      add('data/rows.json', dataFile(0));
    } else {
      add(pathOf(i % files), textFile(i % files, i));
      if (i % 25 === 0) add('data/rows.json', dataFile(i));
      if (i % 500 === 0) add(`assets/image-${(i / 500) % 3}.bin`, Buffer.from([0, 9, i % 256, 0, 7]));
    }
    parts.push('\n');
  }
  flush();
  execFileSync('git', ['--git-dir', gitdir, 'fast-import', '--quiet'], { input: Buffer.concat(chunks), maxBuffer: 64 * 1024 * 1024 });
  const shas = execFileSync('git', ['--git-dir', gitdir, 'rev-list', '--reverse', 'main'], { maxBuffer: 64 * 1024 * 1024 })
    .toString()
    .trim()
    .split('\n');
  return { commit: (n) => shas[n - 1]!, commits, files };
}
