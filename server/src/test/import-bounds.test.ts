/**
 * Imports cost the serving thread nothing it cannot afford: a hostile or large file is read with a
 * size bound, parsed off the serving thread, paid for from the creation budget whether it is a
 * backup or not, and refused with a typed error.
 */
import fs from 'node:fs';
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  BOARD_SCHEMA_VERSION,
  initBoardDoc,
  MAX_HTTP_BODY_BYTES,
  NOTE_COLORS,
  toBackup,
  type Note,
  newNote,
} from '@pajataulu/shared';
import { MAX_IMPORT_DEPTH } from '../http/import-parse.js';
import {
  MAX_CONCURRENT_IMPORTS,
  MAX_IMPORT_BYTES,
  MAX_IMPORTS_PER_ADDRESS,
  MAX_QUEUED_IMPORTS,
} from '../http/importer.js';
import { NGINX_EXAMPLE } from '../cluster/nginx.js';
import { exited, spawnServer, startServer, tempDataDir, useServer } from './harness.js';

/**
 * How long /healthz may take to answer while imports are being read: the bound on the slowest
 * answer that the fuzzer holds the server to. Parsing is off the serving thread; what is left on
 * it is storing the result (an 8 MiB document is one SQLite write of about 70 ms).
 */
const HEALTH_BOUND_MS = 250;

const post = (url: string, body: string | Uint8Array, type = 'application/json') =>
  fetch(`${url}/api/boards/import`, { method: 'POST', headers: { 'content-type': type }, body });

/** A valid backup of `count` notes. */
function largeBackup(count: number): string {
  const doc = new Y.Doc();
  initBoardDoc(doc, {
    title: 'Iso tuonti',
    template: 'blank',
    now: 0,
    schemaVersion: BOARD_SCHEMA_VERSION,
  });
  const backup = toBackup(doc, 0);
  const notes: Note[] = Array.from({ length: count }, (_, i) =>
    newNote({
      id: `n${String(i).padStart(19, '0')}`,
      text: `Lappu ${i}: ${'ajatus '.repeat(40)}`.trim(),
      x: (i % 100) * 200,
      y: Math.floor(i / 100) * 200,
      color: NOTE_COLORS[i % NOTE_COLORS.length]!,
      createdAt: i,
    }),
  );
  return JSON.stringify({ ...backup, board: { ...backup.board, notes } });
}

/** Polls /healthz every 10 ms until `work` settles; resolves with the slowest answer in ms. */
async function slowestHealth(server: { url: string }, work: Promise<unknown>): Promise<number> {
  let done = false;
  void work.finally(() => (done = true));
  let slowest = 0;
  while (!done) {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/healthz`);
    await res.arrayBuffer();
    slowest = Math.max(slowest, performance.now() - t0);
    await new Promise((r) => setTimeout(r, 10));
  }
  return slowest;
}

describe('importing a backup', () => {
  const fx = useServer();

  it(`keeps /healthz under ${HEALTH_BOUND_MS} ms while 15 MiB of nested brackets and a large valid backup are read`, async () => {
    // A server process of its own: the figure is the server's, not this runner's sending 23 MiB.
    const child = await spawnServer(tempDataDir());
    const server = { url: child.url };
    try {
      const brackets = '['.repeat(15 * 1024 * 1024);
      const valid = largeBackup(20_000);
      expect(valid.length).toBeGreaterThan(8 * 1024 * 1024);
      expect(valid.length).toBeLessThan(MAX_IMPORT_BYTES);
      // Warm the connection pool and the worker code path first, so the figure is the import's.
      await fetch(`${server.url}/healthz`);
      // The attacker and the honest user are two clients (one address has one import place).
      const hostile = postFrom(server.url, brackets, '127.0.0.2');
      const large = post(server.url, valid);
      const both = Promise.all([hostile, large]);
      const slowest = await slowestHealth(server, both);
      const [refused, created] = await both;
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({
        error: {
          code: 'invalid_message',
          message: `body nests deeper than ${MAX_IMPORT_DEPTH} levels`,
        },
      });
      expect(created.status).toBe(201);
      expect(slowest).toBeLessThan(HEALTH_BOUND_MS);
    } finally {
      child.proc.kill('SIGKILL');
      await exited(child.proc);
    }
  });

  it('refuses nesting deeper than MAX_IMPORT_DEPTH, and brackets inside strings do not count', async () => {
    const deep = `${'{"a":'.repeat(MAX_IMPORT_DEPTH + 1)}1${'}'.repeat(MAX_IMPORT_DEPTH + 1)}`;
    const res = await post(fx.server.url, deep);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/deeper/);
    const shallow = JSON.stringify({ format: 'miro', note: '[['.repeat(MAX_IMPORT_DEPTH) });
    const other = await post(fx.server.url, shallow);
    expect(other.status).toBe(400);
    expect(((await other.json()) as { error: { message: string } }).error.message).toMatch(
      /not a readable Pajataulu backup/,
    );
  });

  it('refuses a body over MAX_IMPORT_BYTES with 413 naming that limit', async () => {
    const res = await post(fx.server.url, new Uint8Array(MAX_IMPORT_BYTES + 1).fill(0x20));
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: { code: 'message_too_large', message: `body over ${MAX_IMPORT_BYTES} bytes` },
    });
  });

  it('refuses a body that is not JSON text with a typed error', async () => {
    for (const [body, message] of [
      ['{"format":', 'body is not valid JSON'],
      [new Uint8Array([0x22, 0xff, 0x22]), 'body is not UTF-8 text'],
    ] as const) {
      const res = await post(fx.server.url, body);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: { code: 'invalid_message', message } });
    }
    const text = await post(fx.server.url, '{}', 'text/plain');
    expect(text.status).toBe(400);
  });
});

describe('413 names the limit of the route', () => {
  const fx = useServer();

  it('a board creation over MAX_HTTP_BODY_BYTES names MAX_HTTP_BODY_BYTES', async () => {
    const res = await fetch(`${fx.server.url}/api/boards`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'x'.repeat(MAX_HTTP_BODY_BYTES) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: { code: 'message_too_large', message: `body over ${MAX_HTTP_BODY_BYTES} bytes` },
    });
  });
});

describe('imports and the creation budget', () => {
  it('every import costs from the per-address creation budget, valid or not: the N+1th gets 429', async () => {
    const budget = 3;
    const server = await startServer({ env: { RATE_BOARDS_PER_ADDRESS_PER_HOUR: String(budget) } });
    try {
      for (const body of ['{}', '[[[[', '['.repeat(MAX_IMPORT_DEPTH + 1)]) {
        expect((await post(server.url, body)).status).toBe(400);
      }
      const refused = await post(server.url, largeBackup(1));
      expect(refused.status).toBe(429);
      expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
      const create = await fetch(`${server.url}/api/boards`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Vielä yksi' }),
      });
      expect(create.status).toBe(429);
    } finally {
      await server.close();
    }
  });
});

describe('the import queue', () => {
  const fx = useServer();

  it('holds MAX_CONCURRENT_IMPORTS + MAX_QUEUED_IMPORTS imports at once and refuses the next as busy', async () => {
    const places = MAX_CONCURRENT_IMPORTS + MAX_QUEUED_IMPORTS;
    // Uploads that have begun and not ended each hold a place; each from an address of its own
    // (127.0.0.2, …), since one address holds at most MAX_IMPORTS_PER_ADDRESS.
    const held = Array.from({ length: places }, (_, i) => holdUpload(fx.server.url, i + 2));
    try {
      await new Promise((r) => setTimeout(r, 300));
      const busy = await post(fx.server.url, '{}');
      expect(busy.status).toBe(503);
      expect(await busy.json()).toMatchObject({ error: { code: 'unavailable' } });
    } finally {
      for (const req of held) req.destroy();
    }
    // Places come back when their senders go away.
    await new Promise((r) => setTimeout(r, 300));
    expect((await post(fx.server.url, '{}')).status).toBe(400);
  });

  it('gives one address MAX_IMPORTS_PER_ADDRESS places, so its uploads cannot keep others out', async () => {
    const held = Array.from({ length: MAX_IMPORTS_PER_ADDRESS }, () =>
      holdUpload(fx.server.url, 2),
    );
    try {
      await new Promise((r) => setTimeout(r, 300));
      const again = await postFrom(fx.server.url, '{}', '127.0.0.2');
      expect(again.status).toBe(429);
      expect(again.body).toMatchObject({
        error: { code: 'rate_limited', message: expect.stringMatching(/already under way/) },
      });
      // Another address still has a place.
      expect((await post(fx.server.url, '{}')).status).toBe(400);
    } finally {
      for (const req of held) req.destroy();
    }
  });
});

/** Begins an upload from 127.0.0.`host` and never ends it: it holds an import place. */
function holdUpload(url: string, host: number): http.ClientRequest {
  const req = http.request(`${url}/api/boards/import`, {
    method: 'POST',
    localAddress: `127.0.0.${host}`,
    headers: { 'content-type': 'application/json', 'content-length': '1000' },
  });
  req.on('error', () => {});
  req.write('{');
  return req;
}

/** Posts an import body from `localAddress`; the status and the parsed answer. */
function postFrom(
  url: string,
  body: string,
  localAddress: string,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/api/boards/import`,
      { method: 'POST', localAddress, headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString()),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('deploy/nginx.conf', () => {
  it('lets a body a little over MAX_IMPORT_BYTES through, so the API answers it with its typed 413', () => {
    const conf = fs.readFileSync(NGINX_EXAMPLE, 'utf8');
    const sizes = [...conf.matchAll(/^\s*client_max_body_size\s+(\d+)([km]?);/gm)];
    expect(sizes).toHaveLength(1);
    const [, n, unit] = sizes[0]!;
    const bytes = Number(n) * (unit === 'm' ? 1024 * 1024 : unit === 'k' ? 1024 : 1);
    expect(bytes).toBeGreaterThan(MAX_IMPORT_BYTES);
    expect(bytes).toBeLessThanOrEqual(MAX_IMPORT_BYTES + 2 * 1024 * 1024);
  });
});
