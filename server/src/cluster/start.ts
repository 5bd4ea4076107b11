/**
 * Starts N instances of the built server as child processes sharing one PostgreSQL and one Redis:
 * a cluster on this machine, for the cluster tests and the load benchmark.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { environmentWithout, spawnWithPort } from '../spawn.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The built server entry point (`pnpm build` first). */
export const BUILT_MAIN = path.resolve(here, '../../dist/main.js');
/** How long an instance may take to start listening. */
export const INSTANCE_START_TIMEOUT_MS = 15_000;

export interface ClusterInstance {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  proc: ChildProcess;
}

export interface ClusterOptions {
  instances: number;
  databaseUrl: string;
  /** Cluster mode needs Redis; without it the instances share PostgreSQL only. */
  redisUrl?: string;
  /** A schema of the database for this cluster alone (created when missing). */
  databaseSchema?: string;
  /** A Redis key prefix for this cluster alone. */
  redisPrefix?: string;
  /** More environment for every instance (rates, log level, …). */
  env?: Record<string, string>;
}

export interface Cluster {
  readonly instances: ClusterInstance[];
  /** The instances' URLs, in order. */
  readonly urls: string[];
  /** Kills instance `i` with `signal` and waits until it has exited. */
  kill(i: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts instance `i` again (on a new port) after it was killed. */
  restart(i: number): Promise<ClusterInstance>;
  /** Stops every instance gracefully (SIGTERM), killing any that does not exit in time. */
  stop(): Promise<void>;
}

/** Waits until a child process has exited. */
export function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => proc.once('exit', () => resolve()));
}

/** Starts one instance of the built server on a free port with `env`. */
export async function spawnInstance(env: Record<string, string>): Promise<ClusterInstance> {
  if (!fs.existsSync(BUILT_MAIN))
    throw new Error(`${BUILT_MAIN} is missing: run \`pnpm build\` first`);
  // Storage and Redis come from `env` alone, never from this process's environment.
  const inherited = environmentWithout([
    'DATABASE_URL',
    'DATABASE_SCHEMA',
    'REDIS_URL',
    'REDIS_PREFIX',
  ]);
  const { proc, port } = await spawnWithPort(BUILT_MAIN, {
    env: {
      ...inherited,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      ...env,
      PAJATAULU_PRINT_PORT: '1',
    },
    timeoutMs: INSTANCE_START_TIMEOUT_MS,
  });
  return { proc, port, url: `http://127.0.0.1:${port}` };
}

/**
 * Starts `instances` servers sharing `databaseUrl` (and `redisUrl`), each on a free port of
 * 127.0.0.1, and resolves once all listen.
 */
export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const env: Record<string, string> = {
    DATABASE_URL: opts.databaseUrl,
    // Nothing of a cluster lives in a data directory, but the setting must point somewhere.
    DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'pajataulu-cluster-')),
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
    ...(opts.databaseSchema ? { DATABASE_SCHEMA: opts.databaseSchema } : {}),
    ...(opts.redisPrefix ? { REDIS_PREFIX: opts.redisPrefix } : {}),
    ...opts.env,
  };
  // The first instance runs the migrations; the rest start together.
  const first = await spawnInstance(env);
  const rest = await Promise.all(
    Array.from({ length: opts.instances - 1 }, () => spawnInstance(env)),
  );
  const instances = [first, ...rest];
  const cluster: Cluster = {
    instances,
    get urls() {
      return instances.map((i) => i.url);
    },
    async kill(i, signal = 'SIGKILL') {
      const inst = instances[i];
      if (!inst) throw new Error(`no instance ${i}`);
      inst.proc.kill(signal);
      await exited(inst.proc);
    },
    async restart(i) {
      // On its old port, so a load balancer in front finds it again.
      const old = instances[i];
      const inst = await spawnInstance(old ? { ...env, PORT: String(old.port) } : env);
      instances[i] = inst;
      return inst;
    },
    async stop() {
      await Promise.all(
        instances.map(async (inst) => {
          if (inst.proc.exitCode !== null || inst.proc.signalCode !== null) return;
          inst.proc.kill('SIGTERM');
          const t = setTimeout(() => inst.proc.kill('SIGKILL'), 10_000);
          await exited(inst.proc);
          clearTimeout(t);
        }),
      );
    },
  };
  return cluster;
}
