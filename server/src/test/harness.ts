/**
 * Test harness: a real server on port 0 over a real SQLite file, and real clients (socket.io-client
 * for commands, y-websocket's WebsocketProvider for the document), as a browser would use them.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterEach, beforeEach } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import {
  PROTOCOL_VERSION,
  randomId,
  syncSubprotocols,
  type CommandAck,
  type CommandInput,
  type SessionInfo,
} from '@pajataulu/shared';
import { createApp, type App, type AppOptions } from '../app.js';
import { BUILT_MAIN, exited, spawnInstance, type ClusterInstance } from '../cluster/start.js';
import { loadConfig } from '../config.js';
import { setLogLevel } from '../log.js';
import { openPostgresStorage } from '../storage/postgres.js';
import { openSqliteStorage } from '../storage/sqlite.js';

setLogLevel('silent');

export interface TestServer {
  app: App;
  url: string;
  port: number;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * A fresh server for each test of the enclosing `describe`, and cleanup of the clients a test
 * registers in `clients`.
 */
export function useServer(): { readonly server: TestServer; readonly clients: TestClient[] } {
  let current: TestServer | undefined;
  const clients: TestClient[] = [];
  beforeEach(async () => {
    current = await startServer();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await current?.close();
  });
  return {
    get server() {
      if (!current) throw new Error('the server starts in beforeEach');
      return current;
    },
    clients,
  };
}

/** A fresh temporary data directory. */
export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pajataulu-test-'));
}

/** Starts a server in this process on port 0. */
export async function startServer(
  opts: {
    dataDir?: string;
    env?: Record<string, string>;
    postgres?: { url: string; schema: string };
    /** Options for the app itself, e.g. its test seams. */
    app?: AppOptions;
  } = {},
): Promise<TestServer> {
  const dataDir = opts.dataDir ?? tempDataDir();
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...opts.env });
  const storage = opts.postgres
    ? await openPostgresStorage(opts.postgres.url, { schema: opts.postgres.schema })
    : await openSqliteStorage(config.sqliteFile);
  const app = createApp(config, storage, opts.app);
  const port = await app.listen(0, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${port}`, port, dataDir, close: () => app.close() };
}

export type ChildServer = ClusterInstance;

/**
 * Starts the built server on SQLite in `dataDir` as a separate process, so a test can kill it
 * with any signal.
 */
export function spawnServer(dataDir: string): Promise<ChildServer> {
  return spawnInstance({ DATA_DIR: dataDir });
}

export { BUILT_MAIN, exited };

export interface CreatedBoard {
  boardId: string;
  code: string;
  facilitatorKey: string;
  projectorKey: string;
  links: { participant: string; facilitator: string; projector: string };
}

export async function createBoard(url: string, title = 'Työpaja'): Promise<CreatedBoard> {
  const res = await fetch(`${url}/api/boards`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title, template: 'blank' }),
  });
  if (res.status !== 201) throw new Error(`create board: ${res.status} ${await res.text()}`);
  return (await res.json()) as CreatedBoard;
}

export interface Joined {
  boardId: string;
  code: string;
  participantId: string;
  token: string;
}

export async function joinBoard(url: string, code: string, name?: string): Promise<Joined> {
  const res = await fetch(`${url}/api/boards/${code}/join`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(name === undefined ? {} : { name }),
  });
  if (res.status !== 200) throw new Error(`join: ${res.status} ${await res.text()}`);
  return (await res.json()) as Joined;
}

export type Credentials = { token: string } | { facilitatorKey: string } | { projectorKey: string };

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function waitFor(
  check: () => boolean,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A client as the browser app is: commands over socket.io, the document over y-websocket. */
export class TestClient {
  session: SessionInfo | undefined;
  private constructor(
    readonly socket: Socket,
    readonly doc: Y.Doc,
    readonly provider: WebsocketProvider,
  ) {}

  static async connect(url: string, boardId: string, creds: Credentials): Promise<TestClient> {
    const socket = io(url, {
      auth: { protocol: PROTOCOL_VERSION, board: boardId, ...creds },
      transports: ['websocket'],
      reconnectionDelay: 50,
      reconnectionDelayMax: 200,
    });
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(`${url.replace(/^http/, 'ws')}/sync`, boardId, doc, {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      WebSocketPolyfill: WebSocket as any,
      protocols: syncSubprotocols(creds),
      disableBc: true,
      maxBackoffTime: 200,
    });
    const client = new TestClient(socket, doc, provider);
    socket.on('session', (s: SessionInfo) => (client.session = s));
    await new Promise<void>((resolve, reject) => {
      socket.once('session', () => resolve());
      socket.once('connect_error', (e) => reject(e));
    });
    await waitFor(() => provider.synced, 5_000, 'document sync');
    return client;
  }

  /** Sends a command (with a fresh id unless one is given) and resolves with its acknowledgement. */
  command(
    command: CommandInput | Record<string, unknown>,
    id: string = randomId(20),
  ): Promise<CommandAck> {
    return this.socket
      .timeout(10_000)
      .emitWithAck('command', { id, command }) as Promise<CommandAck>;
  }

  /** Resolves once the local replica holds the version an acknowledgement names. */
  async visible(ack: CommandAck): Promise<void> {
    if (!ack.ok) throw new Error(`command refused: ${ack.error.code} ${ack.error.message}`);
    await waitFor(
      () => Y.getState(this.doc.store, ack.version.client) >= ack.version.clock,
      5_000,
      'update',
    );
  }

  close(): void {
    this.socket.close();
    this.provider.destroy();
    this.doc.destroy();
  }
}

/** A note or prompt id. */
export const newId = (): string => randomId(20);

/**
 * A TCP proxy in front of the server that records every byte the server sends through it: what a
 * client's connections receive on the wire, for leak tests.
 */
export interface CaptureProxy {
  url: string;
  /** Everything received from the server so far. */
  received(): Buffer;
  close(): Promise<void>;
}

export async function startCaptureProxy(targetPort: number): Promise<CaptureProxy> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      chunks.push(Buffer.from(d));
      client.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => Buffer.concat(chunks),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Varint (lib0) encoding of a number, as Yjs writes client ids. */
export function varUint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push(0x80 | (n & 0x7f));
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

export async function joinAs(
  url: string,
  code: string,
  body: { name?: string; group?: string | null },
): Promise<Joined> {
  const res = await fetch(`${url}/api/boards/${code}/join`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`join: ${res.status} ${await res.text()}`);
  return (await res.json()) as Joined;
}

export async function createBoardWith(
  url: string,
  body: Record<string, unknown>,
): Promise<CreatedBoard> {
  const res = await fetch(`${url}/api/boards`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Työpaja', ...body }),
  });
  if (res.status !== 201) throw new Error(`create board: ${res.status} ${await res.text()}`);
  return (await res.json()) as CreatedBoard;
}

/** Tries a socket.io handshake; resolves 'connected' or the refusal's `err.data`. */
export function handshake(url: string, auth: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve) => {
    const s = io(url, {
      auth: { protocol: PROTOCOL_VERSION, ...auth },
      transports: ['websocket'],
      reconnection: false,
    });
    s.on('connect', () => {
      s.close();
      resolve('connected');
    });
    s.on('connect_error', (e: Error & { data?: unknown }) => {
      s.close();
      resolve(e.data);
    });
  });
}
