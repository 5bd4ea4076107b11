/**
 * The servers a benchmark runs against, each a child process on 127.0.0.1 with the metrics IPC.
 *
 * `startTarget` is the one place that decides what "the server" is. Today Pajataulu is one
 * process; a multi-instance set-up (several processes over Postgres and Redis) plugs in here by
 * returning more than one URL and one child per instance: the load generator already spreads its
 * clients over `urls` and sums the figures of every child.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { METRICS_IPC_ENV, requestMetrics, type ProcessMetrics } from './metrics.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '../../..');
export const SERVER_MAIN = path.join(REPO_ROOT, 'server/dist/main.js');
export const BASELINE_RELAY = path.resolve(here, '../baseline-relay.js');
/** How long a server may take to start and print its port. */
export const SERVER_START_TIMEOUT_MS = 20_000;

export type TargetKind = 'pajataulu' | 'baseline';

export interface Target {
  kind: TargetKind;
  /** HTTP origins, one per instance (clients are spread over them). */
  urls: string[];
  procs: ChildProcess[];
  /** Figures of every instance. */
  metrics(reset?: boolean): Promise<ProcessMetrics[]>;
  close(): Promise<void>;
}

export interface TargetOptions {
  /** Server processes; more than one needs the multi-instance set-up. */
  instances?: number;
  /** Extra environment for the Pajataulu server (e.g. limits raised for 127.0.0.1-only load). */
  env?: Record<string, string>;
  /** Write a CPU profile of each server process into this directory when it exits. */
  profileDir?: string;
}

export async function startTarget(kind: TargetKind, opts: TargetOptions = {}): Promise<Target> {
  const instances = opts.instances ?? 1;
  if (instances !== 1)
    throw new Error(
      '--instances above 1 needs the multi-instance (Postgres + Redis) start-up, not available in this build',
    );
  if (kind === 'baseline') {
    const child = await spawnWithPort(BASELINE_RELAY, { [METRICS_IPC_ENV]: '1' }, opts.profileDir);
    return wrap(kind, [child]);
  }
  if (!fs.existsSync(SERVER_MAIN))
    throw new Error(`${SERVER_MAIN} is missing: run \`pnpm build\` first`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pajataulu-bench-'));
  const child = await spawnWithPort(
    SERVER_MAIN,
    {
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'error',
      PAJATAULU_PRINT_PORT: '1',
      [METRICS_IPC_ENV]: '1',
      ...opts.env,
    },
    opts.profileDir,
  );
  const t = wrap(kind, [child]);
  return {
    ...t,
    async close() {
      await t.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface Spawned {
  proc: ChildProcess;
  port: number;
}

async function spawnWithPort(
  script: string,
  env: Record<string, string>,
  profileDir?: string,
): Promise<Spawned> {
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : [];
  const proc = spawn(process.execPath, [...profile, script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${path.basename(script)} did not start in time`));
    }, SERVER_START_TIMEOUT_MS);
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /PORT=(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${path.basename(script)} exited with ${code}`));
    });
  });
  proc.stdout!.resume();
  return { proc, port };
}

function wrap(kind: TargetKind, spawned: Spawned[]): Target {
  return {
    kind,
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
 * The combined figures of every instance, or `UNANSWERED` when one was too busy to answer (a
 * saturated server is a result, not a failure of the benchmark).
 */
export async function readMetrics(target: Target, reset = false): Promise<ProcessMetrics> {
  try {
    return combine(await target.metrics(reset));
  } catch {
    process.stdout.write(
      `[${target.kind}] the server did not answer its metrics request in time\n`,
    );
    return UNANSWERED;
  }
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
