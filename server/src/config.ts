/**
 * Configuration from the environment, validated once at start-up. Every setting has a default
 * that runs the embedded set-up (one process, SQLite file under ./data).
 */
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';

/** How long a board stays in memory after its last connection leaves, by default. */
export const DEFAULT_BOARD_IDLE_UNLOAD_MS = 30_000;
/** Update-log rows after which a board's document is compacted into one snapshot. */
export const DEFAULT_COMPACT_AFTER_UPDATES = 500;

/** Commands one connection may send per second on average, and in a burst. */
export const DEFAULT_COMMANDS_PER_SECOND = 20;
export const DEFAULT_COMMAND_BURST = 60;
/** Notes one participant may add per minute. */
export const DEFAULT_NOTES_PER_MINUTE = 30;
/**
 * Joins from one address per minute. Generous: a whole ward may sit behind one address, and 60
 * people joining from it within a minute must all get in.
 */
export const DEFAULT_JOINS_PER_ADDRESS_PER_MINUTE = 300;
/** Joins of one board per minute (a whole organisation joining at the start of a session). */
export const DEFAULT_JOINS_PER_BOARD_PER_MINUTE = 3_000;
/** Boards one address may create per hour. */
export const DEFAULT_BOARDS_PER_ADDRESS_PER_HOUR = 120;
/** Look-ups of codes that do not exist, per address per minute: stops guessing codes. */
export const DEFAULT_CODE_MISSES_PER_ADDRESS_PER_MINUTE = 30;

/**
 * Which proxies in front of the server are believed about the client's address and protocol:
 * `false` none; a number, that many hops nearest the server; a list, the peers whose address
 * is in one of these subnets (Express's `trust proxy` takes all three as they are).
 */
export type TrustProxy = false | number | string[];

/** Names Express accepts for well-known subnets in a trusted-proxy list. */
const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
/** More hops than any real chain of proxies: a larger count is a typo. */
export const MAX_TRUSTED_PROXY_HOPS = 16;

/** An address, `address/prefix`, or one of {@link TRUST_PROXY_NAMES}. */
function isTrustedProxyEntry(entry: string): boolean {
  if (TRUST_PROXY_NAMES.has(entry)) return true;
  const [addr = '', bits, ...rest] = entry.split('/');
  const family = net.isIP(addr);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** `TRUST_PROXY`: false/0, true (= 1), a hop count, or comma-separated addresses and subnets. */
const TrustProxySchema = z
  .string()
  .trim()
  .default('false')
  .transform((v, ctx): TrustProxy => {
    if (v === '' || v === 'false' || v === '0') return false;
    if (v === 'true') return 1;
    if (/^\d+$/.test(v)) {
      const hops = Number(v);
      if (hops <= MAX_TRUSTED_PROXY_HOPS) return hops;
    }
    const entries = v.split(',').map((s) => s.trim());
    const bad = entries.filter((s) => !isTrustedProxyEntry(s));
    if (bad.length === 0 && !/^\d+$/.test(v)) return entries;
    ctx.addIssue({
      code: 'custom',
      message: `false, true, a hop count 1–${MAX_TRUSTED_PROXY_HOPS}, or comma-separated addresses/subnets (e.g. 127.0.0.1/32,10.0.0.0/8); not ${bad.length > 0 ? bad.join(', ') : v}`,
    });
    return z.NEVER;
  });

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  PUBLIC_URL: z
    .url()
    .optional()
    .transform((u) => u?.replace(/\/+$/, '')),
  ALLOWED_ORIGINS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const items = (v ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean);
      const origins: string[] = [];
      for (const item of items) {
        let origin: string | undefined;
        try {
          const url = new URL(item);
          if (url.protocol === 'http:' || url.protocol === 'https:') origin = url.origin;
        } catch {
          origin = undefined;
        }
        if (!origin) ctx.addIssue({ code: 'custom', message: `not an http(s) origin: ${item}` });
        else origins.push(origin);
      }
      return origins.length > 0 ? origins : undefined;
    }),
  TRUST_PROXY: TrustProxySchema,
  BOARD_IDLE_UNLOAD_MS: z.coerce.number().int().min(0).default(DEFAULT_BOARD_IDLE_UNLOAD_MS),
  COMPACT_AFTER_UPDATES: z.coerce.number().int().min(1).default(DEFAULT_COMPACT_AFTER_UPDATES),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  RATE_COMMANDS_PER_SECOND: z.coerce.number().positive().default(DEFAULT_COMMANDS_PER_SECOND),
  RATE_COMMAND_BURST: z.coerce.number().int().min(1).default(DEFAULT_COMMAND_BURST),
  RATE_NOTES_PER_MINUTE: z.coerce.number().int().min(1).default(DEFAULT_NOTES_PER_MINUTE),
  RATE_JOINS_PER_ADDRESS_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_JOINS_PER_ADDRESS_PER_MINUTE),
  RATE_JOINS_PER_BOARD_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_JOINS_PER_BOARD_PER_MINUTE),
  RATE_BOARDS_PER_ADDRESS_PER_HOUR: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_BOARDS_PER_ADDRESS_PER_HOUR),
  RATE_CODE_MISSES_PER_ADDRESS_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_CODE_MISSES_PER_ADDRESS_PER_MINUTE),
  /** Unset: the exporter's EXPORT_STALL_MS. */
  EXPORT_STALL_MS: z.coerce.number().int().min(100).optional(),
  CLIENT_DIR: z.string().optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
    .optional(),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'a redis:// URL')
    .optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits and _.:- only')
    .default('pajataulu:'),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** SQLite database file (the embedded default). */
  sqliteFile: string;
  /** PostgreSQL instead of SQLite, for many instances. */
  databaseUrl: string | undefined;
  /** A schema of its own in the database (created when missing); default `public`. */
  databaseSchema: string | undefined;
  /** Redis between instances (cluster mode; needs `databaseUrl`). */
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel. */
  redisPrefix: string;
  /** Origin used in links handed out; derived from each request when unset. */
  publicUrl: string | undefined;
  /**
   * Origins of the pages that may open websocket connections; undefined allows the server's own
   * (the request's host, or `publicUrl`). Requests without an `Origin` are not from a browser.
   */
  allowedOrigins: string[] | undefined;
  /** Proxies believed about the client's address (X-Forwarded-For) and protocol. */
  trustProxy: TrustProxy;
  boardIdleUnloadMs: number;
  compactAfterUpdates: number;
  logLevel: LogLevel;
  /** Built client to serve; undefined serves no client. */
  clientDir: string | undefined;
  rates: RateLimits;
  /** How long an export may wait for its receiver to take bytes; undefined for the default. */
  exportStallMs: number | undefined;
}

export interface RateLimits {
  commandsPerSecond: number;
  commandBurst: number;
  notesPerMinute: number;
  joinsPerAddressPerMinute: number;
  joinsPerBoardPerMinute: number;
  codeMissesPerAddressPerMinute: number;
  boardsPerAddressPerHour: number;
}

/** Thrown with every problem in the environment at once, so an operator fixes them in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates configuration from `env`. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  defaults: { clientDir?: string } = {},
): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  if (e.REDIS_URL && !e.DATABASE_URL) {
    throw new ConfigError([
      'REDIS_URL: cluster mode needs DATABASE_URL too (instances share PostgreSQL)',
    ]);
  }
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    sqliteFile: path.join(dataDir, 'pajataulu.sqlite'),
    databaseUrl: e.DATABASE_URL || undefined,
    databaseSchema: e.DATABASE_SCHEMA,
    redisUrl: e.REDIS_URL || undefined,
    redisPrefix: e.REDIS_PREFIX,
    publicUrl: e.PUBLIC_URL,
    allowedOrigins: e.ALLOWED_ORIGINS,
    trustProxy: e.TRUST_PROXY,
    boardIdleUnloadMs: e.BOARD_IDLE_UNLOAD_MS,
    compactAfterUpdates: e.COMPACT_AFTER_UPDATES,
    logLevel: e.LOG_LEVEL,
    clientDir: e.CLIENT_DIR ?? defaults.clientDir,
    exportStallMs: e.EXPORT_STALL_MS,
    rates: {
      commandsPerSecond: e.RATE_COMMANDS_PER_SECOND,
      commandBurst: e.RATE_COMMAND_BURST,
      notesPerMinute: e.RATE_NOTES_PER_MINUTE,
      joinsPerAddressPerMinute: e.RATE_JOINS_PER_ADDRESS_PER_MINUTE,
      joinsPerBoardPerMinute: e.RATE_JOINS_PER_BOARD_PER_MINUTE,
      codeMissesPerAddressPerMinute: e.RATE_CODE_MISSES_PER_ADDRESS_PER_MINUTE,
      boardsPerAddressPerHour: e.RATE_BOARDS_PER_ADDRESS_PER_HOUR,
    },
  };
}
