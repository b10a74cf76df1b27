import { describe, expect, it } from 'vitest';
import { CODEGEN_TOOLS, runTool } from '../../../src/codegen/tools.js';
import { createMemoryTreeSource, type TreeSource } from '../../../src/codegen/tree-source.js';
import { createWorkspace } from '../../../src/codegen/workspace.js';

const ws = () =>
  createWorkspace(createMemoryTreeSource({ Dockerfile: 'FROM x\n', 'public/index.html': '<h1>hi</h1>', 'logo.png': Buffer.from([0x89, 0x50, 0x00, 0x01]) }));

describe('CODEGEN_TOOLS', () => {
  it('defines the four file tools and finish, each with an object schema and a description', () => {
    expect(CODEGEN_TOOLS.map((t) => t.name)).toEqual(['list_files', 'read_file', 'write_file', 'delete_file', 'finish']);
    for (const t of CODEGEN_TOOLS) {
      expect(t.input_schema.type).toBe('object');
      expect(t.description?.length).toBeGreaterThan(10);
    }
    expect(CODEGEN_TOOLS.find((t) => t.name === 'finish')?.input_schema.required).toEqual(['summary']);
  });
});

describe('runTool', () => {
  it('lists files, all or under a folder', async () => {
    const w = ws();
    expect(await runTool(w, 'list_files', {})).toEqual({ content: '3 files:\nDockerfile\nlogo.png\npublic/index.html', isError: false });
    expect((await runTool(w, 'list_files', { folder: 'public/' })).content).toBe('1 file:\npublic/index.html');
    expect((await runTool(w, 'list_files', { folder: 'nope' })).content).toMatch(/no files under nope\//);
  });

  it('reads text, describes binary files, and truncates long files with a note', async () => {
    const w = ws();
    expect(await runTool(w, 'read_file', { path: 'public/index.html' })).toEqual({ content: '<h1>hi</h1>', isError: false });
    expect((await runTool(w, 'read_file', { path: 'logo.png' })).content).toMatch(/binary file of 4 bytes/);
    await w.write('long.txt', 'é'.repeat(100));
    const cut = await runTool(w, 'read_file', { path: 'long.txt' }, { maxReadBytes: 51 });
    expect(cut.content.startsWith('é'.repeat(25) + '\n')).toBe(true);
    expect(cut.content).toMatch(/truncated: this shows the first 51 bytes of 200 bytes/);
  });

  it('returns errors to the model for missing files, folders and refused paths', async () => {
    const w = ws();
    expect(await runTool(w, 'read_file', { path: 'missing.txt' })).toMatchObject({ isError: true, content: expect.stringMatching(/no file missing.txt/) });
    expect(await runTool(w, 'read_file', { path: 'public' })).toMatchObject({ isError: true, content: expect.stringMatching(/is a folder/) });
    expect(await runTool(w, 'read_file', {})).toMatchObject({ isError: true, content: expect.stringMatching(/must be a string/) });
    expect(await runTool(w, 'write_file', { path: 'a.txt' })).toMatchObject({ isError: true, content: expect.stringMatching(/needs "content"/) });
    expect(await runTool(w, 'write_file', { path: '/abs', content: '' })).toMatchObject({ isError: true });
    expect(await runTool(w, 'delete_file', { path: 'ghost' })).toMatchObject({ isError: true });
    expect(await runTool(w, 'rm_rf', {})).toMatchObject({ isError: true, content: expect.stringMatching(/no tool "rm_rf"/) });
    expect(w.changes()).toEqual([]);
  });

  it('writes and deletes, with effects the generation reports', async () => {
    const w = ws();
    expect(await runTool(w, 'write_file', { path: 'a/b.txt', content: 'hello' })).toEqual({
      content: 'created a/b.txt (5 bytes)',
      isError: false,
      effect: { kind: 'write', path: 'a/b.txt', bytes: 5 },
    });
    expect(await runTool(w, 'write_file', { path: 'Dockerfile', content: 'FROM y\n' })).toMatchObject({ content: 'wrote Dockerfile (7 bytes)' });
    expect(await runTool(w, 'delete_file', { path: './logo.png' })).toEqual({
      content: 'deleted logo.png',
      isError: false,
      effect: { kind: 'delete', path: 'logo.png' },
    });
  });

  it('finish keeps one line and cuts long summaries', async () => {
    const w = ws();
    expect(await runTool(w, 'finish', { summary: '  Add a page\n\nwith details ' })).toMatchObject({
      effect: { kind: 'finish', summary: 'Add a page with details' },
    });
    const long = await runTool(w, 'finish', { summary: 'x'.repeat(300) });
    expect(long.effect).toMatchObject({ kind: 'finish' });
    if (long.effect?.kind === 'finish') expect(long.effect.summary).toHaveLength(100);
    expect(await runTool(w, 'finish', { summary: ' ' })).toMatchObject({ isError: true });
    expect(await runTool(w, 'finish', {})).toMatchObject({ isError: true });
  });

  it('throws faults of the tree itself instead of hiding them from the pipeline', async () => {
    const broken: TreeSource = {
      listFiles: async () => ['a.txt'],
      readFile: async () => {
        throw new Error('object store corrupt');
      },
    };
    await expect(runTool(createWorkspace(broken), 'read_file', { path: 'a.txt' })).rejects.toThrow(/corrupt/);
  });
});
