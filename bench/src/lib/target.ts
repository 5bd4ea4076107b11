/**
 * The servers a benchmark runs against, each a child process on 127.0.0.1 with the metrics IPC.
 *
 * `startTarget` is the one place that decides what "the server" is: one process with its SQLite
 * file (the embedded default), or N processes in cluster mode over PostgreSQL and Redis, each in a
 * schema and under a key prefix of its own that are removed again on `close`. The load generator
 * spreads its clients over `urls` and reads the figures of every child.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { environmentWithout, spawnWithPort, type SpawnedServer } from '@pajataulu/server/spawn';
import { randomId } from '@pajataulu/shared';
import { METRICS_IPC_ENV, requestMetrics, type ProcessMetrics } from './metrics.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '../../..');
export const SERVER_MAIN = path.join(REPO_ROOT, 'server/dist/main.js');
export const BASELINE_RELAY = path.resolve(here, '../baseline-relay.js');
/** How long a server may take to start and print its port. */
export const SERVER_START_TIMEOUT_MS = 20_000;
/** Cluster mode's PostgreSQL and Redis unless `DATABASE_URL` / `REDIS_URL` say otherwise. */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** How long PostgreSQL and Redis may take to answer before the bench gives up on cluster mode. */
export const SERVICE_CHECK_TIMEOUT_MS = 5_000;
/** The settings that put a server in cluster mode; the embedded target never inherits them. */
const CLUSTER_ENV_KEYS = ['DATABASE_URL', 'DATABASE_SCHEMA', 'REDIS_URL', 'REDIS_PREFIX'];

export type TargetKind = 'pajataulu' | 'baseline';

export interface Target {
  kind: TargetKind;
  /** What runs, for the output: "1 instance, SQLite" or "3 instances, PostgreSQL + Redis". */
  label: string;
  /** HTTP origins, one per instance (clients are spread over them). */
  urls: string[];
  procs: ChildProcess[];
  /** Figures of every instance. */
  metrics(reset?: boolean): Promise<ProcessMetrics[]>;
  close(): Promise<void>;
}

export interface TargetOptions {
  /** Server processes; more than one runs in cluster mode (PostgreSQL + Redis). */
  instances?: number;
  /** Cluster mode (PostgreSQL + Redis) even for one instance; always on above one. */
  cluster?: boolean;
  /** Extra environment for the Pajataulu server (e.g. limits raised for 127.0.0.1-only load). */
  env?: Record<string, string>;
  /** Write a CPU profile of each server process into this directory when it exits. */
  profileDir?: string;
}

export async function startTarget(kind: TargetKind, opts: TargetOptions = {}): Promise<Target> {
  const instances = opts.instances ?? 1;
  if (kind === 'baseline') {
    if (instances !== 1 || opts.cluster)
      throw new Error('the baseline relay runs as one process only');
    const child = await spawnServer(BASELINE_RELAY, { [METRICS_IPC_ENV]: '1' }, opts.profileDir);
    return wrap(kind, '1 process', [child]);
  }
  if (!fs.existsSync(SERVER_MAIN))
    throw new Error(`${SERVER_MAIN} is missing: run \`pnpm build\` first`);
  if (instances > 1 || opts.cluster) return startCluster(instances, opts);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pajataulu-bench-'));
  const child = await spawnServer(SERVER_MAIN, serverEnv(dataDir, opts.env), opts.profileDir);
  const t = wrap(kind, '1 instance, SQLite', [child]);
  return {
    ...t,
    async close() {
      await t.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function serverEnv(dataDir: string, extra?: Record<string, string>): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    PAJATAULU_PRINT_PORT: '1',
    [METRICS_IPC_ENV]: '1',
    ...extra,
  };
}

/** PostgreSQL or Redis, needed for cluster mode, did not answer. */
export class ServiceUnavailableError extends Error {
  override name = 'ServiceUnavailableError';
}

/** Cluster mode's services: `DATABASE_URL` and `REDIS_URL`, or this machine's defaults. */
export function clusterServices(): { databaseUrl: string; redisUrl: string } {
  return {
    databaseUrl: process.env['DATABASE_URL'] || DEFAULT_DATABASE_URL,
    redisUrl: process.env['REDIS_URL'] || DEFAULT_REDIS_URL,
  };
}

/** Fails with a message that names the service and the variable when either does not answer. */
export async function checkClusterServices(databaseUrl: string, redisUrl: string): Promise<void> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: SERVICE_CHECK_TIMEOUT_MS,
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new ServiceUnavailableError(
      `cluster mode needs PostgreSQL: ${redact(databaseUrl)} did not answer (${message(err)}); ` +
        'set DATABASE_URL to one that does',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: SERVICE_CHECK_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new ServiceUnavailableError(
      `cluster mode needs Redis: ${redact(redisUrl)} did not answer (${message(err)}); ` +
        'set REDIS_URL to one that does',
    );
  } finally {
    redis.disconnect();
  }
}

/**
 * N instances in cluster mode, each a child with the metrics IPC (which `startCluster` of the
 * server does not open), in a fresh schema and under a fresh Redis prefix.
 */
async function startCluster(instances: number, opts: TargetOptions): Promise<Target> {
  const { databaseUrl, redisUrl } = clusterServices();
  await checkClusterServices(databaseUrl, redisUrl);
  const tag = randomId(10).toLowerCase();
  const schema = `pj_bench_${tag}`;
  const prefix = `pj-bench-${tag}:`;
  // Nothing of a cluster lives in a data directory, but the setting must point somewhere.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pajataulu-bench-cluster-'));
  const env = serverEnv(dataDir, {
    ...opts.env,
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
  });
  const spawned: Spawned[] = [];
  const cleanUp = async () => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await dropSchema(databaseUrl, schema);
    await dropRedisKeys(redisUrl, prefix);
  };
  let t: Target;
  try {
    // The first instance creates the schema and runs the migrations; the rest start together.
    spawned.push(await spawnServer(SERVER_MAIN, env, opts.profileDir));
    spawned.push(
      ...(await Promise.all(
        Array.from({ length: instances - 1 }, () => spawnServer(SERVER_MAIN, env, opts.profileDir)),
      )),
    );
    t = wrap(
      'pajataulu',
      `${instances} instance${instances === 1 ? '' : 's'}, PostgreSQL + Redis`,
      spawned,
    );
  } catch (err) {
    await wrap('pajataulu', '', spawned).close();
    await cleanUp();
    throw err;
  }
  return {
    ...t,
    async close() {
      await t.close();
      await cleanUp();
    },
  };
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

async function dropRedisKeys(url: string, prefix: string): Promise<void> {
  const r = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

/** A URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(an unparsable URL)';
  }
}

type Spawned = SpawnedServer;

/** Starts one server (or the baseline relay) with `env` over this environment minus cluster keys. */
function spawnServer(
  script: string,
  env: Record<string, string>,
  profileDir?: string,
): Promise<Spawned> {
  return spawnWithPort(script, {
    // Cluster settings come from `env` alone, never from this process's environment.
    env: { ...environmentWithout(CLUSTER_ENV_KEYS), ...env },
    execArgv: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : [],
    ipc: true,
    timeoutMs: SERVER_START_TIMEOUT_MS,
  });
}

function wrap(kind: TargetKind, label: string, spawned: Spawned[]): Target {
  return {
    kind,
    label,
    urls: spawned.map((s) => `http://127.0.0.1:${s.port}`),
    procs: spawned.map((s) => s.proc),
    metrics: (reset) => Promise.all(spawned.map((s) => requestMetrics(s.proc, reset))),
    async close() {
      await Promise.all(
        spawned.map(
          ({ proc }) =>
            new Promise<void>((resolve) => {
              if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
              const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
              proc.once('exit', () => {
                clearTimeout(kill);
                resolve();
              });
              proc.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

/** Figures of a server too busy to answer its metrics request in time. */
export const UNANSWERED: ProcessMetrics = {
  cpuUserUs: NaN,
  cpuSystemUs: NaN,
  rssBytes: NaN,
  heapUsedBytes: NaN,
  loopMaxMs: NaN,
  loopP50Ms: NaN,
  loopP95Ms: NaN,
  loopP99Ms: NaN,
};

/**
 * The figures of each instance, each `UNANSWERED` when that instance was too busy to answer (a
 * saturated server is a result, not a failure of the benchmark).
 */
export async function readInstanceMetrics(
  target: Target,
  reset = false,
): Promise<ProcessMetrics[]> {
  return Promise.all(
    target.procs.map((proc, i) =>
      requestMetrics(proc, reset).catch(() => {
        const which = target.procs.length > 1 ? ` (instance ${i + 1})` : '';
        process.stdout.write(
          `[${target.kind}] the server${which} did not answer its metrics request in time\n`,
        );
        return UNANSWERED;
      }),
    ),
  );
}

/** The combined figures of every instance (`UNANSWERED` figures make the sums NaN). */
export async function readMetrics(target: Target, reset = false): Promise<ProcessMetrics> {
  return combine(await readInstanceMetrics(target, reset));
}

/** Sums CPU and memory over instances; event-loop figures are the worst instance's. */
export function combine(ms: ProcessMetrics[]): ProcessMetrics {
  const sum = (f: (m: ProcessMetrics) => number) => ms.reduce((a, m) => a + f(m), 0);
  const max = (f: (m: ProcessMetrics) => number) => Math.max(...ms.map(f));
  return {
    cpuUserUs: sum((m) => m.cpuUserUs),
    cpuSystemUs: sum((m) => m.cpuSystemUs),
    rssBytes: sum((m) => m.rssBytes),
    heapUsedBytes: sum((m) => m.heapUsedBytes),
    loopMaxMs: max((m) => m.loopMaxMs),
    loopP50Ms: max((m) => m.loopP50Ms),
    loopP95Ms: max((m) => m.loopP95Ms),
    loopP99Ms: max((m) => m.loopP99Ms),
  };
}
