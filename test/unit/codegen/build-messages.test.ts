import { describe, expect, it } from 'vitest';
import { buildMessages, MAX_HISTORY_EXCHANGES } from '../../../src/codegen/build-messages.js';

describe('buildMessages', () => {
  it('sends only the file list and the request when there is no history', () => {
    const messages = buildMessages([], 'Add a page', ['Dockerfile', 'public/index.html']);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ role: 'user' });
    expect(messages[0]!.content).toMatch(/files now \(2\):\nDockerfile\npublic\/index.html[\s\S]*The request:\nAdd a page$/);
  });

  it('turns earlier exchanges into alternating user and assistant text, latest ones only', () => {
    const history = Array.from({ length: MAX_HISTORY_EXCHANGES + 2 }, (_, i) => ({
      request: `request ${i}`,
      summary: `Summary ${i}`,
      text: `text ${i}`,
      files: [`f${i}.txt`],
      commit: `${String(i).padStart(2, '0')}${'a'.repeat(38)}`,
    }));
    history.push({ request: 'failed one', summary: '', text: '', files: [], commit: null, outcome: 'Claude used all 8 turns' } as never);
    const messages = buildMessages(history, 'now this', []);
    expect(messages).toHaveLength(MAX_HISTORY_EXCHANGES * 2 + 1);
    expect(messages.map((m) => m.role)).toEqual([...Array.from({ length: MAX_HISTORY_EXCHANGES }, () => ['user', 'assistant']).flat(), 'user']);
    expect(messages[0]!.content).toBe('request 3');
    expect(messages[1]!.content).toBe(`Committed 03aaaaaaaaaa: Summary 3\nFiles changed: f3.txt\n\ntext 3`);
    expect(messages.at(-2)!.content).toBe('Nothing was committed: Claude used all 8 turns.');
    expect(messages.at(-1)!.content).toMatch(/^The exchanges above[\s\S]*no files yet/);
  });

  it('never sends empty text', () => {
    const messages = buildMessages([{ request: ' ', text: '', files: [], commit: null }], '', []);
    for (const m of messages) expect(String(m.content).trim()).not.toBe('');
  });
});
