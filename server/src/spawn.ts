/**
 * Starts a Node.js script as a child process that prints `PORT=<n>` once it listens, and waits for
 * that line: how the cluster tests start server instances and the benchmarks start the servers
 * they measure. One place, so that both read the port, time out and clean up the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/**
 * glibc malloc arenas a server process uses (`MALLOC_ARENA_MAX`), unless its environment says
 * otherwise. By default every thread that allocates (each export and import worker, libuv's pool)
 * may get an arena of its own, up to eight per core, and what a finished worker freed stays mapped
 * in its arena. Measured on this project's fuzz run of the HTTP target (60 s): RSS grew by 364 MB
 * with the default and 245 MB with 2; sixty exports of a 3,000-note board in a row crept from
 * 404 to 525 MB peak with the default and held at 370–430 MB with 2. `npm start` sets the same.
 */
export const SERVER_MALLOC_ARENAS = 2;

/** `env` with `MALLOC_ARENA_MAX` set to {@link SERVER_MALLOC_ARENAS} when it does not set it. */
export function withServerMalloc(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { MALLOC_ARENA_MAX: String(SERVER_MALLOC_ARENAS), ...env };
}

export interface SpawnOptions {
  /** The child's whole environment. */
  env: NodeJS.ProcessEnv;
  /** Node.js flags before the script (e.g. `--cpu-prof`). */
  execArgv?: string[];
  /** An IPC channel to the child (for `process.send`). */
  ipc?: boolean;
  /** How long the child may take to print its port; it is killed after that. */
  timeoutMs: number;
}

export interface SpawnedServer {
  proc: ChildProcess;
  port: number;
}

/** This process's environment without `keys`: settings a child must get explicitly or not at all. */
export function environmentWithout(keys: readonly string[]): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of keys) delete env[k];
  return env;
}

/** Spawns `script` and resolves with its port once it prints `PORT=<n>`. */
export async function spawnWithPort(script: string, opts: SpawnOptions): Promise<SpawnedServer> {
  const proc = spawn(process.execPath, [...(opts.execArgv ?? []), script], {
    env: withServerMalloc(opts.env),
    stdio: ['ignore', 'pipe', 'inherit', ...(opts.ipc ? (['ipc'] as const) : [])],
  });
  const name = path.basename(script);
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${name} did not start in ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /PORT=(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.off('exit', onExit);
        resolve(Number(m[1]));
      }
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}`));
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', onExit);
  });
  // Keep reading, so a child that logs to stdout never blocks on a full pipe.
  proc.stdout!.resume();
  return { proc, port };
}
