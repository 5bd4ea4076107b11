/**
 * The server under test: `server/dist/main.js` as a child process on 127.0.0.1, port 0, with a
 * data directory of its own. When it dies the fuzzer records a crash and starts it again on the
 * same data (boards, keys and tokens stay valid), so one run can find more than one crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withServerMalloc } from '@pajataulu/server/spawn';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The workspace root, from `fuzz/src` or `fuzz/dist`. */
export const REPO_ROOT = path.resolve(here, '../..');
/** The server's entry point; `PAJATAULU_FUZZ_SERVER` points the fuzzer at another build of it. */
export const SERVER_MAIN =
  process.env['PAJATAULU_FUZZ_SERVER'] ?? path.join(REPO_ROOT, 'server/dist/main.js');
/** How long the server may take to start and print its port. */
export const SERVER_START_TIMEOUT_MS = 20_000;
/** How long the server may take to stop on SIGTERM before it is killed. */
export const SERVER_STOP_TIMEOUT_MS = 5_000;

/**
 * Settings of the server under test. Commands per connection are raised so generated commands
 * reach validation and the board instead of stopping at the rate limit; board creations are
 * raised so accepted imports can be checked all run long. Every other limit is the default.
 */
export const FUZZ_SERVER_ENV: Record<string, string> = {
  HOST: '127.0.0.1',
  LOG_LEVEL: 'silent',
  RATE_COMMANDS_PER_SECOND: '5000',
  RATE_COMMAND_BURST: '5000',
  RATE_BOARDS_PER_ADDRESS_PER_HOUR: '100000',
};

/** Settings a server would inherit from this environment that would change what is tested. */
const NOT_INHERITED = ['DATABASE_URL', 'DATABASE_SCHEMA', 'REDIS_URL', 'REDIS_PREFIX', 'PORT'];

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines the server wrote to stderr (its last words when it crashed). */
  stderr: string;
  at: number;
}

/** One server child; `restart` starts a new one on the same data. */
export class ServerProcess {
  private proc: ChildProcess | undefined;
  private stderrTail = '';
  private stopping = false;
  port = 0;
  /** Called when the server exits without being asked to. */
  onCrash: (exit: ServerExit) => void = () => undefined;

  private constructor(readonly dataDir: string) {}

  static async start(): Promise<ServerProcess> {
    if (!fs.existsSync(SERVER_MAIN))
      throw new Error(`${SERVER_MAIN} is missing: run \`pnpm -r build\` first`);
    const s = new ServerProcess(fs.mkdtempSync(path.join(os.tmpdir(), 'pajataulu-fuzz-')));
    await s.spawn();
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get pid(): number | undefined {
    return this.proc?.pid;
  }
  get alive(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  private async spawn(): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of NOT_INHERITED) delete env[k];
    const proc = spawn(process.execPath, [SERVER_MAIN], {
      // The server runs with the malloc settings `npm start` gives it.
      env: {
        ...withServerMalloc(env),
        ...FUZZ_SERVER_ENV,
        PORT: '0',
        DATA_DIR: this.dataDir,
        PAJATAULU_PRINT_PORT: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    this.stderrTail = '';
    proc.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4_000);
    });
    this.port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error('the server did not start in time'));
      }, SERVER_START_TIMEOUT_MS);
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        const m = /PORT=(\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          proc.stdout!.off('data', onData);
          resolve(Number(m[1]));
        }
      };
      proc.stdout!.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the server exited with ${code} on start: ${this.stderrTail}`));
      });
    });
    proc.stdout!.resume();
    proc.once('exit', (code, signal) => {
      if (this.stopping || this.proc !== proc) return;
      this.onCrash({ code, signal, stderr: this.stderrTail, at: Date.now() });
    });
  }

  /** Starts a new server on the same data after a crash. */
  async restart(): Promise<void> {
    if (this.alive) return;
    await this.spawn();
  }

  /** Stops the server (SIGTERM, then SIGKILL) and removes its data. */
  async stop(): Promise<void> {
    this.stopping = true;
    const proc = this.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => proc.kill('SIGKILL'), SERVER_STOP_TIMEOUT_MS);
        proc.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        proc.kill('SIGTERM');
      });
    }
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Kills the server at once, for an exit handler that cannot wait. */
  killNow(): void {
    this.stopping = true;
    if (this.alive) this.proc?.kill('SIGKILL');
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
