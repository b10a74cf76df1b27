// Kubernetes quantities for CPU and memory, as far as Slipway writes them: millicores and bytes.
import { ConfigError } from '../../shared/errors.js';

const MEMORY_UNITS: Record<string, number> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1e3, M: 1e6, G: 1e9 };

/** `500m` → 500, `1` → 1000, `0.25` → 250. */
export function parseCpu(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(text.trim());
  if (!m) throw new ConfigError(`"${text}" is not a CPU quantity such as 500m or 1`);
  return m[2] === 'm' ? Math.floor(Number(m[1])) : Math.round(Number(m[1]) * 1000);
}

/** `256Mi` → 268435456. */
export function parseMemory(text: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|k|M|G)?$/.exec(text.trim());
  if (!m) throw new ConfigError(`"${text}" is not a memory quantity such as 256Mi`);
  return Number(m[1]) * (MEMORY_UNITS[m[2] ?? ''] ?? 1);
}

export function formatCpu(millicores: number): string {
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${Math.floor(millicores)}m`;
}

/** In Mi, rounded down (at least 1Mi). */
export function formatMemory(bytes: number): string {
  return `${Math.max(1, Math.floor(bytes / 1024 ** 2))}Mi`;
}
