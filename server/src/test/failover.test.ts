/**
 * SIGKILL of an instance under load: clients behind the example nginx configuration reconnect to
 * another instance and resend what was not acknowledged; every acknowledged command is in
 * PostgreSQL, and none was applied twice.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { getNote, listNotes } from '@pajataulu/shared';
import { findNginx } from '../cluster/nginx.js';
import {
  CommandClient,
  DATABASE_URL,
  REDIS_URL,
  seeded,
  sleep,
  storedDoc,
  useCluster,
} from './cluster-fixture.js';
import { createBoard, joinBoard, newId } from './harness.js';

/**
 * Instances stopped, one after another, while the clients keep writing: killed, or told to shut
 * down (SIGTERM: it commits what it holds and closes the sockets so that clients reconnect).
 */
const SIGNALS: NodeJS.Signals[] = ['SIGKILL', 'SIGTERM', 'SIGKILL', 'SIGTERM'];
const TRIALS = SIGNALS.length;
const CLIENTS = 6;
const SEED = 8_808;

const NGINX = findNginx();
if (!NGINX && DATABASE_URL && REDIS_URL)
  console.log(
    'skipping the SIGKILL fail-over test: nginx is not installed (Debian: apt-get install nginx)',
  );

describe.skipIf(!DATABASE_URL || !REDIS_URL || !NGINX)('an instance stopped under load', () => {
  const fx = useCluster('failover');
  const clients: CommandClient[] = [];
  afterAll(() => {
    for (const c of clients.splice(0)) c.close();
  });

  it('clients fail over to another instance after SIGKILL or SIGTERM; every acknowledged command is there, none twice', async () => {
    const { cluster, nginx, schema } = fx;
    if (!nginx) throw new Error('nginx did not start');
    const random = seeded(SEED);
    const board = await createBoard(nginx.url, 'Vikasieto');
    for (let i = 0; i < CLIENTS; i++) {
      const { token } = await joinBoard(nginx.url, board.code);
      clients.push(await CommandClient.connect(nginx.url, board.boardId, { token }));
    }
    const acked = new Map<string, string>();
    const reacted = new Set<string>();
    const problems: string[] = [];
    let stop = false;
    const load = clients.map(async (c, who) => {
      for (let k = 0; !stop; k++) {
        const id = newId();
        const text = `c${who}-${k}`;
        const x = Math.round(random() * 1000);
        const ack = await c.send({ type: 'note.add', id, x, y: 0, text }, newId());
        if (!ack) problems.push(`${text}: never answered`);
        else if (!ack.ok) problems.push(`${text}: ${ack.error.code}`);
        else {
          acked.set(id, text);
          // A toggle applied twice would undo itself: the count shows whether it was.
          const r = await c.send(
            { type: 'reaction.toggle', noteId: id, reaction: 'heart' },
            newId(),
          );
          if (r?.ok) reacted.add(id);
          else problems.push(`${text} reaction: ${r ? (r.ok ? '' : r.error.code) : 'unanswered'}`);
        }
      }
    });
    for (let t = 0; t < TRIALS; t++) {
      await sleep(800 + Math.floor(random() * 600));
      const victim = t % cluster.instances.length;
      await cluster.kill(victim, SIGNALS[t]);
      await sleep(700);
      await cluster.restart(victim);
    }
    await sleep(800);
    stop = true;
    await Promise.all(load);

    const doc = await storedDoc(DATABASE_URL!, schema, board.boardId);
    const lost = [...acked].filter(([id, text]) => getNote(doc, id)?.text !== text).length;
    const twice = [...reacted].filter((id) => getNote(doc, id)?.reactions.heart !== 1).length;
    const extra = listNotes(doc).length - acked.size;
    const retries = clients.reduce((s, c) => s + c.retries, 0);
    const reconnects = clients.reduce((s, c) => s + c.reconnects, 0);
    console.log(
      `tally: fail-over trials=${TRIALS} (${SIGNALS.join(',')}) clients=${CLIENTS} reconnects=${reconnects} resent=${retries} acknowledged notes=${acked.size} reactions=${reacted.size} lost=${lost} applied twice=${twice} unacknowledged extra=${extra} problems=${problems.length}`,
    );
    expect(problems).toEqual([]);
    expect(acked.size).toBeGreaterThan(TRIALS * CLIENTS);
    // The kills did land on connected clients.
    expect(reconnects).toBeGreaterThan(0);
    expect(lost).toBe(0);
    expect(twice).toBe(0);
    expect(extra).toBe(0);
    // Four stops and restarts take about 25 s on an idle machine; room for a busy one.
  }, 120_000);
});
