/**
 * Redis restarted mid-session (a Redis of this test's own, never the machine's shared one):
 * commands keep being acknowledged (they wait only for PostgreSQL), and once Redis is back the
 * instances and their clients heal: every replica converges to what PostgreSQL holds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { exited, startCluster, type Cluster } from '../cluster/start.js';
import { freePort } from '../cluster/nginx.js';
import {
  DATABASE_URL,
  dropSchema,
  isolation,
  notesOf,
  resend,
  sleep,
  storedDoc,
} from './cluster-fixture.js';
import { createBoard, joinBoard, newId, TestClient, waitFor } from './harness.js';

/**
 * How long Redis stays down, once per restart: briefly, and long enough to restart an instance
 * meanwhile (it must start without Redis and join in when Redis is back).
 */
const REDIS_DOWN_MS = [1_500, 6_000];
const TRIALS = REDIS_DOWN_MS.length;

const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) =>
  fs.existsSync(p),
);
if (!REDIS_SERVER && DATABASE_URL)
  console.log('skipping the Redis restart test: redis-server is not installed');

async function startRedis(port: number): Promise<ChildProcess> {
  const proc = spawn(
    REDIS_SERVER!,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  for (let i = 0; ; i++) {
    const r = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null });
    r.on('error', () => undefined);
    try {
      await r.connect();
      await r.ping();
      r.disconnect();
      break;
    } catch {
      r.disconnect();
      if (i > 100) throw new Error('redis-server did not start');
      await sleep(50);
    }
  }
  return proc;
}

describe.skipIf(!DATABASE_URL || !REDIS_SERVER)('Redis restarted mid-session', () => {
  const { schema, prefix } = isolation('redisrestart');
  let cluster: Cluster;
  let redis: ChildProcess;
  let port: number;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    cluster = await startCluster({
      instances: 2,
      databaseUrl: DATABASE_URL!,
      redisUrl: `redis://127.0.0.1:${port}`,
      databaseSchema: schema,
      redisPrefix: prefix,
      env: { RATE_NOTES_PER_MINUTE: '10000', RATE_COMMANDS_PER_SECOND: '500' },
    });
  }, 60_000);

  afterAll(async () => {
    for (const c of clients.splice(0)) c.close();
    await cluster?.stop();
    redis?.kill('SIGKILL');
    if (redis) await exited(redis);
    await dropSchema(DATABASE_URL!, schema);
  }, 60_000);

  it('instances and clients heal, and no acknowledgement is lost', async () => {
    const board = await createBoard(cluster.urls[0]!, 'Redis');
    const tokens = await Promise.all(
      cluster.urls.map(async (url) => (await joinBoard(url, board.code)).token),
    );
    const writers = await Promise.all(
      cluster.urls.map((url, i) => TestClient.connect(url, board.boardId, { token: tokens[i]! })),
    );
    // The first writer's other tab, on the other instance: reached through the socket.io adapter.
    const otherTab = await TestClient.connect(cluster.urls[1]!, board.boardId, {
      token: tokens[0]!,
    });
    clients.push(...writers, otherTab);
    const toOtherTab = new Set<string>();
    otherTab.socket.on('own.notes', (ids: string[]) => ids.forEach((id) => toOtherTab.add(id)));
    const acked = new Map<string, string>();
    const problems: string[] = [];
    let stop = false;
    const load = writers.map(async (c, who) => {
      for (let k = 0; !stop; k++) {
        const id = newId();
        const text = `w${who}-${k}`;
        const ack = await resend(c.socket, { type: 'note.add', id, x: k, y: who, text }, newId());
        if (ack?.ok) acked.set(id, text);
        else problems.push(`${text}: ${ack ? (ack.ok ? '' : ack.error.code) : 'unanswered'}`);
        await sleep(20);
      }
    });
    let ackedWhileDown = 0;
    for (let t = 0; t < TRIALS; t++) {
      await sleep(800);
      redis.kill('SIGKILL');
      await exited(redis);
      const before = acked.size;
      const downAt = Date.now();
      if (t === TRIALS - 1) {
        // A rolling restart while Redis is away: the instance starts without it and joins later.
        await sleep(500);
        await cluster.kill(1, 'SIGTERM');
        await cluster.restart(1);
      }
      await sleep(Math.max(0, REDIS_DOWN_MS[t]! - (Date.now() - downAt)));
      ackedWhileDown += acked.size - before;
      redis = await startRedis(port);
      await sleep(800);
    }
    stop = true;
    await Promise.all(load);
    // Room emits cross instances again once the adapter is back on the new Redis.
    const last = newId();
    await writers[0]!.command({ type: 'note.add', id: last, x: 0, y: 99, text: 'viimeinen' });
    acked.set(last, 'viimeinen');
    // The adapter reconnects to the new Redis with a back-off: allow a busy machine its time.
    await waitFor(() => toOtherTab.has(last), 30_000, 'the other tab to hear of the note');

    const want = notesOf(await storedDoc(DATABASE_URL!, schema, board.boardId));
    const lost = [...acked].filter(([id, text]) => !want.some((n) => n[0] === id && n[1] === text));
    let converged = 0;
    for (const c of writers) {
      await waitFor(
        () => JSON.stringify(notesOf(c.doc)) === JSON.stringify(want),
        10_000,
        'replicas to converge after Redis came back',
      );
      converged++;
    }
    console.log(
      `tally: Redis restarts=${TRIALS} acknowledged=${acked.size} acknowledged while Redis was down=${ackedWhileDown} lost=${lost.length} replicas converged=${converged}/${writers.length} problems=${problems.length}`,
    );
    // Every instance lived through it.
    for (const inst of cluster.instances) expect(inst.proc.exitCode).toBeNull();
    expect(problems).toEqual([]);
    expect(ackedWhileDown).toBeGreaterThan(0);
    expect(lost).toEqual([]);
    expect(want.length).toBe(acked.size);
  }, 120_000);
});
