/**
 * Which address a request is counted against: TRUST_PROXY names the proxies believed about
 * X-Forwarded-For, and a client cannot move itself to another bucket by sending the header,
 * directly or through the repository's nginx configuration.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { findNginx, startNginx, type RunningNginx } from '../cluster/nginx.js';
import { startServer, type TestServer } from './harness.js';

/** Boards one address may create in the tests below: a few, so the limit is reached at once. */
const BOARDS = 3;
/** Creations tried, each with another made-up address. */
const TRIES = 8;

function trustProxy(value: string) {
  return loadConfig({ DATA_DIR: '/tmp/unused', TRUST_PROXY: value }).trustProxy;
}

describe('TRUST_PROXY is validated at start-up', () => {
  it('takes false/0, true as one hop, a hop count, and addresses or subnets', () => {
    expect(trustProxy('false')).toBe(false);
    expect(trustProxy('0')).toBe(false);
    expect(loadConfig({ DATA_DIR: '/tmp/unused' }).trustProxy).toBe(false);
    expect(trustProxy('true')).toBe(1);
    expect(trustProxy('1')).toBe(1);
    expect(trustProxy('2')).toBe(2);
    expect(trustProxy('127.0.0.1/32, 10.0.0.0/8')).toEqual(['127.0.0.1/32', '10.0.0.0/8']);
    expect(trustProxy('::1,fd00::/8,192.168.1.10')).toEqual(['::1', 'fd00::/8', '192.168.1.10']);
    expect(trustProxy('loopback')).toEqual(['loopback']);
  });

  it.each(['yes', '10.0.0.0/33', '300.1.1.1', '10.0.0.0/8,nginx', '::1/129', '99', '1.2.3.4/8/1'])(
    'refuses %j with an error naming the setting',
    (value) => {
      expect(() => trustProxy(value)).toThrow(ConfigError);
      expect(() => trustProxy(value)).toThrow(/TRUST_PROXY: false, true, a hop count/);
    },
  );
});

describe('a client cannot choose the address its limits are counted against', () => {
  const servers: TestServer[] = [];
  let nginx: RunningNginx | undefined;
  afterEach(async () => {
    await nginx?.stop();
    nginx = undefined;
    for (const s of servers.splice(0)) await s.close();
  });

  async function start(trust: string) {
    const s = await startServer({
      env: { TRUST_PROXY: trust, RATE_BOARDS_PER_ADDRESS_PER_HOUR: String(BOARDS) },
    });
    servers.push(s);
    return s;
  }

  /** Statuses of {@link TRIES} board creations, each claiming another address. */
  async function createSpoofed(url: string, header: (i: number) => string): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < TRIES; i++) {
      const res = await fetch(`${url}/api/boards`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': header(i) },
        body: JSON.stringify({ title: 'T', template: 'blank' }),
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    return statuses;
  }
  const limited = [...Array<number>(BOARDS).fill(201), ...Array<number>(TRIES - BOARDS).fill(429)];

  it('with no proxy trusted (the default), X-Forwarded-For is ignored', async () => {
    const server = await start('false');
    expect(await createSpoofed(server.url, (i) => `203.0.113.${i}`)).toEqual(limited);
  });

  it('with one hop trusted (TRUST_PROXY=true), only the entry the nearest proxy wrote counts', async () => {
    // The client here is its own "proxy": what it puts left of the last entry is not believed.
    const server = await start('true');
    expect(await createSpoofed(server.url, (i) => `203.0.113.${i}, 198.51.100.7`)).toEqual(limited);
  });

  it('with a proxy subnet trusted, a client outside it is counted by its own address', async () => {
    const server = await start('10.0.0.0/8');
    expect(await createSpoofed(server.url, (i) => `203.0.113.${i}`)).toEqual(limited);
  });

  it.skipIf(!findNginx())(
    'through deploy/nginx.conf with nginx trusted by address, spoofing keeps one bucket',
    async () => {
      const server = await start('127.0.0.1/32');
      nginx = await startNginx([server.port]);
      expect(await createSpoofed(nginx.url, (i) => `203.0.113.${i}`)).toEqual(limited);
    },
  );

  it('IPv6 addresses in one /64 share a bucket; another /64 has its own', async () => {
    const server = await start('127.0.0.1/32');
    const sameNet = await createSpoofed(server.url, (i) => `2001:db8:1:2::${i + 1}`);
    const otherNet = await createSpoofed(server.url, (i) => `2001:db8:1:3:${i + 1}::1`);
    expect([sameNet, otherNet]).toEqual([limited, limited]);
  });

  it('a trusted proxy still separates its clients', async () => {
    // The proxy's word is taken: two clients behind it are two buckets, not one.
    const server = await start('127.0.0.1/32');
    const a = await createSpoofed(server.url, () => '198.51.100.1');
    const b = await createSpoofed(server.url, () => '198.51.100.2');
    expect([a, b]).toEqual([limited, limited]);
  });
});
