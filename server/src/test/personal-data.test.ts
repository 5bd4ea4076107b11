import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PersonalDataFlag } from '@pajataulu/shared';
import {
  createBoard,
  createBoardWith,
  joinAs,
  joinBoard,
  newId,
  startCaptureProxy,
  startServer,
  TestClient,
  waitFor,
  type CaptureProxy,
  type TestServer,
} from './harness.js';

const IDENTITY_CODE = '131052-308T';

/** Every `flags` event a client receives, in order. */
function flagsOf(c: TestClient): PersonalDataFlag[][] {
  const seen: PersonalDataFlag[][] = [];
  c.socket.on('flags', (f: PersonalDataFlag[]) => seen.push(f));
  return seen;
}

describe('personal-data flags for facilitators', () => {
  let server: TestServer;
  let proxyA: CaptureProxy;
  let proxyB: CaptureProxy;
  let proxyF: CaptureProxy;
  const clients: TestClient[] = [];
  beforeEach(async () => {
    server = await startServer();
    proxyA = await startCaptureProxy(server.port);
    proxyB = await startCaptureProxy(server.port);
    proxyF = await startCaptureProxy(server.port);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const p of [proxyA, proxyB, proxyF]) await p.close();
    await server.close();
  });

  it('a note with an identity code is flagged for facilitators alone, by kind, without its author', async () => {
    const board = await createBoard(server.url);
    const joinA = await joinBoard(server.url, board.code);
    const joinB = await joinBoard(server.url, board.code);
    const f = await TestClient.connect(proxyF.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    const a = await TestClient.connect(proxyA.url, board.boardId, { token: joinA.token });
    const b = await TestClient.connect(proxyB.url, board.boardId, { token: joinB.token });
    clients.push(f, a, b);
    const atF = flagsOf(f);
    const atA = flagsOf(a);
    const atB = flagsOf(b);

    const flagged = newId();
    const clean = newId();
    await a.command({
      type: 'note.add',
      id: clean,
      x: 0,
      y: 0,
      text: 'Palaverit ajallaan klo 9.00',
    });
    const ack = await a.command({
      type: 'note.add',
      id: flagged,
      x: 200,
      y: 0,
      text: `Potilas ${IDENTITY_CODE} odotti kuusi tuntia`,
    });
    await b.visible(ack);
    await waitFor(
      () => atF.flat().some((x) => x.noteId === flagged && x.kinds.length > 0),
      2_000,
      'the flag',
    );
    expect(atF.flat().find((x) => x.noteId === flagged)).toEqual({
      noteId: flagged,
      kinds: ['identityCode'],
    });
    expect(atF.flat().find((x) => x.noteId === clean)).toEqual({ noteId: clean, kinds: [] });

    // The author editing the code out clears the flag.
    const edit = await a.command({
      type: 'note.update',
      id: flagged,
      text: 'Potilas odotti kuusi tuntia',
    });
    await f.visible(edit);
    await waitFor(() => atF.at(-1)?.some((x) => x.noteId === flagged) ?? false, 2_000, 'cleared');
    expect(atF.at(-1)).toEqual([{ noteId: flagged, kinds: [] }]);

    // A facilitator who connects later finds the flags in their session; participants never do.
    const again = newId();
    await b.visible(
      await b.command({ type: 'note.add', id: again, x: 400, y: 0, text: 'Soita 040 123 4567' }),
    );
    const f2 = await TestClient.connect(server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    const a2 = await TestClient.connect(server.url, board.boardId, { token: joinA.token });
    clients.push(f2, a2);
    expect(f2.session?.flags).toEqual([{ noteId: again, kinds: ['phone'] }]);
    expect(a2.session).not.toHaveProperty('flags');
    expect(b.session).not.toHaveProperty('flags');

    // On the wire: no participant connection carries a flag; the facilitator's names no author.
    expect(atA).toEqual([]);
    expect(atB).toEqual([]);
    for (const p of [proxyA, proxyB]) expect(p.received().includes('["flags"')).toBe(false);
    const wireF = proxyF.received();
    expect(wireF.includes('["flags"')).toBe(true);
    for (const secret of [joinA.participantId, joinB.participantId, joinA.token, joinB.token])
      expect(wireF.includes(secret)).toBe(false);
  });

  it('names of participants on a named board are flagged, and the flag does not repeat the name', async () => {
    const board = await createBoardWith(server.url, { template: 'blank', mode: 'named' });
    await joinAs(server.url, board.code, { name: 'Maija Meikäläinen' });
    const joinB = await joinAs(server.url, board.code, { name: 'Pekka' });
    const f = await TestClient.connect(proxyF.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    const b = await TestClient.connect(server.url, board.boardId, { token: joinB.token });
    clients.push(f, b);
    const atF = flagsOf(f);
    const id = newId();
    await f.visible(
      await b.command({ type: 'note.add', id, x: 0, y: 0, text: 'Kiitos Maijalle avusta' }),
    );
    await waitFor(() => atF.length > 0, 2_000, 'the flag');
    expect(atF).toEqual([[{ noteId: id, kinds: ['name'] }]]);
    const frames = proxyF.received().toString('utf8');
    const flagFrame = frames.slice(frames.indexOf('["flags"'));
    expect(flagFrame.slice(0, flagFrame.indexOf(']]') + 2)).not.toMatch(/Maija|Pekka/);
  });

  it('a private note is flagged when it is revealed, not before', async () => {
    const board = await createBoard(server.url);
    const joinA = await joinBoard(server.url, board.code);
    const f = await TestClient.connect(server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    const a = await TestClient.connect(server.url, board.boardId, { token: joinA.token });
    clients.push(f, a);
    const atF = flagsOf(f);
    const prompt = newId();
    await f.command({ type: 'prompt.add', id: prompt, title: 'Arki', x: 0, y: 0, w: 800, h: 600 });
    await f.command({ type: 'prompt.update', id: prompt, privateWriting: true });
    const id = newId();
    await f.visible(
      await a.command({ type: 'note.add', id, x: 50, y: 50, text: 'maija@example.fi vastaa' }),
    );
    const f2 = await TestClient.connect(server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    clients.push(f2);
    expect(atF).toEqual([]);
    expect(f2.session?.flags).toEqual([]);

    await f.visible(await f.command({ type: 'board.reveal', promptId: prompt }));
    await waitFor(() => atF.length > 0, 2_000, 'the flag at the reveal');
    expect(atF).toEqual([[{ noteId: id, kinds: ['email'] }]]);
  });
});
