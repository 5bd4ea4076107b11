import { afterEach, describe, expect, it } from 'vitest';
import {
  createBoard,
  newId,
  joinBoard,
  startServer,
  TestClient,
  type TestServer,
} from './harness.js';

describe('rate limits answer with a typed error', () => {
  const servers: TestServer[] = [];
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) await s.close();
  });

  async function start(env: Record<string, string> = {}) {
    const s = await startServer({ env });
    servers.push(s);
    return s;
  }
  const join = (url: string, code: string) =>
    fetch(`${url}/api/boards/${code}/join`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });

  it('60 people joining from one address within a minute all get in (default limits)', async () => {
    const server = await start();
    const board = await createBoard(server.url);
    const results = await Promise.all(
      Array.from({ length: 60 }, () => join(server.url, board.code)),
    );
    expect(results.map((r) => r.status)).toEqual(Array(60).fill(200));
  });

  it('joins past the per-address limit are refused as rate_limited', async () => {
    const server = await start({ RATE_JOINS_PER_ADDRESS_PER_MINUTE: '5' });
    const board = await createBoard(server.url);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await join(server.url, board.code)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(await (await join(server.url, board.code)).json()).toMatchObject({
      error: { code: 'rate_limited' },
    });
  });

  it('guessing codes is slowed down per address', async () => {
    const server = await start({ RATE_CODE_MISSES_PER_ADDRESS_PER_MINUTE: '3' });
    const board = await createBoard(server.url);
    const codes: string[] = [];
    for (let i = 0; i < 5; i++)
      codes.push(
        (
          (await (await fetch(`${server.url}/api/boards/ZZZZZZ${'ABCDE'[i]}`)).json()) as {
            error: { code: string };
          }
        ).error.code,
      );
    expect(codes).toEqual([
      'board_not_found',
      'board_not_found',
      'board_not_found',
      'rate_limited',
      'rate_limited',
    ]);
    // A right code still works.
    expect((await fetch(`${server.url}/api/boards/${board.code}`)).status).toBe(200);
  });

  it('notes per participant per minute', async () => {
    const server = await start({ RATE_NOTES_PER_MINUTE: '3' });
    const board = await createBoard(server.url);
    const c = await TestClient.connect(server.url, board.boardId, {
      token: (await joinBoard(server.url, board.code)).token,
    });
    clients.push(c);
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const ack = await c.command({ type: 'note.add', id: newId(), x: 0, y: 0 });
      codes.push(ack.ok ? 'ok' : ack.error.code);
    }
    expect(codes).toEqual(['ok', 'ok', 'ok', 'rate_limited']);
  });

  it('commands per connection in a burst', async () => {
    const server = await start({ RATE_COMMAND_BURST: '5', RATE_COMMANDS_PER_SECOND: '1' });
    const board = await createBoard(server.url);
    const c = await TestClient.connect(server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    clients.push(c);
    const acks = await Promise.all(
      Array.from({ length: 8 }, () => c.command({ type: 'board.update', title: 'x' })),
    );
    const limited = acks.filter((a) => !a.ok && a.error.code === 'rate_limited').length;
    expect(limited).toBe(3);
  });
});
