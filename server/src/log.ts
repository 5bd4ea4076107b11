/**
 * A module logger writing one JSON object per line to stderr. Never log note texts, names,
 * tokens or keys: logs are kept longer than boards.
 */
import type { LogLevel } from './config.js';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };
let threshold = ORDER.info;

/** Sets the level for every module logger. */
export function setLogLevel(level: LogLevel): void {
  threshold = ORDER[level];
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

function write(
  level: Exclude<LogLevel, 'silent'>,
  module: string,
  msg: string,
  fields?: Record<string, unknown>,
): void {
  if (ORDER[level] < threshold) return;
  const line: Record<string, unknown> = {
    t: new Date().toISOString(),
    level,
    module,
    msg,
    ...fields,
  };
  const err = fields?.['err'];
  if (err instanceof Error)
    line['err'] = { name: err.name, message: err.message, stack: err.stack };
  process.stderr.write(JSON.stringify(line) + '\n');
}

/** A logger that tags each line with `module`. */
export function createLogger(module: string): Logger {
  return {
    debug: (m, f) => write('debug', module, m, f),
    info: (m, f) => write('info', module, m, f),
    warn: (m, f) => write('warn', module, m, f),
    error: (m, f) => write('error', module, m, f),
  };
}
