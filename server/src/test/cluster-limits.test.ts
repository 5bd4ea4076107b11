/**
 * Counted limits in cluster mode: three instances, with the example nginx configuration in front
 * (trusted by address, as docs/OPERATIONS.md says), refuse at one total, not three; a client
 * sending made-up X-Forwarded-For through nginx stays in its own bucket; and while Redis is away
 * the limits are counted per instance instead of opening or refusing everyone.
 */
import { describe, expect, it } from 'vitest';
import { RedisCluster } from '../cluster/redis.js';
import { findNginx } from '../cluster/nginx.js';
import { DEFAULT_JOINS_PER_ADDRESS_PER_MINUTE, loadConfig } from '../config.js';
import { Limits } from '../limits.js';
import {
  DATABASE_URL,
  dropRedisKeys,
  isolation,
  REDIS_URL,
  sleep,
  startCuttableProxy,
  useCluster,
} from './cluster-fixture.js';

/** Small limits, so they are reached in a few requests. */
const BOARDS = 4;
const CODE_MISSES = 6;
const JOINS_PER_BOARD = 5;
/** Requests sent in each test: enough that per-instance limits (3×) would let more through. */
const TRIES = 3 * Math.max(BOARDS, CODE_MISSES, JOINS_PER_BOARD) + 2;

async function post(url: string, body: unknown, xff?: string): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(xff ? { 'x-forwarded-for': xff } : {}) },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

function count(statuses: number[], status: number): number {
  return statuses.filter((s) => s === status).length;
}

describe.skipIf(!DATABASE_URL || !REDIS_URL)('limits across three instances', () => {
  const fx = useCluster('limits', 3, {
    TRUST_PROXY: '127.0.0.1/32',
    RATE_BOARDS_PER_ADDRESS_PER_HOUR: String(BOARDS),
    RATE_CODE_MISSES_PER_ADDRESS_PER_MINUTE: String(CODE_MISSES),
    RATE_JOINS_PER_BOARD_PER_MINUTE: String(JOINS_PER_BOARD),
  });
  /** Each request to the next instance in turn. */
  const spread = (i: number) => fx.cluster.urls[i % fx.cluster.urls.length]!;

  it.skipIf(!findNginx())(
    'through deploy/nginx.conf, spoofed X-Forwarded-For does not leave the bucket',
    async () => {
      const statuses: number[] = [];
      for (let i = 0; i < TRIES; i++)
        statuses.push(
          await post(
            `${fx.nginx!.url}/api/boards`,
            { title: 'T', template: 'blank' },
            `203.0.113.${i}`,
          ),
        );
      expect(count(statuses, 201)).toBe(BOARDS);
      expect(statuses.slice(BOARDS)).toEqual(Array<number>(TRIES - BOARDS).fill(429));
    },
  );

  it('wrong codes spread over the instances are refused after one total', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < TRIES; i++) {
      // Sent by the trusted peer on behalf of one client, as nginx would.
      const res = await fetch(`${spread(i)}/api/boards/ZZZZZZ`, {
        headers: { 'x-forwarded-for': '198.51.100.20' },
      });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses.slice(0, CODE_MISSES)).toEqual(Array<number>(CODE_MISSES).fill(404));
    expect(count(statuses, 429)).toBe(TRIES - CODE_MISSES);
  });

  it('joins of one board spread over the instances are refused after one total', async () => {
    const res = await fetch(`${spread(0)}/api/boards`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.30' },
      body: JSON.stringify({ title: 'T', template: 'blank' }),
    });
    expect(res.status).toBe(201);
    const { code } = (await res.json()) as { code: string };
    const statuses: number[] = [];
    // Each join from another person, so only the board's own limit can refuse them.
    for (let i = 0; i < TRIES; i++)
      statuses.push(
        await post(`${spread(i)}/api/boards/${code}/join`, {}, `198.51.100.${100 + i}`),
      );
    expect(statuses.slice(0, JOINS_PER_BOARD)).toEqual(Array<number>(JOINS_PER_BOARD).fill(200));
    expect(count(statuses, 429)).toBe(TRIES - JOINS_PER_BOARD);
  });
});

describe.skipIf(!REDIS_URL)('limits while Redis is away', () => {
  const rates = {
    ...loadConfig({ DATA_DIR: '/tmp/unused' }).rates,
    codeMissesPerAddressPerMinute: 3,
  };

  it('each instance counts on its own meanwhile: nobody is refused for the outage, nobody passes the limit', async () => {
    const { prefix } = isolation('limitsaway');
    const url = new URL(REDIS_URL!);
    const proxy = await startCuttableProxy(url.hostname, Number(url.port || 6379));
    const redis = new RedisCluster({ url: `redis://127.0.0.1:${proxy.port}`, prefix });
    try {
      const a = new Limits(rates, { client: redis.commands, prefix });
      const b = new Limits(rates, { client: redis.commands, prefix });
      // Shared while Redis is there: two instances' counts add up.
      await sleep(200);
      const shared = [
        await a.take('codeMissesPerAddress', 'x'),
        await b.take('codeMissesPerAddress', 'x'),
        await a.take('codeMissesPerAddress', 'x'),
        await b.take('codeMissesPerAddress', 'x'),
      ];
      expect(shared).toEqual([true, true, true, false]);

      proxy.cut();
      await sleep(200);
      const started = Date.now();
      const away = [];
      for (let i = 0; i < 5; i++) away.push(await a.take('codeMissesPerAddress', 'y'));
      // Answered at once from memory, and the limit still holds there.
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(away).toEqual([true, true, true, false, false]);
      // A join limit that nobody has touched lets the first person in.
      expect(await a.take('joinsPerAddress', 'z')).toBe(true);
      expect(rates.joinsPerAddressPerMinute).toBe(DEFAULT_JOINS_PER_ADDRESS_PER_MINUTE);
    } finally {
      proxy.restore();
      await redis.close();
      await proxy.close();
      await dropRedisKeys(REDIS_URL!, prefix);
    }
  });
});
