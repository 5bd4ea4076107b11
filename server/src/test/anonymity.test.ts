/**
 * Anonymity at the byte level: everything participant B's connections receive is captured on the
 * wire (a TCP proxy in front of the server) and searched for anything that identifies author A.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { listNotes, readMeta, type Note } from '@pajataulu/shared';
import {
  createBoardWith,
  joinAs,
  newId,
  startCaptureProxy,
  startServer,
  TestClient,
  varUint,
  waitFor,
  type CaptureProxy,
  type TestServer,
} from './harness.js';

const NAME = 'Maija Meikäläinen';
const JOHTO = 'g3';

describe('anonymous boards leak nothing that identifies an author', () => {
  let server: TestServer;
  let proxy: CaptureProxy;
  const clients: TestClient[] = [];
  beforeEach(async () => {
    server = await startServer();
    proxy = await startCaptureProxy(server.port);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await proxy.close();
    await server.close();
  });

  async function scenario(johtoMembers: number) {
    const board = await createBoardWith(server.url, { groupThreshold: 3 });
    const a = await joinAs(server.url, board.code, { name: NAME, group: JOHTO });
    for (let i = 1; i < johtoMembers; i++) await joinAs(server.url, board.code, { group: JOHTO });
    const c = await joinAs(server.url, board.code, { group: JOHTO });
    const b = await joinAs(server.url, board.code, { group: 'g1' });
    // B is connected through the capturing proxy from the start; A and C directly.
    const clientB = await TestClient.connect(proxy.url, board.boardId, { token: b.token });
    const clientA = await TestClient.connect(server.url, board.boardId, { token: a.token });
    const clientC = await TestClient.connect(server.url, board.boardId, { token: c.token });
    clients.push(clientA, clientB, clientC);
    const notesA = [newId(), newId(), newId()];
    const notesC = [newId()];
    for (const [i, id] of notesA.entries()) {
      await clientA.command({ type: 'note.add', id, x: i * 200, y: 0, text: `johdon huomio ${i}` });
    }
    await clientA.command({ type: 'note.move', id: notesA[0]!, x: 50, y: 500 });
    await clientA.command({ type: 'note.update', id: notesA[1]!, text: 'muokattu', color: 'pink' });
    // A refused command: its error text goes to A only, and names nobody anyway.
    const refused = await clientC.command({ type: 'note.delete', id: notesA[2]! });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const last = await clientC.command({
      type: 'note.add',
      id: notesC[0]!,
      x: 0,
      y: 900,
      text: 'toisen johtajan',
    });
    await clientB.visible(last);
    await waitFor(() => listNotes(clientB.doc).length === 4);
    return { board, a, b, clientA, clientB, notesA, notesC };
  }

  it('with 3+ members in the author’s group: no name, id, token or Yjs client id of A reaches B', async () => {
    const { a, clientA, clientB, notesA, notesC } = await scenario(3);
    const bytes = proxy.received();
    expect(bytes.length).toBeGreaterThan(1_000);
    for (const secret of [NAME, 'Meikäläinen', a.participantId, a.token]) {
      expect(bytes.includes(Buffer.from(secret, 'utf8')), `found ${secret}`).toBe(false);
    }
    expect(bytes.includes(varUint(clientA.doc.clientID)), 'A’s Yjs client id').toBe(false);
    expect(
      bytes.includes(Buffer.from(String(clientA.doc.clientID))),
      'A’s Yjs client id as text',
    ).toBe(false);
    // Every item in B's replica was written by the server, none by a client.
    const writers = [...Y.decodeStateVector(Y.encodeStateVector(clientB.doc)).keys()];
    const serverDoc = (await server.app.registry.get(clientB.session!.boardId)).doc;
    const serverWriters = [...Y.decodeStateVector(Y.encodeStateVector(serverDoc)).keys()];
    expect(writers).not.toContain(clientA.doc.clientID);
    expect(writers.sort()).toEqual(serverWriters.sort());

    // A's notes are not linkable to each other: they carry the same fields, with the same
    // author-related values, as another member's note of the same group.
    const byId = new Map(listNotes(clientB.doc).map((n) => [n.id, n]));
    const authorFacts = (n: Note) => ({
      group: n.group,
      author: n.author,
      keys: Object.keys(n).sort(),
    });
    const reference = authorFacts(byId.get(notesC[0]!)!);
    for (const id of notesA) expect(authorFacts(byId.get(id)!)).toEqual(reference);
    expect(reference.group).toBe(JOHTO);
    expect(reference.author).toBeNull();
    expect(clientB.session?.ownNotes).toEqual([]);
  });

  it('below K members, the group tag is withheld from everyone, facilitators included', async () => {
    const { board, clientB } = await scenario(1);
    const facilitator = await TestClient.connect(server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    clients.push(facilitator);
    for (const replica of [clientB.doc, facilitator.doc]) {
      expect(listNotes(replica).map((n) => n.group)).toEqual([null, null, null, null]);
      expect(readMeta(replica).groupCounts).toEqual({});
    }
    // On the wire: the only occurrence of the group id is the board's public list of groups.
    const text = proxy.received().toString('latin1');
    const occurrences = text.split(`"${JOHTO}"`).length - 1;
    expect(occurrences).toBeLessThanOrEqual(1);
  });

  it('a named board shows display names, and only there', async () => {
    const board = await createBoardWith(server.url, { mode: 'named' });
    const a = await joinAs(server.url, board.code, { name: NAME });
    const b = await joinAs(server.url, board.code, {});
    const clientA = await TestClient.connect(server.url, board.boardId, { token: a.token });
    const clientB = await TestClient.connect(server.url, board.boardId, { token: b.token });
    clients.push(clientA, clientB);
    await clientB.visible(
      await clientA.command({ type: 'note.add', id: newId(), x: 0, y: 0, text: 'nimellä' }),
    );
    expect(listNotes(clientB.doc)[0]?.author).toBe(NAME);
  });
});
