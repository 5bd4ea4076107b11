/**
 * A module logger writing one JSON object per line to stderr (pino): `level` as a label, `t`,
 * `module`, `msg`, the given fields, and `err` as its name, message and stack. Never log note
 * texts, names, tokens or keys: logs are kept longer than boards. Every credential field name is
 * censored anyway ({@link LOG_REDACTED_FIELDS}), should one reach a log by mistake.
 */
import { pino } from 'pino';
import type { LogLevel } from './config.js';

/**
 * Field names whose values are censored wherever they appear at the top of a line or one level
 * down (`headers.authorization`, `auth.token`): the credentials a client presents (session
 * token, facilitator and projector keys, the export key, the join code, the socket.io `auth`
 * and the sync subprotocols that carry them), their stored hashes, HTTP credentials, and the
 * database and Redis URLs, which may hold a password.
 */
export const LOG_REDACTED_FIELDS: readonly string[] = [
  'token',
  'tokenHash',
  'facilitatorKey',
  'facilitatorKeyHash',
  'projectorKey',
  'projectorKeyHash',
  'key',
  'secret',
  'password',
  'code',
  'joinCode',
  'links',
  'auth',
  'authorization',
  'cookie',
  'set-cookie',
  'sec-websocket-protocol',
  'databaseUrl',
  'redisUrl',
];

/** What a censored value is replaced with. */
export const LOG_REDACTION_CENSOR = '[redacted]';

function redactPaths(names: readonly string[]): string[] {
  return names.flatMap((name) => {
    const key = /^[A-Za-z_$][\w$]*$/.test(name) ? name : `[${JSON.stringify(name)}]`;
    const nested = key.startsWith('[') ? `*${key}` : `*.${key}`;
    return [key, nested];
  });
}

function serializeError(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  return { name: value.name, message: value.message, stack: value.stack };
}

const root = pino(
  {
    level: 'info',
    // No pid or hostname: the process manager knows them, and a line stays short.
    base: undefined,
    timestamp: () => `,"t":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: serializeError },
    redact: { paths: redactPaths(LOG_REDACTED_FIELDS), censor: LOG_REDACTION_CENSOR },
  },
  // Synchronous: the line before a `process.exit` (a failed start) must not be lost.
  pino.destination({ fd: 2, sync: true }),
);

/** Sets the level for every module logger. */
export function setLogLevel(level: LogLevel): void {
  root.level = level;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

type Level = keyof Logger;

/** A logger that tags each line with `module`. */
export function createLogger(module: string): Logger {
  // One root rather than pino children: a child keeps the level it was made with, and module
  // loggers are made at import, before the configuration sets the level.
  const write = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (root.isLevelEnabled(level)) root[level]({ ...fields, module }, msg);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
