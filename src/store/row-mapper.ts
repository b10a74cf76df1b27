// Maps snake_case rows to camelCase records (columns named `commit_sha` become `commit`).

const renames: Record<string, string> = { commit_sha: 'commit' };

export function toCamel<T>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[renames[k] ?? k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())] = v;
  return out as T;
}
