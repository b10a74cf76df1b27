import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { parseManifests, renderTemplate, TemplateError } from '../../../src/runtime/kubernetes/render-template.js';

const template = [
  'apiVersion: "v1"',
  'kind: "ConfigMap"',
  'metadata:',
  '  name: {{ name }}',
  '  labels:',
  '    a.b/c: {{ labels.c }}',
  'data: {{ data }}',
  'list:',
  '  - {{ item }}  # a comment',
].join('\n');

describe('renderTemplate', () => {
  it('puts every value in as JSON, so YAML 1.1 and 1.2 read the same strings', () => {
    const tricky = {
      yes: 'yes',
      on: 'on',
      off: 'Off',
      no: 'NO',
      y: 'y',
      octal: '0755',
      float: '1e3',
      sexagesimal: '12:30',
      nul: 'null',
      tilde: '~',
      multi: 'a\nb: c',
      quote: 'say "hi"',
      unicode: 'café ✓',
      hash: '# not a comment',
      empty: '',
    };
    const text = renderTemplate('t.yaml', template, { name: 'on', labels: { c: '0755' }, data: tricky, item: 'yes' });
    for (const version of ['1.1', '1.2'] as const) {
      const doc = YAML.parse(text, { version }) as { metadata: { name: string; labels: Record<string, string> }; data: Record<string, string>; list: string[] };
      expect(doc.metadata.name, version).toBe('on');
      expect(doc.metadata.labels['a.b/c'], version).toBe('0755');
      expect(doc.data, version).toEqual(tricky);
      expect(doc.list, version).toEqual(['yes']);
    }
  });
  it('keeps numbers and booleans typed', () => {
    const out = YAML.parse(renderTemplate('t', 'a: {{ n }}\nb: {{ t }}\nc: {{ z }}', { n: 3, t: true, z: null }));
    expect(out).toEqual({ a: 3, b: true, c: null });
  });
  it('refuses a placeholder that is only part of a value', () => {
    expect(() => renderTemplate('t.yaml', 'host: "{{ app }}.example.com"', { app: 'x' })).toThrow(TemplateError);
    expect(() => renderTemplate('t.yaml', 'host: pre-{{ app }}', { app: 'x' })).toThrow(/whole value/);
    expect(() => renderTemplate('t.yaml', '{{ key }}: value', { key: 'x' })).toThrow(/whole value/);
  });
  it('refuses a placeholder without a value, naming the file and line', () => {
    expect(() => renderTemplate('t.yaml', 'a: 1\nb: {{ missing }}', {})).toThrow('t.yaml:2: no value for {{ missing }}');
    expect(() => renderTemplate('t.yaml', 'b: {{ a.b }}', { a: 'string' })).toThrow(/no value/);
    expect(() => renderTemplate('t.yaml', 'b: {{ n }}', { n: Number.NaN })).toThrow(/not a number/);
  });
  it('never reads a value as a template', () => {
    const out = renderTemplate('t', 'a: {{ v }}', { v: '{{ other }}' });
    expect(YAML.parse(out)).toEqual({ a: '{{ other }}' });
  });
});

describe('parseManifests', () => {
  it('parses each document into an object and skips empty ones', () => {
    const objs = parseManifests(
      'm',
      '---\napiVersion: v1\nkind: A\nmetadata: {name: a}\n---\n# only a comment\n---\napiVersion: v1\nkind: B\nmetadata: {name: b}\n',
    );
    expect(objs.map((o) => o.kind)).toEqual(['A', 'B']);
  });
  it('refuses documents that are not Kubernetes objects, and duplicate keys', () => {
    expect(() => parseManifests('m', '- a\n- b\n')).toThrow(/Kubernetes object/);
    expect(() => parseManifests('m', 'apiVersion: v1\nkind: A\n')).toThrow(/metadata.name/);
    expect(() => parseManifests('m', 'apiVersion: v1\napiVersion: v2\nkind: A\nmetadata: {name: a}\n')).toThrow();
  });
});
