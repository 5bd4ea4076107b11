import { describe, expect, it } from 'vitest';
import { listNotes, listPrompts, readMeta } from '@pajataulu/shared';
import { createBoardWith, joinAs, newId, TestClient, useServer, waitFor } from './harness.js';

describe('running a workshop through real sockets', () => {
  const fx = useServer();

  async function connect(boardId: string, creds: Parameters<typeof TestClient.connect>[2]) {
    const c = await TestClient.connect(fx.server.url, boardId, creds);
    fx.clients.push(c);
    return c;
  }

  it('two tabs of one participant voting at once get exactly the budget; a reload keeps the dots', async () => {
    const board = await createBoardWith(fx.server.url, { template: 'trust' });
    const f = await connect(board.boardId, { facilitatorKey: board.facilitatorKey });
    const me = await joinAs(fx.server.url, board.code, {});
    const tab1 = await connect(board.boardId, { token: me.token });
    const tab2 = await connect(board.boardId, { token: me.token });
    const other = await connect(board.boardId, {
      token: (await joinAs(fx.server.url, board.code, {})).token,
    });
    const notes = Array.from({ length: 6 }, () => newId());
    for (const [i, id] of notes.entries())
      await f.command({ type: 'note.add', id, x: 20 + i, y: 20, text: `n${i}` });
    const roundId = newId();
    await f.command({ type: 'vote.start', roundId, dots: 3, maxPerNote: 1, showTotals: true });

    // Both tabs (and another participant) fire every vote at once.
    const acks = await Promise.all([
      ...notes.map((noteId) => tab1.command({ type: 'vote.cast', roundId, noteId })),
      ...notes.map((noteId) => tab2.command({ type: 'vote.cast', roundId, noteId })),
      ...notes.map((noteId) => other.command({ type: 'vote.cast', roundId, noteId })),
    ]);
    const mineOk = acks.slice(0, 12).filter((a) => a.ok).length;
    const otherOk = acks.slice(12).filter((a) => a.ok).length;
    expect(mineOk).toBe(3);
    expect(otherOk).toBe(3);
    expect(acks.filter((a) => !a.ok).every((a) => !a.ok && a.error.code === 'vote_budget')).toBe(
      true,
    );
    await f.visible(acks.find((a) => a.ok)!);
    await waitFor(
      () => listNotes(f.doc).reduce((s, n) => s + (n.votes[roundId] ?? 0), 0) === 6,
      2_000,
      'totals',
    );

    // A reload mid-round: the session says where my dots are.
    const reloaded = await connect(board.boardId, { token: me.token });
    const mine = reloaded.session?.votes[roundId] ?? {};
    expect(Object.values(mine).reduce((s, n) => s + n, 0)).toBe(3);
    expect(await reloaded.command({ type: 'vote.cast', roundId, noteId: notes[5]! })).toMatchObject(
      { error: { code: 'vote_budget' } },
    );
    const taken = Object.keys(mine)[0]!;
    expect(await reloaded.command({ type: 'vote.retract', roundId, noteId: taken })).toMatchObject({
      ok: true,
    });
  });

  it('a participant is told which reactions are theirs, on every tab and after a reload, and nobody else is', async () => {
    const board = await createBoardWith(fx.server.url, { template: 'blank' });
    const f = await connect(board.boardId, { facilitatorKey: board.facilitatorKey });
    const me = await joinAs(fx.server.url, board.code, {});
    const tab1 = await connect(board.boardId, { token: me.token });
    const tab2 = await connect(board.boardId, { token: me.token });
    const other = await connect(board.boardId, {
      token: (await joinAs(fx.server.url, board.code, {})).token,
    });
    const noteId = newId();
    await f.command({ type: 'note.add', id: noteId, x: 0, y: 0, text: 'reagoi' });
    const seen: Record<string, { noteId: string; mine: string[] }[]> = { tab2: [], other: [] };
    tab2.socket.on('reactions', (c: { noteId: string; mine: string[] }) => seen['tab2']!.push(c));
    other.socket.on('reactions', (c: { noteId: string; mine: string[] }) => seen['other']!.push(c));

    await tab1.command({ type: 'reaction.toggle', noteId, reaction: 'heart' });
    await tab1.command({ type: 'reaction.toggle', noteId, reaction: 'idea' });
    await other.command({ type: 'reaction.toggle', noteId, reaction: 'clap' });
    await waitFor(
      () => seen['tab2']!.at(-1)?.mine.join() === 'heart,idea',
      2_000,
      'the other tab hears of my reactions',
    );
    // The other participant hears only of their own.
    await waitFor(
      () => seen['other']!.length === 1,
      2_000,
      'the other participant hears of theirs',
    );
    expect(seen['other']).toEqual([{ noteId, mine: ['clap'] }]);

    const reloaded = await connect(board.boardId, { token: me.token });
    expect(reloaded.session?.reactions).toEqual({ [noteId]: ['heart', 'idea'] });
    await reloaded.command({ type: 'reaction.toggle', noteId, reaction: 'heart' });
    await waitFor(() => seen['tab2']!.at(-1)?.mine.join() === 'idea', 2_000, 'taken back');
    expect(f.session?.reactions).toEqual({});
  });

  it('a timer that runs out reveals private writing, on the server’s clock', async () => {
    const board = await createBoardWith(fx.server.url, {});
    const f = await connect(board.boardId, { facilitatorKey: board.facilitatorKey });
    const p = await connect(board.boardId, {
      token: (await joinAs(fx.server.url, board.code, {})).token,
    });
    await f.command({ type: 'board.update', privateWriting: true });
    await p.command({ type: 'note.add', id: newId(), x: 0, y: 0, text: 'odottaa' });
    await f.command({ type: 'timer.set', durationMs: 1_000, onEnd: 'reveal' });
    const started = await f.command({ type: 'timer.start' });
    await p.visible(started);
    expect(readMeta(p.doc).timer.state).toBe('running');
    await waitFor(() => readMeta(p.doc).timer.state === 'ended', 4_000, 'timer end');
    expect(listNotes(p.doc).map((n) => n.text)).toEqual(['odottaa']);
    expect(readMeta(p.doc).privateWriting).toBe(false);
  });

  it('a stations board puts joiners in stations, balanced, and tells each their own', async () => {
    const board = await createBoardWith(fx.server.url, {
      template: 'stations',
      stations: 3,
      assignment: 'balanced',
    });
    const stations: string[] = [];
    for (let i = 0; i < 6; i++) {
      const c = await connect(board.boardId, {
        token: (await joinAs(fx.server.url, board.code, {})).token,
      });
      stations.push(c.session!.station!);
    }
    const ids = listPrompts(fx.clients[0]!.doc).map((p) => p.id);
    for (const id of ids) expect(stations.filter((s) => s === id)).toHaveLength(2);
  });
});
