import { describe, expect, it } from 'vitest';
import { checkPath } from '../../../src/codegen/check-path.js';
import { InvalidInputError } from '../../../src/shared/errors.js';

describe('checkPath', () => {
  it.each([
    ['index.html', 'index.html'],
    ['public/css/site.css', 'public/css/site.css'],
    ['./a//b', 'a/b'],
    ['a/./b', 'a/b'],
    ['a/../b', 'b'],
    ['.github/workflows/ci.yml', '.github/workflows/ci.yml'],
    ['.gitignore', '.gitignore'],
    ['docs/.git-notes', 'docs/.git-notes'],
  ])('accepts %j as %j', (input, expected) => {
    expect(checkPath(input)).toBe(expected);
  });

  it.each([
    ['', /empty/],
    ['../x', /outside the repository/],
    ['..', /outside the repository/],
    ['a/../../b', /outside the repository/],
    ['/etc/passwd', /relative/],
    ['.git/config', /\.git/],
    ['.git', /\.git/],
    ['sub/.git/hooks/pre-commit', /\.git/],
    ['.GIT/config', /\.git/],
    ['a\0b', /NUL/],
    ['a\nb', /control/],
    ['a\\b', /"\/"/],
    [' a', /spaces/],
    ['public/', /folder/],
    ['.', /root/],
    ['./', /folder/],
    ['x'.repeat(201), /at most 200/],
    [`${'a/'.repeat(99)}bcd`, /at most 200/],
    [`${'y'.repeat(256)}`, /at most 200/],
  ])('refuses %j', (input, why) => {
    expect(() => checkPath(input)).toThrow(InvalidInputError);
    expect(() => checkPath(input)).toThrow(why);
  });

  it('refuses values that are not strings', () => {
    expect(() => checkPath(undefined)).toThrow(/must be a string/);
    expect(() => checkPath(42)).toThrow(/must be a string/);
  });

  it('shows a long refused path shortened in the message', () => {
    expect(() => checkPath(`/${'z'.repeat(300)}`)).toThrow(/…"/);
  });
});
