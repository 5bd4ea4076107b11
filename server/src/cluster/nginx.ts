/**
 * Runs the example nginx configuration (`deploy/nginx.conf`) in front of a cluster on this
 * machine: the same file operators start from, with the upstream servers, the listen address and
 * the file paths swapped for local ones.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exited } from './start.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The example configuration in the repository. */
export const NGINX_EXAMPLE = path.resolve(here, '../../../deploy/nginx.conf');
/** Where Debian puts nginx. */
const NGINX_PATHS = ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx'];
/** How long nginx may take to accept connections. */
const NGINX_START_TIMEOUT_MS = 10_000;

export interface RunningNginx {
  url: string;
  port: number;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** The nginx binary, or undefined when it is not installed. */
export function findNginx(): string | undefined {
  const fromEnv = process.env['NGINX_PATH'];
  if (fromEnv) return fs.existsSync(fromEnv) ? fromEnv : undefined;
  return NGINX_PATHS.find((p) => fs.existsSync(p));
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The example configuration rewritten for `upstreams` on 127.0.0.1, listening on `port`. */
export function localNginxConfig(example: string, upstreams: number[], port: number): string {
  const servers = upstreams
    .map((p) => `        server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`)
    .join('\n');
  const conf = example
    .replace(/^pid .*;$/m, 'pid nginx.pid;')
    .replace(/^error_log .*;$/m, 'error_log logs/error.log warn;')
    .replace(/access_log \S+ pajataulu;/, 'access_log logs/access.log pajataulu;')
    .replace(/listen \d+;/, `listen 127.0.0.1:${port};`)
    .replace(/^worker_processes .*;$/m, 'worker_processes 1;\ndaemon off;')
    .replace(/^(\s*server 127\.0\.0\.1:\d+[^;]*;\n)+/m, `${servers}\n`)
    .replace(
      /^http \{$/m,
      [
        'http {',
        '    client_body_temp_path tmp/body;',
        '    proxy_temp_path tmp/proxy;',
        '    fastcgi_temp_path tmp/fastcgi;',
        '    uwsgi_temp_path tmp/uwsgi;',
        '    scgi_temp_path tmp/scgi;',
      ].join('\n'),
    );
  if (!conf.includes(servers)) throw new Error('the example has no upstream servers to replace');
  if (!conf.includes(`listen 127.0.0.1:${port};`)) throw new Error('the example has no listen');
  return conf;
}

/** Starts nginx with the example configuration in front of `upstreams`. */
export async function startNginx(upstreams: number[]): Promise<RunningNginx> {
  const bin = findNginx();
  if (!bin) throw new Error('nginx is not installed');
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'pajataulu-nginx-'));
  fs.mkdirSync(path.join(prefix, 'logs'));
  fs.mkdirSync(path.join(prefix, 'tmp'));
  const port = await freePort();
  const confFile = path.join(prefix, 'nginx.conf');
  fs.writeFileSync(
    confFile,
    localNginxConfig(fs.readFileSync(NGINX_EXAMPLE, 'utf8'), upstreams, port),
  );
  const check = spawnSync(bin, ['-t', '-p', prefix, '-c', confFile], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx refused the configuration:\n${check.stderr}`);
  const proc = spawn(bin, ['-p', prefix, '-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  const started = Date.now();
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`nginx exited with ${proc.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() - started > NGINX_START_TIMEOUT_MS) {
      proc.kill('SIGKILL');
      throw new Error('nginx did not start in time');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    proc,
    async stop() {
      proc.kill('SIGQUIT');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited(proc);
      clearTimeout(t);
      fs.rmSync(prefix, { recursive: true, force: true });
    },
  };
}
