// Whether a branch preview fits into its app's ResourceQuota (pure): what the quota says is used, plus the branch's
// pods, plus one rolling-update pod kept free for the environments from files, must stay within what it allows.
// Without this a branch preview past the quota would wait for pods the quota never admits, until the rollout's
// deadline, and could take the room preview and production need to roll.
import { formatCpu, formatMemory, parseCpu, parseMemory } from './quantity.js';
import type { PodResources } from './app-quota.js';

/** A ResourceQuota's `status` (quantities as the apiserver writes them). */
export interface QuotaStatus {
  hard?: Record<string, string>;
  used?: Record<string, string>;
}

const KEYS = ['pods', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory'] as const;
type Key = (typeof KEYS)[number];

function amount(key: Key, text: string): number {
  if (key === 'pods') return Number(text);
  return key.endsWith('.cpu') ? parseCpu(text) : parseMemory(text);
}

function format(key: Key, n: number): string {
  if (key === 'pods') return `${n} pods`;
  return `${key} ${key.endsWith('.cpu') ? formatCpu(n) : formatMemory(n)}`;
}

function perPod(r: PodResources): Record<Key, number> {
  return {
    pods: 1,
    'limits.cpu': parseCpu(r.limits.cpu),
    'limits.memory': parseMemory(r.limits.memory),
    'requests.cpu': parseCpu(r.requests.cpu),
    'requests.memory': parseMemory(r.requests.memory),
  };
}

/**
 * Null when `pods` pods of `pod` fit, with room left for one pod of `reserve`; otherwise what is short, as a sentence.
 * A quota without a status yet (just made: the controller has not counted) is not held against the deploy.
 */
export function explainQuotaRoom(status: QuotaStatus | undefined, pods: number, pod: PodResources, reserve: PodResources): string | null {
  if (!status?.hard || !status.used) return null;
  const add = perPod(pod);
  const keep = perPod(reserve);
  const short: string[] = [];
  for (const key of KEYS) {
    const hard = status.hard[key];
    if (hard === undefined) continue;
    const used = amount(key, status.used[key] ?? '0');
    const need = pods * add[key] + keep[key];
    if (used + need > amount(key, hard)) short.push(`${format(key, need)} (used ${format(key, used).replace(/^\S+ /, '')} of ${hard})`);
  }
  return short.length === 0 ? null : short.join(', ');
}
