/**
 * PostgreSQL unavailable for 10 s (a proxy between the instances and the machine's PostgreSQL
 * cuts every connection; the database itself keeps running): commands are refused with
 * `unavailable` and acknowledged once resent after it is back, never acknowledged and lost, and
 * an instance that had not loaded the board refuses rather than serve it empty.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getNote, listNotes } from '@pajataulu/shared';
import {
  DATABASE_URL,
  dropSchema,
  isolation,
  resend,
  sleep,
  startCuttableProxy,
  storedDoc,
  type CuttableProxy,
} from './cluster-fixture.js';
import {
  createBoard,
  handshake,
  joinBoard,
  newId,
  startServer,
  TestClient,
  waitFor,
  type TestServer,
} from './harness.js';

/** How long PostgreSQL is out of reach. */
const OUTAGE_MS = 10_000;
/** A command every this often during the outage. */
const SEND_EVERY_MS = 250;

describe.skipIf(!DATABASE_URL)('PostgreSQL unavailable for 10 s', () => {
  const { schema } = isolation('pgoutage');
  let proxy: CuttableProxy;
  let a: TestServer;
  let b: TestServer;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    const target = new URL(DATABASE_URL!);
    proxy = await startCuttableProxy(target.hostname, Number(target.port || 5432));
    const proxied = new URL(DATABASE_URL!);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    const postgres = { url: proxied.toString(), schema };
    const env = { RATE_NOTES_PER_MINUTE: '10000' };
    a = await startServer({ postgres, env });
    b = await startServer({ postgres, env });
  });

  afterAll(async () => {
    for (const c of clients.splice(0)) c.close();
    proxy.restore();
    await a?.close();
    await b?.close();
    await proxy?.close();
    await dropSchema(DATABASE_URL!, schema);
  });

  it('refuses with a typed error or acknowledges later, never acknowledges and loses', async () => {
    const board = await createBoard(a.url, 'Katko');
    const joined = await joinBoard(a.url, board.code);
    const p = await TestClient.connect(a.url, board.boardId, { token: joined.token });
    clients.push(p);
    const before: string[] = [];
    for (let i = 0; i < 10; i++) {
      const id = newId();
      await p.visible(await p.command({ type: 'note.add', id, x: i, y: 0, text: `ennen ${i}` }));
      before.push(id);
    }

    proxy.cut();
    const cutAt = Date.now();
    const sent: { id: string; commandId: string; text: string }[] = [];
    const answers: Promise<{ ok: boolean; code?: string }>[] = [];
    let k = 0;
    while (Date.now() - cutAt < OUTAGE_MS - 1_000) {
      const item = { id: newId(), commandId: newId(), text: `katkolla ${k++}` };
      sent.push(item);
      answers.push(
        p
          .command({ type: 'note.add', id: item.id, x: k, y: 50, text: item.text }, item.commandId)
          .then(
            (ack) => (ack.ok ? { ok: true } : { ok: false, code: ack.error.code }),
            () => ({ ok: false, code: 'no answer' }),
          ),
      );
      await sleep(SEND_EVERY_MS);
    }
    // An instance that has not loaded the board cannot read it now: it refuses, typed.
    const elsewhere = await handshake(b.url, { board: board.boardId, token: joined.token });
    const results = await Promise.all(answers);
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - cutAt)));
    proxy.restore();

    // Resend what was refused, with the same command ids, as the client's queue does.
    const refusedCodes = new Map<string, number>();
    let ackedDuring = 0;
    for (const [i, r] of results.entries()) {
      if (r.ok) {
        ackedDuring++;
        continue;
      }
      refusedCodes.set(r.code!, (refusedCodes.get(r.code!) ?? 0) + 1);
      const item = sent[i]!;
      const ack = await resend(
        p.socket,
        { type: 'note.add', id: item.id, x: i, y: 50, text: item.text },
        item.commandId,
      );
      expect(ack).toMatchObject({ ok: true });
    }

    const doc = await storedDoc(DATABASE_URL!, schema, board.boardId);
    const lost = [...before.map((id) => ({ id })), ...sent].filter(
      (n) => getNote(doc, n.id) === undefined,
    ).length;
    // The instance that refused during the outage now serves the whole board, not an empty one.
    const later = await TestClient.connect(b.url, board.boardId, { token: joined.token });
    clients.push(later);
    await waitFor(
      () => listNotes(later.doc).length === before.length + sent.length,
      5_000,
      'board',
    );
    console.log(
      `tally: PostgreSQL unavailable ${OUTAGE_MS / 1000} s trials=1 sent during=${sent.length} acknowledged during=${ackedDuring} refused=${JSON.stringify(Object.fromEntries(refusedCodes))} lost=${lost} load elsewhere=${JSON.stringify(elsewhere)}`,
    );
    expect(elsewhere).toEqual({ code: 'unavailable' });
    expect([...refusedCodes.keys()]).toEqual(['unavailable']);
    expect(lost).toBe(0);
    expect(listNotes(doc).length).toBe(before.length + sent.length);
  });
});
