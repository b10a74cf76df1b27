import { describe, expect, it } from 'vitest';
import { createMemoryTreeSource } from '../../../src/codegen/tree-source.js';
import { createWorkspace } from '../../../src/codegen/workspace.js';

const source = () => createMemoryTreeSource({ 'README.md': '# app\n', 'src/main.py': 'print(1)\n', 'src/util.py': 'x = 1\n' });

describe('createWorkspace', () => {
  it('overlays writes and deletes on the source and reports them as changes', async () => {
    const ws = createWorkspace(source());
    await ws.write('src/main.py', 'print(2)\n');
    await ws.write('./docs//guide.md', 'guide');
    await ws.delete('src/util.py');
    expect(await ws.list()).toEqual(['README.md', 'docs/guide.md', 'src/main.py']);
    expect((await ws.read('src/main.py'))?.toString()).toBe('print(2)\n');
    expect(await ws.read('src/util.py')).toBeNull();
    expect((await ws.read('README.md'))?.toString()).toBe('# app\n');
    expect(ws.changes().map((c) => [c.path, c.content?.toString() ?? null])).toEqual([
      ['docs/guide.md', 'guide'],
      ['src/main.py', 'print(2)\n'],
      ['src/util.py', null],
    ]);
  });

  it('forgets a file created and then deleted in the same generation, and a write back to the original', async () => {
    const ws = createWorkspace(source());
    await ws.write('tmp.txt', 'x');
    await ws.delete('tmp.txt');
    await ws.write('README.md', 'changed');
    await ws.write('README.md', '# app\n');
    await ws.delete('src/util.py');
    await ws.write('src/util.py', 'x = 1\n');
    expect(ws.changes()).toEqual([]);
  });

  it('refuses bad paths, missing files and file/folder clashes with reasons', async () => {
    const ws = createWorkspace(source());
    await expect(ws.write('../x', 'x')).rejects.toThrow(/outside/);
    await expect(ws.read('.git/HEAD')).rejects.toThrow(/\.git/);
    await expect(ws.delete('nope.txt')).rejects.toThrow(/no file "nope.txt"/);
    await expect(ws.write('README.md/x', 'x')).rejects.toThrow(/"README.md" is a file/);
    await expect(ws.write('src', 'x')).rejects.toThrow(/"src" is a folder/);
    await ws.delete('README.md');
    await ws.write('README.md/x', 'now allowed');
    expect(ws.changes().map((c) => c.path)).toEqual(['README.md', 'README.md/x']);
  });

  it('caps the size of one file, the total written and the number of changed files', async () => {
    const ws = createWorkspace(source(), { maxFileBytes: 10, maxTotalBytes: 25, maxChangedFiles: 3 });
    await expect(ws.write('big.txt', 'x'.repeat(11))).rejects.toThrow(/11 bytes; a file may have at most 10 bytes/);
    await ws.write('a.txt', 'x'.repeat(10));
    await ws.write('b.txt', 'x'.repeat(10));
    await expect(ws.write('c.txt', 'x'.repeat(10))).rejects.toThrow(/30 bytes; the limit is 25 bytes/);
    // Rewriting a file counts its new size, not both.
    await ws.write('a.txt', 'x'.repeat(5));
    await ws.write('c.txt', 'x'.repeat(10));
    await expect(ws.write('d.txt', 'x')).rejects.toThrow(/at most 3 files/);
    await expect(ws.delete('README.md')).rejects.toThrow(/at most 3 files/);
    expect(ws.changes().map((c) => c.path)).toEqual(['a.txt', 'b.txt', 'c.txt']);
  });

  it('counts bytes, not characters', async () => {
    const ws = createWorkspace(source(), { maxFileBytes: 4, maxTotalBytes: 100, maxChangedFiles: 10 });
    await expect(ws.write('e.txt', 'ééé')).rejects.toThrow(/6 bytes/);
  });

  it('hands out copies, so callers cannot change recorded content', async () => {
    const ws = createWorkspace(source());
    await ws.write('a.txt', 'abc');
    ws.changes()[0]!.content![0] = 0x7a;
    (await ws.read('a.txt'))![1] = 0x7a;
    expect((await ws.read('a.txt'))?.toString()).toBe('abc');
  });
});
