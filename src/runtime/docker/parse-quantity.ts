// Kubernetes-style quantities from environment files, for Docker's limits.

/** "256Mi" → bytes. */
export function memoryBytes(quantity: string): number {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(quantity);
  if (!m) throw new Error(`not a memory quantity: ${quantity}`);
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
}

/** "500m" → 500_000_000 NanoCPUs; "1" → 1e9. */
export function nanoCpus(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(quantity);
  if (!m) throw new Error(`not a CPU quantity: ${quantity}`);
  return Math.round(Number(m[1]) * (m[2] ? 1e6 : 1e9));
}
