// The server's log: pino (structured, one line per event), secrets redacted from every line, level and format from
// configuration (SLIPWAY_LOG_LEVEL, SLIPWAY_LOG_FORMAT). `pretty` is for a person at a terminal; `json` for a log
// shipper. Everything writes synchronously to stderr: no worker thread, nothing lost when the process exits.
import { pino, type Logger as PinoLogger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { redact } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'pretty' | 'json';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

/**
 * `write` takes each finished line (tests collect them); unset, stderr. The scope (`slipway:pipeline`) says which part
 * of Slipway speaks.
 */
export function createLogger(
  level: LogLevel,
  scope = 'slipway',
  write: (line: string) => void = (l) => void process.stderr.write(l),
  format: LogFormat = 'pretty',
): Logger {
  // Redacted after formatting, so that a secret is caught wherever it ends up (a field, an error's message).
  const pretty =
    format === 'pretty'
      ? prettyFactory({
          colorize: false,
          translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
          ignore: 'pid,hostname,scope',
          messageFormat: '[{scope}] {msg}',
          singleLine: true,
          // An `error` field stays on the line like any other (pino-pretty would spread it over several).
          errorLikeObjectKeys: [],
        })
      : null;
  const destination = { write: (line: string) => write(redact(pretty ? pretty(line) : line)) };
  const root = pino({ level, base: null, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, destination);
  return wrap(root, scope);
}

function wrap(root: PinoLogger, scope: string): Logger {
  // Children come from the root with their whole scope: pino repeats a key bound twice rather than replacing it.
  const logger = root.child({ scope });
  const emit = (at: 'debug' | 'info' | 'warn' | 'error') => (msg: string, fields?: Record<string, unknown>) => {
    if (!logger.isLevelEnabled(at)) return;
    if (fields && Object.keys(fields).length > 0) logger[at](plain(fields), msg);
    else logger[at](msg);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'), child: (s) => wrap(root, `${scope}:${s}`) };
}

/** Errors as their message and code (never a stack in a line a person reads; never undefined fields). */
function plain(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[k] = v instanceof Error ? { message: v.message, ...((v as { code?: unknown }).code !== undefined ? { code: (v as { code?: unknown }).code } : {}) } : v;
  }
  return out;
}
