import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import {
  listNotes,
  MAX_COMMAND_MESSAGE_BYTES,
  MAX_NOTE_TEXT_LENGTH,
  MAX_SYNC_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  syncSubprotocols,
  SyncCloseCode,
} from '@pajataulu/shared';
import {
  createBoard,
  joinBoard,
  newId,
  startServer,
  TestClient,
  waitFor,
  type TestServer,
} from './harness.js';

describe('every bad input gets a typed error and changes nothing', () => {
  let server: TestServer;
  let board: Awaited<ReturnType<typeof createBoard>>;
  let client: TestClient;

  beforeAll(async () => {
    server = await startServer();
    board = await createBoard(server.url);
    client = await TestClient.connect(server.url, board.boardId, {
      token: (await joinBoard(server.url, board.code)).token,
    });
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  async function boardUnchanged(): Promise<void> {
    expect(listNotes((await server.app.registry.get(board.boardId)).doc)).toHaveLength(0);
  }

  async function serverStillWorks(): Promise<void> {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const id = newId();
    const ack = await client.command({ type: 'note.add', id, x: 0, y: 0 });
    expect(ack).toMatchObject({ ok: true });
    expect(await client.command({ type: 'note.delete', id })).toMatchObject({ ok: true });
  }

  const emit = (envelope: unknown) => client.socket.timeout(5_000).emitWithAck('command', envelope);

  it.each([
    ['not an object', 'hello', 'invalid_message'],
    [
      'no id',
      { command: { type: 'note.add', id: 'aaaaaaaaaaaaaaaaaaaa', x: 0, y: 0 } },
      'invalid_message',
    ],
    ['a bad id', { id: 'x', command: { type: 'note.add' } }, 'invalid_message'],
    ['no command', { id: 'abcdefgh12' }, 'invalid_message'],
    [
      'an unknown command',
      { id: 'abcdefgh12', command: { type: 'note.explode', id: 'aaaaaaaaaaaaaaaaaaaa' } },
      'unknown_command',
    ],
    [
      'wrong types',
      { id: 'abcdefgh12', command: { type: 'note.add', id: 'aaaaaaaaaaaaaaaaaaaa', x: '0', y: 0 } },
      'invalid_command',
    ],
    [
      'an unknown field',
      {
        id: 'abcdefgh12',
        command: { type: 'note.add', id: 'aaaaaaaaaaaaaaaaaaaa', x: 0, y: 0, author: 'me' },
      },
      'invalid_command',
    ],
    [
      'a malformed note id',
      { id: 'abcdefgh12', command: { type: 'note.add', id: '../../etc', x: 0, y: 0 } },
      'invalid_command',
    ],
    [
      'a coordinate out of range',
      {
        id: 'abcdefgh12',
        command: { type: 'note.add', id: 'aaaaaaaaaaaaaaaaaaaa', x: 1e12, y: 0 },
      },
      'invalid_command',
    ],
    [
      'NaN in JSON clothing',
      {
        id: 'abcdefgh12',
        command: { type: 'note.add', id: 'aaaaaaaaaaaaaaaaaaaa', x: null, y: 0 },
      },
      'invalid_command',
    ],
    [
      'text over the limit',
      {
        id: 'abcdefgh12',
        command: {
          type: 'note.add',
          id: 'aaaaaaaaaaaaaaaaaaaa',
          x: 0,
          y: 0,
          text: 'ä'.repeat(MAX_NOTE_TEXT_LENGTH + 1),
        },
      },
      'text_too_long',
    ],
  ])('a command with %s is refused as %s', async (_what, envelope, code) => {
    expect(await emit(envelope)).toMatchObject({ ok: false, error: { code } });
    await boardUnchanged();
  });

  it('text at exactly the limit is accepted', async () => {
    const id = newId();
    expect(
      await client.command({
        type: 'note.add',
        id,
        x: 0,
        y: 0,
        text: 'a'.repeat(MAX_NOTE_TEXT_LENGTH),
      }),
    ).toMatchObject({ ok: true });
    expect(await client.command({ type: 'note.delete', id })).toMatchObject({ ok: true });
  });

  it('a command sent without an acknowledgement callback is ignored', async () => {
    client.socket.emit('command', {
      id: 'abcdefgh12',
      command: { type: 'note.add', id: newId(), x: 0, y: 0 },
    });
    await serverStillWorks();
    await boardUnchanged();
  });

  it('unknown boards and wrong or missing keys are refused at the handshake with a code', async () => {
    const handshake = (auth: Record<string, unknown>) =>
      new Promise<unknown>((resolve) => {
        const s = io(server.url, { auth, transports: ['websocket'], reconnection: false });
        s.on('connect', () => {
          s.close();
          resolve('connected');
        });
        s.on('connect_error', (e: Error & { data?: unknown }) => {
          s.close();
          resolve(e.data);
        });
      });
    const base = { protocol: PROTOCOL_VERSION, board: board.boardId };
    expect(
      await handshake({ ...base, board: 'nosuchboard', facilitatorKey: board.facilitatorKey }),
    ).toEqual({ code: 'board_not_found' });
    expect(await handshake({ ...base, facilitatorKey: 'A'.repeat(43) })).toEqual({
      code: 'unauthorized',
    });
    expect(await handshake({ ...base, projectorKey: board.facilitatorKey })).toEqual({
      code: 'unauthorized',
    });
    expect(await handshake({ ...base, token: 'B'.repeat(43) })).toEqual({ code: 'unauthorized' });
    expect(await handshake(base)).toEqual({ code: 'unauthorized' });
    expect(
      await handshake({ ...base, protocol: 999, facilitatorKey: board.facilitatorKey }),
    ).toEqual({ code: 'protocol_mismatch' });
  });

  async function syncClose(
    path: string,
    protocols: string[],
    send?: Buffer | string,
  ): Promise<number> {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}${path}`, protocols);
    return new Promise((resolve) => {
      ws.on('open', () => {
        if (send !== undefined) ws.send(send);
      });
      ws.on('close', (code) => resolve(code));
      ws.on('error', () => undefined);
    });
  }

  it('the sync endpoint closes with a specific code for wrong credentials or boards', async () => {
    const path = `/sync/${board.boardId}`;
    const key = { facilitatorKey: board.facilitatorKey };
    expect(await syncClose(path, syncSubprotocols({ facilitatorKey: 'A'.repeat(43) }))).toBe(
      SyncCloseCode.Unauthorized,
    );
    expect(await syncClose(path, syncSubprotocols({}))).toBe(SyncCloseCode.Unauthorized);
    expect(await syncClose('/sync/nosuchboard', syncSubprotocols(key))).toBe(
      SyncCloseCode.BoardNotFound,
    );
    expect(await syncClose(path, syncSubprotocols(key, 0))).toBe(SyncCloseCode.ProtocolMismatch);
    // Two credentials, or an entry that is not ours, are refused rather than guessed at.
    expect(
      await syncClose(path, [...syncSubprotocols(key), `pajataulu.token.${'B'.repeat(43)}`]),
    ).toBe(SyncCloseCode.Unauthorized);
    expect(await syncClose(path, [...syncSubprotocols(key), 'chat'])).toBe(
      SyncCloseCode.Unauthorized,
    );
  });

  it('the sync endpoint takes no credential from the URL, and never echoes one', async () => {
    // A valid key in the query is not read: the connection speaks no protocol version at all.
    expect(
      await syncClose(
        `/sync/${board.boardId}?protocol=${PROTOCOL_VERSION}&facilitatorKey=${board.facilitatorKey}`,
        [],
      ),
    ).toBe(SyncCloseCode.ProtocolMismatch);
    const ws = new WebSocket(
      `${server.url.replace('http', 'ws')}/sync/${board.boardId}`,
      syncSubprotocols({ facilitatorKey: board.facilitatorKey }),
    );
    await new Promise((resolve) => ws.once('open', resolve));
    expect(ws.protocol).toBe(`pajataulu.v${PROTOCOL_VERSION}`);
    ws.close();
  });

  it('garbage bytes on the sync endpoint close that connection; the server stays up', async () => {
    const auth = `/sync/${board.boardId}`;
    const creds = syncSubprotocols({ facilitatorKey: board.facilitatorKey });
    expect(
      await syncClose(
        auth,
        creds,
        Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
      ),
    ).toBe(SyncCloseCode.BadMessage);
    expect(await syncClose(auth, creds, Buffer.from([0x00, 0x00, 0xfe]))).toBe(
      SyncCloseCode.BadMessage,
    );
    expect(await syncClose(auth, creds, 'text frame')).toBe(SyncCloseCode.BadMessage);
    expect(await syncClose(auth, creds, Buffer.from([0x09]))).toBe(SyncCloseCode.BadMessage);
    await serverStillWorks();
    await boardUnchanged();
  });

  it('an oversized sync frame closes the connection unread (1009)', async () => {
    const creds = syncSubprotocols({ facilitatorKey: board.facilitatorKey });
    expect(
      await syncClose(`/sync/${board.boardId}`, creds, Buffer.alloc(MAX_SYNC_MESSAGE_BYTES + 1)),
    ).toBe(1009);
    await serverStillWorks();
  });

  it('an oversized command message closes the socket; the server stays up', async () => {
    const joined = await joinBoard(server.url, board.code);
    const s = io(server.url, {
      auth: { protocol: PROTOCOL_VERSION, board: board.boardId, token: joined.token },
      transports: ['websocket'],
      reconnection: false,
    });
    await new Promise<void>((r) => s.on('session', () => r()));
    const reason = new Promise<string>((r) => s.on('disconnect', (why) => r(why)));
    s.emit(
      'command',
      {
        id: 'abcdefgh12',
        command: {
          type: 'note.add',
          id: newId(),
          x: 0,
          y: 0,
          text: 'x'.repeat(MAX_COMMAND_MESSAGE_BYTES * 2),
        },
      },
      () => undefined,
    );
    expect(await reason).toBe('transport close');
    s.close();
    await serverStillWorks();
    await boardUnchanged();
  });

  it('garbage bytes on the socket.io endpoint close that socket; the server stays up', async () => {
    const ws = new WebSocket(
      `${server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`,
    );
    await new Promise<void>((r) => ws.on('open', () => r()));
    const closed = new Promise<void>((r) => ws.on('close', () => r()));
    ws.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    ws.send('4garbage{{{');
    ws.send('40{"protocol":');
    await Promise.race([closed, new Promise((r) => setTimeout(r, 1_000))]);
    ws.terminate();
    await serverStillWorks();
  });

  it.each([
    ['invalid JSON', '{bad', 'invalid_message', 400],
    ['an empty title', JSON.stringify({ title: '   ' }), 'invalid_message', 400],
    ['a title over the limit', JSON.stringify({ title: 'x'.repeat(500) }), 'text_too_long', 400],
    [
      'an unknown template',
      JSON.stringify({ title: 'x', template: 'nope' }),
      'invalid_message',
      400,
    ],
    ['an oversized body', JSON.stringify({ title: 'x'.repeat(100_000) }), 'message_too_large', 413],
  ])('creating a board with %s is refused as %s', async (_what, body, code, status) => {
    const res = await fetch(`${server.url}/api/boards`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ error: { code } });
  });

  it('looking up or joining an unknown code is board_not_found', async () => {
    for (const res of [
      await fetch(`${server.url}/api/boards/ZZZZZZZ`),
      await fetch(`${server.url}/api/boards/not-a-code/join`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }),
    ]) {
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'board_not_found' } });
    }
  });

  it('a join code is read regardless of case, spaces and dashes', async () => {
    const messy = ` ${board.code.slice(0, 3).toLowerCase()}-${board.code.slice(3)} `;
    const res = await fetch(`${server.url}/api/boards/${encodeURIComponent(messy)}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ boardId: board.boardId });
  });

  it('after all of the above, the server still serves clients', async () => {
    await waitFor(() => client.socket.connected);
    await serverStillWorks();
  });
});
