import { describe, expect, it } from 'vitest';
import { checkQuotaFits, containerLimits, DEFAULT_APP_QUOTA, podResources } from '../../../src/runtime/kubernetes/app-quota.js';
import { formatCpu, formatMemory, parseCpu, parseMemory } from '../../../src/runtime/kubernetes/quantity.js';

const env = (name: string, cpu: string, memory: string, replicas = 1) => ({ name, replicas, resources: { cpu, memory } });

describe('quantities', () => {
  it('reads and writes CPU and memory', () => {
    expect(parseCpu('500m')).toBe(500);
    expect(parseCpu('1')).toBe(1000);
    expect(parseCpu('0.25')).toBe(250);
    expect(parseMemory('256Mi')).toBe(256 * 1024 ** 2);
    expect(parseMemory('1Gi')).toBe(1024 ** 3);
    expect(formatCpu(250)).toBe('250m');
    expect(formatCpu(2000)).toBe('2');
    expect(formatMemory(64 * 1024 ** 2)).toBe('64Mi');
    expect(() => parseCpu('lots')).toThrow(/CPU quantity/);
    expect(() => parseMemory('1TB')).toThrow(/memory quantity/);
  });
});

describe('podResources', () => {
  it('uses the environment resources as limits and a quarter of them as requests', () => {
    expect(podResources(env('p', '500m', '256Mi'))).toEqual({ limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '125m', memory: '64Mi' } });
    expect(podResources(env('p', '1', '1Gi'))).toEqual({ limits: { cpu: '1', memory: '1024Mi' }, requests: { cpu: '250m', memory: '256Mi' } });
  });
});

describe('containerLimits', () => {
  it('gives defaults that fit the quota several times', () => {
    expect(containerLimits(DEFAULT_APP_QUOTA)).toEqual({
      defaultCpu: '250m',
      defaultMemory: '128Mi',
      defaultRequestCpu: '62m',
      defaultRequestMemory: '32Mi',
      maxCpu: '1',
      maxMemory: '512Mi',
    });
  });
});

describe('checkQuotaFits', () => {
  it('accepts preview and production with room for one rolling-update pod', () => {
    expect(() => checkQuotaFits([env('preview', '250m', '128Mi'), env('prod', '250m', '128Mi')], DEFAULT_APP_QUOTA)).not.toThrow();
  });
  it('refuses environments whose rolling update could never be admitted, saying what is short', () => {
    expect(() => checkQuotaFits([env('preview', '500m', '256Mi'), env('prod', '500m', '256Mi')], DEFAULT_APP_QUOTA)).toThrow(
      /limits\.cpu 1500m \(quota: 1\), limits\.memory 768Mi \(quota: 512Mi\)/,
    );
    expect(() => checkQuotaFits([env('preview', '100m', '64Mi', 6)], DEFAULT_APP_QUOTA)).toThrow(/7 pods \(quota: 6\)/);
  });
});
