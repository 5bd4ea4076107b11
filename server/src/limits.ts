/**
 * Counted limits (joins, wrong codes, board creations, notes) and the client address they are
 * counted against.
 *
 * In cluster mode the counts live in Redis, so three instances behind nginx refuse at the same
 * total as one would; otherwise in this process. While Redis is away each instance counts in
 * memory on its own (the insurance limiter): the limits stay in force, only per instance, and
 * nobody is refused for the outage itself.
 */
import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import type { Redis } from 'ioredis';
import proxyaddr from 'proxy-addr';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { RateLimits } from './config.js';
import { createLogger } from './log.js';

const log = createLogger('limits');

/** What is counted, and per what. */
export type LimitName =
  | 'joinsPerAddress'
  | 'joinsPerBoard'
  | 'codeMissesPerAddress'
  | 'boardsPerAddress'
  | 'notesPerParticipant';

/** Windows of the counted limits: the unit each rate in {@link RateLimits} is given in. */
export const LIMIT_WINDOW_S: Record<LimitName, number> = {
  joinsPerAddress: 60,
  joinsPerBoard: 60,
  codeMissesPerAddress: 60,
  boardsPerAddress: 3_600,
  notesPerParticipant: 60,
};

/** Where the counts of one limit live in Redis, under the deployment's prefix. */
export const LIMIT_KEY_PREFIX = 'limit:';

export interface SharedStore {
  /** A command connection (not a subscriber) to Redis. */
  client: Redis;
  /** The deployment's key prefix (REDIS_PREFIX). */
  prefix: string;
}

function points(rates: RateLimits, name: LimitName): number {
  switch (name) {
    case 'joinsPerAddress':
      return rates.joinsPerAddressPerMinute;
    case 'joinsPerBoard':
      return rates.joinsPerBoardPerMinute;
    case 'codeMissesPerAddress':
      return rates.codeMissesPerAddressPerMinute;
    case 'boardsPerAddress':
      return rates.boardsPerAddressPerHour;
    case 'notesPerParticipant':
      return rates.notesPerMinute;
  }
}

/** The counted limits of one process; created once and shared by the API and the gateway. */
export class Limits {
  private readonly limiters = new Map<LimitName, RateLimiterAbstract>();
  private storeFailures = 0;

  constructor(
    readonly rates: RateLimits,
    shared?: SharedStore,
  ) {
    for (const name of Object.keys(LIMIT_WINDOW_S) as LimitName[]) {
      const opts = { points: points(rates, name), duration: LIMIT_WINDOW_S[name] };
      const memory = new RateLimiterMemory(opts);
      this.limiters.set(
        name,
        shared
          ? new RateLimiterRedis({
              ...opts,
              storeClient: shared.client,
              keyPrefix: `${shared.prefix}${LIMIT_KEY_PREFIX}${name}`,
              // While Redis is not connected, count here at once instead of queueing the command.
              rejectIfRedisNotReady: true,
              insuranceLimiter: memory,
            })
          : memory,
      );
    }
  }

  /** Counts one event for `key`; false when the key is over its limit in this window. */
  async take(name: LimitName, key: string): Promise<boolean> {
    try {
      await this.limiters.get(name)!.consume(key);
      return true;
    } catch (err) {
      if (err instanceof RateLimiterRes) return false;
      // Not reached while the insurance limiter answers; if it is, let the event through rather
      // than refuse everyone for a fault of the store.
      if (this.storeFailures++ % 1_000 === 0) log.warn('limit not counted', { name, err });
      return true;
    }
  }
}

/**
 * Leading bits of an IPv6 address counted as one client: a host is handed a whole /64 and may
 * use any address in it, so counting single addresses would give it 2^64 buckets.
 */
export const IPV6_CLIENT_PREFIX_BITS = 64;

/** The /64 an IPv6 address is in, as `a:b:c:d::/64`; undefined when it cannot be read. */
function ipv6Prefix(ip: string): string | undefined {
  const halves = ip.split('%')[0]!.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail];
  const kept = groups.slice(0, IPV6_CLIENT_PREFIX_BITS / 16).map((g) => parseInt(g, 16));
  if (kept.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return undefined;
  return `${kept.map((g) => g.toString(16)).join(':')}::/${IPV6_CLIENT_PREFIX_BITS}`;
}

/**
 * The address `ip` is counted as: IPv4 in IPv6 form counts as the IPv4 address, and an IPv6
 * address as its /64 ({@link IPV6_CLIENT_PREFIX_BITS}).
 */
export function countedAddress(ip: string): string {
  if (ip.startsWith('::ffff:') && ip.includes('.')) return ip.slice('::ffff:'.length);
  // An IPv4 address embedded at the end (NAT64 and the like) names one host behind the prefix.
  if (!ip.includes(':') || ip.includes('.')) return ip;
  return ipv6Prefix(ip) ?? ip;
}

/**
 * The address an Express request is counted against: the peer's, or the one the trusted proxies
 * forwarded (Express applies `trust proxy`), as {@link countedAddress} counts it.
 */
export function clientAddress(req: Request): string {
  return countedAddress(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

/** Reads the counted address of a request that does not pass through Express (upgrades, engine.io). */
export type AddressOf = (req: IncomingMessage) => string;

/**
 * An {@link AddressOf} that trusts forwarded addresses exactly as Express does: `trust` is the
 * function Express compiled from its `trust proxy` setting (`app.get('trust proxy fn')`).
 */
export function addressReader(trust: (addr: string, hop: number) => boolean): AddressOf {
  return (req) => {
    try {
      return countedAddress(proxyaddr(req, trust));
    } catch {
      return countedAddress(req.socket.remoteAddress ?? 'unknown');
    }
  };
}

/** Reads the peer's address, trusting no proxy. */
export const PEER_ADDRESS: AddressOf = (req) =>
  countedAddress(req.socket.remoteAddress ?? 'unknown');
