/**
 * The whole server on PostgreSQL: live replication, retries and a restart, as on SQLite. Runs when
 * DATABASE_URL is set (as in CI), each run in a schema of its own.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { getNote, listNotes, randomId } from '@pajataulu/shared';
import { createBoard, joinBoard, newId, startServer, TestClient } from './harness.js';

const DATABASE_URL = process.env['DATABASE_URL'];
const schema = `pj_server_${randomId(10)}`;

afterAll(async () => {
  if (!DATABASE_URL) return;
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  await client.end();
});

describe.skipIf(!DATABASE_URL)('the server on PostgreSQL', () => {
  it('replicates, applies a retried command once, and keeps everything across a restart', async () => {
    const postgres = { url: DATABASE_URL!, schema };
    const first = await startServer({ postgres });
    const board = await createBoard(first.url, 'Postgres');
    const joined = await joinBoard(first.url, board.code);
    const a = await TestClient.connect(first.url, board.boardId, { token: joined.token });
    const b = await TestClient.connect(first.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    const id = newId();
    const commandId = newId();
    const ack = await a.command({ type: 'note.add', id, x: 0, y: 0, text: 'tallessa' }, commandId);
    await b.visible(ack);
    expect(getNote(b.doc, id)?.text).toBe('tallessa');
    expect(
      await a.command({ type: 'note.add', id, x: 0, y: 0, text: 'tallessa' }, commandId),
    ).toMatchObject({ ok: true, applied: false });
    await b.visible(await a.command({ type: 'note.move', id, x: 40, y: 50 }));
    a.close();
    b.close();
    await first.close();

    const second = await startServer({ postgres });
    try {
      const again = await TestClient.connect(second.url, board.boardId, { token: joined.token });
      expect(listNotes(again.doc).map((n) => [n.text, n.x, n.y])).toEqual([['tallessa', 40, 50]]);
      expect(again.session?.ownNotes).toEqual([id]);
      again.close();
    } finally {
      await second.close();
    }
  });
});
