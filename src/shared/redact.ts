// Removes secrets from text that goes to logs, errors or the pusher's terminal.

const registered = new Set<string>();

/** Registers a secret value so that `redact` hides it wherever it appears. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) registered.add(value);
}

const patterns: RegExp[] = [
  /(authorization:\s*(?:basic|bearer)\s+)[^\s]+/gi,
  /(https?:\/\/[^:/\s]+:)[^@\s]+(@)/gi,
  /\b(slw_[A-Za-z0-9_-]{6})[A-Za-z0-9_-]+/g,
  /\b(whsec_)[A-Za-z0-9_-]+/g,
  /\b(shr_|acc_)[A-Za-z0-9_-]+/g,
  /\b(sk-ant-[A-Za-z0-9]{2})[A-Za-z0-9_-]+/g,
];

export function redact(text: string): string {
  let out = text;
  for (const secret of registered) out = out.split(secret).join('[redacted]');
  for (const p of patterns) out = out.replace(p, (_m, a: string, b?: string) => `${a}[redacted]${typeof b === 'string' ? b : ''}`);
  return out;
}
