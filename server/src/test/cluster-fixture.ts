/**
 * What the cluster and fault tests share: a PostgreSQL schema and a Redis key prefix of their
 * own (so parallel runs never meet), reading back what PostgreSQL holds, and a seeded random.
 */
import net from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import * as Y from 'yjs';
import {
  listNotes,
  PROTOCOL_VERSION,
  randomId,
  type CommandAck,
  type SessionInfo,
} from '@pajataulu/shared';
import { afterAll, beforeAll } from 'vitest';
import { findNginx, startNginx, type RunningNginx } from '../cluster/nginx.js';
import { startCluster, type Cluster } from '../cluster/start.js';
import { openPostgresStorage } from '../storage/postgres.js';

export const DATABASE_URL = process.env['DATABASE_URL'];
export const REDIS_URL = process.env['REDIS_URL'];

/** A fresh schema name and Redis prefix for one test file. */
export function isolation(name: string): { schema: string; prefix: string } {
  const tag = randomId(10);
  return { schema: `pj_${name}_${tag}`, prefix: `pj-test-${name}-${tag}:` };
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  await client.end();
}

/** Every Redis key under `prefix`. */
export async function redisKeys(url: string, prefix: string): Promise<string[]> {
  const r = new Redis(url);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  } finally {
    r.disconnect();
  }
}

export async function dropRedisKeys(url: string, prefix: string): Promise<void> {
  const keys = await redisKeys(url, prefix);
  if (keys.length === 0) return;
  const r = new Redis(url);
  await r.del(...keys);
  r.disconnect();
}

/** A note as compared between replicas and storage. */
export type NoteView = [id: string, text: string, x: number, y: number];

/** The notes of a document, sorted by id. */
export function notesOf(doc: Y.Doc): NoteView[] {
  return listNotes(doc)
    .map((n): NoteView => [n.id, n.text, n.x, n.y])
    .sort((a, b) => a[0].localeCompare(b[0]));
}

/** The board's document as PostgreSQL holds it. */
export async function storedDoc(url: string, schema: string, boardId: string): Promise<Y.Doc> {
  const storage = await openPostgresStorage(url, { schema });
  try {
    const stored = await storage.loadDoc(boardId);
    const doc = new Y.Doc();
    if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
    for (const u of stored.updates) Y.applyUpdate(doc, u);
    return doc;
  } finally {
    await storage.close();
  }
}

/** A small seeded random number generator (mulberry32), so a failing run can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Error codes after which the same command is sent again (it was not applied, or may not be). */
const RETRYABLE = new Set(['unavailable', 'rate_limited']);
/** How long one attempt waits for its acknowledgement before the command is sent again. */
export const ATTEMPT_TIMEOUT_MS = 3_000;

/**
 * A command-only client as the app's queue behaves: it resends a command with the same id until
 * the server answers it (reconnecting, possibly to another instance, in between).
 */
export class CommandClient {
  session: SessionInfo | undefined;
  /** Attempts that went unanswered or were refused as retryable, and were sent again. */
  retries = 0;
  /** Times the socket connected again after losing its instance. */
  reconnects = 0;
  private constructor(readonly socket: Socket) {}

  static async connect(
    url: string,
    boardId: string,
    creds: Record<string, string>,
  ): Promise<CommandClient> {
    const socket = io(url, {
      auth: { protocol: PROTOCOL_VERSION, board: boardId, ...creds },
      transports: ['websocket'],
      reconnectionDelay: 50,
      reconnectionDelayMax: 300,
    });
    const c = new CommandClient(socket);
    socket.on('session', (s: SessionInfo) => {
      if (c.session) c.reconnects++;
      c.session = s;
    });
    // socket.io does not reconnect by itself after the server closed the socket (shutdown).
    socket.on('disconnect', (reason) => {
      if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 100);
    });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no session')), 10_000);
      socket.once('session', () => {
        clearTimeout(t);
        resolve();
      });
    });
    return c;
  }

  /** Sends `command` (same id every time) until it is answered, or until `deadline`. */
  async send(
    command: Record<string, unknown>,
    id: string,
    deadline = Date.now() + 60_000,
  ): Promise<CommandAck | undefined> {
    return resend(this.socket, command, id, deadline, () => this.retries++);
  }

  close(): void {
    this.socket.close();
  }
}

/** Sends a command over `socket` (same id every time) until it is answered, or until `deadline`. */
export async function resend(
  socket: Socket,
  command: Record<string, unknown>,
  id: string,
  deadline = Date.now() + 60_000,
  onRetry: () => void = () => undefined,
): Promise<CommandAck | undefined> {
  while (Date.now() < deadline) {
    try {
      const ack = (await socket
        .timeout(ATTEMPT_TIMEOUT_MS)
        .emitWithAck('command', { id, command })) as CommandAck;
      if (ack.ok || !RETRYABLE.has(ack.error.code)) return ack;
    } catch {
      // No answer in time: the instance may have died; send again.
    }
    onRetry();
    await sleep(100);
  }
  return undefined;
}

/** A TCP proxy that can cut every connection through it, and refuse new ones, for a while. */
export interface CuttableProxy {
  port: number;
  /** Drops every open connection and refuses new ones until {@link restore}. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startCuttableProxy(host: string, port: number): Promise<CuttableProxy> {
  const sockets = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(port, host);
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('close', end);
      s.on('error', end);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Rates high enough that the tests' load is never refused for its pace. */
export const TEST_RATES = {
  RATE_NOTES_PER_MINUTE: '10000',
  RATE_COMMANDS_PER_SECOND: '500',
  RATE_COMMAND_BURST: '1000',
};

export interface ClusterFixture {
  readonly cluster: Cluster;
  /** The example nginx configuration in front of the instances, when nginx is installed. */
  readonly nginx: RunningNginx | undefined;
  readonly schema: string;
  readonly prefix: string;
  /** Closed after the file's tests. */
  readonly closeAfter: { close(): void }[];
}

/**
 * Three (or `instances`) built instances on this machine's PostgreSQL and Redis, in a schema and
 * under a key prefix of their own, for the tests of one file; nginx in front when installed.
 * `env` adds to (or overrides) {@link TEST_RATES} for every instance.
 */
export function useCluster(
  name: string,
  instances = 3,
  env: Record<string, string> = {},
): ClusterFixture {
  const { schema, prefix } = isolation(name);
  let cluster: Cluster | undefined;
  let nginx: RunningNginx | undefined;
  const closeAfter: { close(): void }[] = [];
  beforeAll(async () => {
    cluster = await startCluster({
      instances,
      databaseUrl: DATABASE_URL!,
      redisUrl: REDIS_URL!,
      databaseSchema: schema,
      redisPrefix: prefix,
      env: { ...TEST_RATES, ...env },
    });
    if (findNginx()) nginx = await startNginx(cluster.instances.map((i) => i.port));
  }, 60_000);
  afterAll(async () => {
    for (const c of closeAfter.splice(0)) c.close();
    await nginx?.stop();
    await cluster?.stop();
    await dropSchema(DATABASE_URL!, schema);
    await dropRedisKeys(REDIS_URL!, prefix);
  }, 60_000);
  return {
    get cluster() {
      if (!cluster) throw new Error('the cluster starts in beforeAll');
      return cluster;
    },
    get nginx() {
      return nginx;
    },
    schema,
    prefix,
    closeAfter,
  };
}
