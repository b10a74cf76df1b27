// slipway.yaml's read-only setting: what it accepts, its default writable folder, and clear refusals.
import { describe, expect, it } from 'vitest';
import { parseAppSettings } from '../../../src/domain/parse-app-settings.js';
import { containerConfig } from '../../../src/runtime/docker/container-config.js';
import { PREVIEW, commitOf, webSpec } from '../../helpers/k8s-cluster.js';

describe('slipway.yaml readOnly', () => {
  it('is off unless asked; on, /tmp is the writable folder unless others are named', () => {
    expect(parseAppSettings('port: 8080\n').readOnly).toBeUndefined();
    expect(parseAppSettings('readOnly: true\n')).toMatchObject({ readOnly: true, writable: ['/tmp'] });
    expect(parseAppSettings('readOnly: true\nwritable: [/tmp, /var/cache/nginx, /tmp]\n').writable).toEqual(['/tmp', '/var/cache/nginx']);
  });

  it('refuses what is not a list of absolute folders, and writable without readOnly', () => {
    expect(() => parseAppSettings('readOnly: yes please\n')).toThrow(/readOnly must be true or false/);
    expect(() => parseAppSettings('writable: [/tmp]\n')).toThrow(/writable folders are for readOnly: true/);
    for (const bad of ['[tmp]', '[/]', '[/tmp/../etc]', '"/tmp"', '[/a b]'])
      expect(() => parseAppSettings(`readOnly: true\nwritable: ${bad}\n`), bad).toThrow(/writable must be a list of at most 10 absolute folders/);
  });

  it('makes a Docker container whose root filesystem is read-only, with a small tmpfs for each writable folder', () => {
    const settings = parseAppSettings('readOnly: true\nwritable: [/tmp, /var/run]\n');
    const spec = { ...webSpec('shop', PREVIEW, commitOf(1)), settings };
    const host = containerConfig(spec, { name: 'c', role: 'web', network: 'n', installation: 'i' }).HostConfig!;
    expect(host.ReadonlyRootfs).toBe(true);
    expect(host.Tmpfs).toEqual({ '/tmp': 'rw,nosuid,nodev,size=64m', '/var/run': 'rw,nosuid,nodev,size=64m' });
    const plain = containerConfig(webSpec('shop', PREVIEW, commitOf(1)), { name: 'c', role: 'web', network: 'n', installation: 'i' }).HostConfig!;
    expect(plain.ReadonlyRootfs).toBeUndefined();
  });
});
