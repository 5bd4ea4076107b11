/**
 * What the run asserts about the server process besides its answers: `/healthz` latency and RSS.
 *
 * Both are measured in a worker thread with an event loop of its own, so the fuzzer's own busy
 * loop (generating and sending frames) does not add to the latency it reports about the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';

/** How often `/healthz` is asked. */
export const HEALTH_INTERVAL_MS = 50;
/** A `/healthz` that has not answered after this long counts as this long (a freeze). */
export const HEALTH_TIMEOUT_MS = 10_000;
/** How often the server's RSS is read from /proc. */
export const RSS_INTERVAL_MS = 250;

export interface HealthSample {
  at: number;
  ms: number;
  /**
   * The same request, sent at the same moment, to an idle baseline process on the same machine:
   * what the machine's scheduling alone costs an answer then. NaN when the baseline did not answer.
   */
  baselineMs: number;
}

/** What a sample says about the server itself: its latency beyond the baseline's at that moment. */
export function excessMs(s: HealthSample): number {
  return Number.isFinite(s.baselineMs) ? Math.max(0, s.ms - s.baselineMs) : s.ms;
}

export interface RssSample {
  at: number;
  bytes: number;
}

// Plain JavaScript run with `eval`, so the same code runs from the build and under vitest.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');
let url = '', pid = 0, baseUrl = '', stopped = false;
let health = [], rss = [];
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const baseAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
parentPort.on('message', (m) => {
  if (m.type === 'target') { url = m.url; pid = m.pid; }
  if (m.type === 'baseline') baseUrl = m.url;
  if (m.type === 'stop') { stopped = true; flush(); agent.destroy(); parentPort.close(); }
});
function flush() {
  if (health.length || rss.length) parentPort.postMessage({ health, rss });
  health = []; rss = [];
}
// Asks one URL for /healthz; calls back with (outcome, ms).
function ask(target, agentFor, cb) {
  const start = performance.now();
  let done = false;
  const finish = (outcome) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    cb(outcome, outcome === 'timeout' ? ${HEALTH_TIMEOUT_MS} : performance.now() - start);
  };
  const req = http.get(target + '/healthz', { agent: agentFor }, (res) => {
    res.resume();
    res.on('end', () => finish(res.statusCode === 200 ? 'ok' : 'error'));
    res.on('error', () => finish('error'));
  });
  req.on('error', () => finish('error'));
  const timer = setTimeout(() => { finish('timeout'); req.destroy(); }, ${HEALTH_TIMEOUT_MS});
}
function poll() {
  if (stopped) return;
  if (!url) return void setTimeout(poll, ${HEALTH_INTERVAL_MS});
  const target = url, start = performance.now(), at = Date.now();
  let server, baseline = baseUrl ? undefined : { outcome: 'none', ms: NaN };
  const both = () => {
    if (!server || !baseline) return;
    // A refused connection (the server died) is reported as an error, not as a latency.
    if (target === url)
      health.push({ at, ms: server.ms, outcome: server.outcome,
        baselineMs: baseline.outcome === 'ok' ? baseline.ms : NaN });
    setTimeout(poll, Math.max(0, ${HEALTH_INTERVAL_MS} - (performance.now() - start)));
  };
  ask(target, agent, (outcome, ms) => { server = { outcome, ms }; both(); });
  if (baseUrl) ask(baseUrl, baseAgent, (outcome, ms) => { baseline = { outcome, ms }; both(); });
}
function readRss() {
  if (stopped) return;
  if (pid) {
    try {
      const m = /VmRSS:\\s+(\\d+) kB/.exec(fs.readFileSync('/proc/' + pid + '/status', 'utf8'));
      if (m) rss.push({ at: Date.now(), bytes: Number(m[1]) * 1024 });
    } catch {}
  }
  setTimeout(readRss, ${RSS_INTERVAL_MS});
}
setInterval(flush, 200).unref();
poll();
readRss();
`;

/** Health and RSS of the server, measured from a worker thread. */
export class Monitor {
  private readonly worker: Worker;
  readonly health: HealthSample[] = [];
  /** When health checks got an error instead of an answer (a dead or refusing server). */
  readonly errors: number[] = [];
  readonly rss: RssSample[] = [];
  /** Called with each health sample as it arrives (to note a freeze while it is fresh). */
  onHealth: (s: HealthSample) => void = () => undefined;

  private baseline: ChildProcess | undefined;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.startBaseline();
    this.worker.on(
      'message',
      (m: { health: (HealthSample & { outcome: string })[]; rss: RssSample[] }) => {
        for (const h of m.health) {
          if (h.outcome === 'error') {
            this.errors.push(h.at);
            continue;
          }
          const s = { at: h.at, ms: h.ms, baselineMs: h.baselineMs };
          this.health.push(s);
          this.onHealth(s);
        }
        this.rss.push(...m.rss);
      },
    );
  }

  /**
   * An idle HTTP server in a process of its own, asked at the same moments as the server: its
   * latency is what the machine alone (other processes, the fuzzer itself) adds to an answer.
   */
  private startBaseline(): void {
    const code =
      "const s=require('node:http').createServer((q,r)=>r.end('{}'));" +
      "s.listen(0,'127.0.0.1',()=>console.log(s.address().port));";
    const proc = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.baseline = proc;
    proc.stdout.once('data', (d: Buffer) => {
      const port = Number(d.toString().trim());
      if (port > 0) this.worker.postMessage({ type: 'baseline', url: `http://127.0.0.1:${port}` });
    });
  }

  /** Points the monitor at a (new) server process. */
  watch(url: string, pid: number | undefined): void {
    this.worker.postMessage({ type: 'target', url, pid: pid ?? 0 });
  }

  /** Forgets the server while it restarts: no health checks count meanwhile. */
  pause(): void {
    this.worker.postMessage({ type: 'target', url: '', pid: 0 });
  }

  async stop(): Promise<void> {
    this.baseline?.kill('SIGKILL');
    const gone = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'stop' });
    await Promise.race([gone, new Promise((r) => setTimeout(r, 1_000))]);
    await this.worker.terminate();
  }
}

/** The q-th quantile (0..1) of numbers, nearest rank; NaN for none. */
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
