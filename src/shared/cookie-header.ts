// Reading one cookie out of a Cookie header, and removing one before a request goes on to an app.

/** The value of cookie `name` in a Cookie header (the first one, as browsers send the most specific first). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The header without cookie `name` (undefined when nothing is left). */
export function withoutCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  const kept = header
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '' && (p.indexOf('=') < 0 ? p : p.slice(0, p.indexOf('=')).trim()) !== name);
  return kept.length > 0 ? kept.join('; ') : undefined;
}
