// Two generations on a real git repo made from a real template: the first one's result is
// committed on main, and the second one sees that commit's files through read_file and the first
// exchange in its history. The stand-in Anthropic server records what the model was sent.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProjectRoot } from '../../../src/config/project-root.js';
import { loadPrompt } from '../../../src/codegen/load-prompt.js';
import { runGeneration, type CodegenSettings, type FileChange, type PastExchange } from '../../../src/codegen/run-generation.js';
import type { TreeSource } from '../../../src/codegen/tree-source.js';
import { startFakeAnthropic, type FakeAnthropic, type FakeContentBlock, type RecordedRequest } from '../../helpers/fake-anthropic.js';
import { gitEnv } from '../../helpers/git-cli.js';

const run = promisify(execFile);
const root = findProjectRoot();
let tmp: string;
let bare: string;
let fake: FakeAnthropic;

async function git(args: string[], cwd: string): Promise<string> {
  return (await run('git', args, { cwd, env: gitEnv(), maxBuffer: 64 * 1024 * 1024 })).stdout;
}

/** main's head in the bare repo, read with the git CLI (the pipeline's own TreeSource uses isomorphic-git). */
function gitTreeSource(repo: string): TreeSource {
  return {
    listFiles: async () => (await git(['ls-tree', '-r', '--name-only', '-z', 'refs/heads/main'], repo)).split('\0').filter(Boolean).sort(),
    readFile: async (path) => {
      try {
        return (await run('git', ['cat-file', 'blob', `refs/heads/main:${path}`], { cwd: repo, env: gitEnv(), encoding: 'buffer' })).stdout;
      } catch {
        return null;
      }
    },
  };
}

/** Stands in for the pipeline's commit writer: one commit on main, summary, blank line, request. */
async function commit(changes: FileChange[], summary: string, request: string): Promise<string> {
  const work = mkdtempSync(join(tmp, 'work-'));
  await git(['clone', '-q', bare, work], tmp);
  for (const c of changes) {
    const file = join(work, c.path);
    if (c.content === null) rmSync(file);
    else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, c.content);
    }
  }
  await git(['add', '-A'], work);
  await git(['commit', '-q', '-m', `${summary}\n\n${request}`], work);
  await git(['push', '-q', 'origin', 'HEAD:main'], work);
  return (await git(['rev-parse', 'HEAD'], work)).trim();
}

function toolResults(req: RecordedRequest | undefined): FakeContentBlock[] {
  const last = req?.body.messages.at(-1);
  return !last || typeof last.content === 'string' ? [] : last.content.filter((b) => b.type === 'tool_result');
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'slipway-codegen-'));
  bare = join(tmp, 'site.git');
  const seed = join(tmp, 'seed');
  cpSync(join(root, 'app-templates', 'static-site'), seed, { recursive: true });
  await git(['init', '-q', '--bare', '--initial-branch=main', bare], tmp);
  await git(['init', '-q', '--initial-branch=main'], seed);
  await git(['add', '-A'], seed);
  await git(['commit', '-q', '-m', 'Create the app from static-site'], seed);
  await git(['push', '-q', bare, 'main'], seed);
  fake = await startFakeAnthropic();
});

afterAll(async () => {
  await fake?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('a conversation of two generations', () => {
  it('lets the second request see the first commit, through history and read_file', async () => {
    const settings: CodegenSettings = {
      apiKey: 'sk-ant-test-key-0000',
      baseURL: fake.url,
      model: 'claude-sonnet-5-5',
      maxTurns: 6,
      maxTokensPerTurn: 8192,
      maxTotalTokens: 200_000,
      maxRetries: 0,
      retryBaseDelayMs: 1,
    };
    const systemPrompt = await loadPrompt(join(root, 'prompts'), 'static-site');
    const otterPage = '<!doctype html>\n<title>Otters</title>\n<h1>Otters</h1>\n<p>They hold hands.</p>\n';

    // --- first generation ---
    fake.push(
      {
        blocks: [
          { type: 'text', text: 'I will replace the home page.' },
          { type: 'tool_use', name: 'read_file', input: { path: 'public/index.html' } },
        ],
      },
      {
        blocks: [
          { type: 'tool_use', name: 'write_file', input: { path: 'public/index.html', content: otterPage } },
          { type: 'tool_use', name: 'finish', input: { summary: 'Make the home page about otters' } },
        ],
      },
    );
    const firstRequest = 'Make the home page about otters';
    const first = await runGeneration({ settings, systemPrompt, history: [], prompt: firstRequest, source: gitTreeSource(bare) });
    expect(first).toMatchObject({ status: 'done', summary: 'Make the home page about otters' });
    if (first.status !== 'done') return;
    // The template's page came out of git.
    expect(String(toolResults(fake.requests[1])[0]?.content)).toContain('Hello from Slipway');
    expect(fake.requests[0]!.body.system).toBe(systemPrompt);
    const sha = await commit(first.changes, first.summary, firstRequest);
    expect(await git(['log', '-1', '--format=%B', 'main'], bare)).toBe(`Make the home page about otters\n\n${firstRequest}\n\n`);

    // --- second generation, with the first in its history ---
    const history: PastExchange[] = [{ request: firstRequest, summary: first.summary, text: first.text, files: first.changes.map((c) => c.path), commit: sha }];
    fake.push({ blocks: [{ type: 'tool_use', name: 'read_file', input: { path: 'public/index.html' } }] }, (req) => {
      // The model reads back what the first generation committed.
      const page = String(toolResults(req)[0]?.content);
      expect(page).toBe(otterPage);
      return {
        blocks: [
          {
            type: 'tool_use',
            name: 'write_file',
            input: { path: 'public/index.html', content: page.replace('</p>', '</p>\n<footer>Otters forever</footer>') },
          },
          { type: 'tool_use', name: 'finish', input: { summary: 'Add a footer' } },
        ],
      };
    });
    const secondRequest = 'Add a footer to the otter page';
    const second = await runGeneration({ settings, systemPrompt, history, prompt: secondRequest, source: gitTreeSource(bare) });
    expect(second).toMatchObject({ status: 'done', summary: 'Add a footer' });

    const opening = fake.requests[2]!.body.messages;
    expect(opening.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(opening[0]!.content).toBe(firstRequest);
    expect(opening[1]!.content).toContain(`Committed ${sha.slice(0, 12)}: Make the home page about otters`);
    expect(opening[1]!.content).toContain('Files changed: public/index.html');
    expect(opening[2]!.content).toContain(secondRequest);
    expect(opening[2]!.content).toContain('nginx.conf');
    expect(toolResults(fake.requests[3])[0]).toMatchObject({ content: otterPage });
    if (second.status === 'done') expect(second.changes[0]?.content?.toString()).toContain('<footer>Otters forever</footer>');
    expect(fake.remaining()).toBe(0);
  });
});
