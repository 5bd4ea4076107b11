/**
 * Redis between instances (cluster mode): announcements of committed board updates, presence
 * counted across instances, the socket.io adapter, and erasure of what Redis holds of a board.
 *
 * Announcements go over Redis pub/sub, at most once: each carries the board's commit sequence, so
 * an instance that misses one sees a gap at the next (or at its periodic check against
 * PostgreSQL) and reads what it missed from the database. Redis therefore holds no board text
 * beyond the socket.io adapter's stream, which is trimmed by age and on erasure.
 */
import { randomBytes } from 'node:crypto';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import type { PresenceInfo } from '@pajataulu/shared';
import type { BoardRegistry } from '../board/registry.js';
import { createLogger } from '../log.js';
import { PRESENCE_STALE_MS } from './limits.js';

const log = createLogger('cluster');

/** The socket.io adapter's stream keeps about this many packets… */
export const ADAPTER_STREAM_MAX_LEN = 10_000;
/** …and none older than this (they carry private notes to their authors). */
export const ADAPTER_STREAM_RETENTION_MS = 10 * 60 * 1000;
/** How long the adapter's reader blocks on the stream before it looks again. */
const ADAPTER_BLOCK_MS = 1_000;
/** Redis commands wait at most this long while Redis is away, then fail (and are healed). */
const REDIS_OFFLINE_QUEUE_MS = 2_000;

/** One instance's presence on one board, as kept in Redis. */
export interface LocalPresence {
  participants: string[];
  facilitators: number;
  projectors: number;
}

interface Announcement {
  /** The announcing instance. */
  i: string;
  /** Board id. */
  b: string;
  /** The board's commit sequence after the batch. */
  s?: number;
  /** The log entry written. */
  n?: number;
  /** The merged update, base64. */
  u?: string;
  /** The board was erased. */
  e?: true;
}

export interface RedisClusterOptions {
  url: string;
  /** Prefix of every key and channel, so several deployments (or test runs) share one Redis. */
  prefix: string;
}

export class RedisCluster {
  /** This process among the instances. */
  readonly instanceId = randomBytes(8).toString('hex');
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly adapterClient: Redis;
  private readonly unlisten: (() => void)[] = [];
  private readonly trimTimer: NodeJS.Timeout;
  private closed = false;

  /**
   * The command connection (commands fail after a bounded wait while Redis is away), for others
   * that keep counts in Redis under the same prefix: the shared rate limits.
   */
  get commands(): Redis {
    return this.pub;
  }

  constructor(private readonly opts: RedisClusterOptions) {
    const common = {
      maxRetriesPerRequest: 1,
      // Keep reconnecting for as long as the process runs; back off to a second.
      retryStrategy: (times: number) => Math.min(times * 100, 1_000),
      lazyConnect: false,
    };
    this.pub = new Redis(opts.url, { ...common, commandTimeout: REDIS_OFFLINE_QUEUE_MS });
    this.sub = new Redis(opts.url, common);
    // The adapter leaves some of its commands' failures unhandled (which would end the process),
    // so its commands wait for Redis to come back instead of failing.
    this.adapterClient = new Redis(opts.url, { ...common, maxRetriesPerRequest: null });
    for (const c of [this.pub, this.sub, this.adapterClient]) {
      // One warning per outage, not one per reconnection attempt.
      let warned = false;
      c.on('ready', () => {
        if (warned) log.info('redis connection restored');
        warned = false;
      });
      c.on('error', (err: Error) => {
        if (!warned) log.warn('redis connection failed; retrying', { err: err.message });
        warned = true;
      });
    }
    this.trimTimer = setInterval(() => void this.trimAdapterStream(), 60_000);
    this.trimTimer.unref();
  }

  private key(name: string): string {
    return `${this.opts.prefix}${name}`;
  }

  /** The channel of update announcements. */
  get updatesChannel(): string {
    return this.key('updates');
  }

  /** The socket.io adapter's stream. */
  get adapterStream(): string {
    return this.key('socket.io');
  }

  /** The presence hash of a board. */
  presenceKey(boardId: string): string {
    return this.key(`presence:${boardId}`);
  }

  /** The socket.io adapter (Redis Streams), so room emits reach sockets on every instance. */
  socketAdapter(): ReturnType<typeof createAdapter> {
    return createAdapter(this.adapterClient, {
      streamName: this.adapterStream,
      channelPrefix: this.key('socket.io'),
      sessionKeyPrefix: this.key('sio:session:'),
      maxLen: ADAPTER_STREAM_MAX_LEN,
      blockTimeInMs: ADAPTER_BLOCK_MS,
    });
  }

  /** Announces this instance's commits and applies other instances' to live boards. */
  async attach(registry: BoardRegistry): Promise<void> {
    this.unlisten.push(
      registry.listen({
        onCommitted: (boardId, update, _outcome, info) => {
          if (info.remote || info.seq === undefined) return;
          const msg: Announcement = { i: this.instanceId, b: boardId, s: info.seq };
          if (info.updateId !== undefined) msg.n = info.updateId;
          if (update) msg.u = Buffer.from(update).toString('base64');
          // A lost announcement is healed by the sequence check; nothing to wait for here.
          this.pub.publish(this.updatesChannel, JSON.stringify(msg)).catch(() => undefined);
        },
      }),
    );
    this.sub.on('message', (channel: string, raw: string) => {
      if (channel !== this.updatesChannel) return;
      let msg: Announcement;
      try {
        msg = JSON.parse(raw) as Announcement;
      } catch {
        return;
      }
      if (msg.i === this.instanceId || typeof msg.b !== 'string') return;
      if (msg.e) {
        registry.drop(msg.b);
        return;
      }
      const board = registry.peek(msg.b);
      if (!board || typeof msg.s !== 'number') return;
      board.remote(msg.s, msg.n, msg.u ? new Uint8Array(Buffer.from(msg.u, 'base64')) : null);
    });
    // Subscribed again on every (re)connection; an instance starts, and serves, while Redis is
    // away (its boards heal from PostgreSQL meanwhile).
    const subscribe = () =>
      this.sub
        .subscribe(this.updatesChannel)
        .catch((err: Error) => log.warn('redis subscription failed', { err: err.message }));
    this.sub.on('ready', () => void subscribe());
    if (this.sub.status === 'ready') await subscribe();
  }

  /** Writes this instance's presence on a board. */
  async reportPresence(boardId: string, local: LocalPresence): Promise<void> {
    const key = this.presenceKey(boardId);
    const empty = local.participants.length + local.facilitators + local.projectors === 0;
    if (empty) {
      await this.pub.hdel(key, this.instanceId);
      return;
    }
    await this.pub
      .multi()
      .hset(key, this.instanceId, JSON.stringify({ ...local, at: Date.now() }))
      .pexpire(key, PRESENCE_STALE_MS)
      .exec();
  }

  /** Presence on a board across every instance (a person with tabs on two instances counts once). */
  async presence(boardId: string): Promise<PresenceInfo> {
    const all = await this.pub.hgetall(this.presenceKey(boardId));
    const participants = new Set<string>();
    let facilitators = 0;
    let projectors = 0;
    const now = Date.now();
    for (const raw of Object.values(all)) {
      try {
        const p = JSON.parse(raw) as LocalPresence & { at: number };
        if (now - p.at > PRESENCE_STALE_MS) continue;
        for (const id of p.participants) participants.add(id);
        facilitators += p.facilitators;
        projectors += p.projectors;
      } catch {
        // An unreadable entry counts for nothing.
      }
    }
    return { participants: participants.size, facilitators, projectors };
  }

  /**
   * Removes what Redis holds of an erased board: its presence, and every adapter packet sent up
   * to now (packets carry private notes to their authors). Other instances drop the board.
   */
  async eraseBoard(boardId: string): Promise<void> {
    await this.pub.del(this.presenceKey(boardId));
    await this.pub.xtrim(this.adapterStream, 'MINID', `${Date.now()}-0`);
    const msg: Announcement = { i: this.instanceId, b: boardId, e: true };
    await this.pub.publish(this.updatesChannel, JSON.stringify(msg));
  }

  private async trimAdapterStream(): Promise<void> {
    const oldest = Date.now() - ADAPTER_STREAM_RETENTION_MS;
    await this.pub.xtrim(this.adapterStream, 'MINID', `${oldest}-0`).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.trimTimer);
    for (const u of this.unlisten.splice(0)) u();
    this.sub.disconnect();
    this.adapterClient.disconnect();
    await this.pub.quit().catch(() => this.pub.disconnect());
  }
}
