/**
 * A facilitator's change to a participant's note is visible: the mark reaches another participant
 * and the author over their own connections, names nobody, and the author's own edits set none.
 */
import { describe, expect, it } from 'vitest';
import { getNote } from '@pajataulu/shared';
import {
  createBoard,
  joinBoard,
  newId,
  startCaptureProxy,
  TestClient,
  useServer,
  waitFor,
} from './harness.js';

describe('facilitator edits of participants’ notes', () => {
  const fx = useServer();

  it('mark the note for everyone and for its author, without naming the author', async () => {
    const board = await createBoard(fx.server.url);
    const author = await joinBoard(fx.server.url, board.code);
    const other = await joinBoard(fx.server.url, board.code);
    const proxy = await startCaptureProxy(fx.server.port);
    try {
      const a = await TestClient.connect(fx.server.url, board.boardId, { token: author.token });
      const b = await TestClient.connect(proxy.url, board.boardId, { token: other.token });
      const f = await TestClient.connect(fx.server.url, board.boardId, {
        facilitatorKey: board.facilitatorKey,
      });
      fx.clients.push(a, b, f);
      const id = newId();
      await b.visible(await a.command({ type: 'note.add', id, x: 0, y: 0, text: 'alku' }));
      // The author's own edit leaves no mark.
      await b.visible(await a.command({ type: 'note.update', id, text: 'oma korjaus' }));
      expect(getNote(b.doc, id)?.editedByFacilitator).toBe(false);

      const ack = await f.command({ type: 'note.update', id, text: 'fasilitaattorin sanoin' });
      await b.visible(ack);
      await a.visible(ack);
      for (const replica of [a.doc, b.doc]) {
        expect(getNote(replica, id)).toMatchObject({
          text: 'fasilitaattorin sanoin',
          editedByFacilitator: true,
          author: null,
        });
      }
      // Signing in again, the author is still told the note is theirs, and sees it was changed.
      const again = await TestClient.connect(fx.server.url, board.boardId, {
        token: author.token,
      });
      fx.clients.push(again);
      expect(again.session?.ownNotes).toContain(id);
      expect(getNote(again.doc, id)?.editedByFacilitator).toBe(true);
      expect(b.session?.ownNotes).toEqual([]);
      // Nothing the other participant received names the author.
      const bytes = proxy.received();
      for (const secret of [author.participantId, author.token])
        expect(bytes.includes(Buffer.from(secret)), secret).toBe(false);

      // A later edit by the author keeps the mark: the facilitator's change was seen.
      await b.visible(await a.command({ type: 'note.update', id, text: 'omin sanoin taas' }));
      await waitFor(() => getNote(b.doc, id)?.text === 'omin sanoin taas');
      expect(getNote(b.doc, id)?.editedByFacilitator).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('the facilitator’s own notes carry no mark when the facilitator edits them', async () => {
    const board = await createBoard(fx.server.url);
    const f = await TestClient.connect(fx.server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    fx.clients.push(f);
    const id = newId();
    await f.command({ type: 'note.add', id, x: 0, y: 0, text: 'ohje' });
    await f.visible(await f.command({ type: 'note.update', id, text: 'uusi ohje' }));
    expect(getNote(f.doc, id)?.editedByFacilitator).toBe(false);
  });
});
