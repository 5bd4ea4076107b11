import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import type { CommandAck, CommandInput, ErrorCode } from '@pajataulu/shared';
import {
  BoardConnection,
  MAX_INTERNAL_RETRIES,
  MAX_RETRY_DELAY_MS,
  RETRY_DELAY_MS,
  retryDelay,
  type ChannelEvents,
  type CommandChannel,
  type DocChannel,
} from './connection.js';
import type { PendingCommand, QueueStore } from './queue.js';
import { TestServer } from './test-server.js';

type Envelope = { id: string; command: CommandInput };

/** A command channel whose answers the test hands out one by one. */
class FakeChannel implements CommandChannel {
  status: ((s: { connected: boolean }) => void) | undefined;
  handlers = new Map<string, (...a: never[]) => void>();
  /** Every command sent, with the means to answer it. */
  sent: { env: Envelope; resolve: (a: CommandAck) => void; reject: (e: Error) => void }[] = [];
  send(env: Envelope): Promise<CommandAck> {
    return new Promise((resolve, reject) => this.sent.push({ env, resolve, reject }));
  }
  on<K extends keyof ChannelEvents>(event: K, handler: ChannelEvents[K]): void {
    this.handlers.set(event, handler as (...a: never[]) => void);
  }
  onStatus(handler: (s: { connected: boolean }) => void): void {
    this.status = handler;
  }
  pointer(): void {}
  close(): void {}
  connect(connected = true): void {
    this.status!({ connected });
  }
  last(): FakeChannel['sent'][number] {
    return this.sent.at(-1)!;
  }
  types(): string[] {
    return this.sent.map((s) => s.env.command.type);
  }
}

const docChannel: DocChannel = {
  onSynced: () => undefined,
  onRefused: () => undefined,
  close: () => undefined,
};

function memoryStore(): QueueStore & { items: PendingCommand[] } {
  const s = {
    items: [] as PendingCommand[],
    load: () => s.items,
    save: (i: readonly PendingCommand[]) => (s.items = [...i]),
  };
  return s;
}

/** Servers started by this test, closed after it. */
const servers: TestServer[] = [];

async function setup(store = memoryStore()) {
  const server = await TestServer.start();
  servers.push(server);
  const channel = new FakeChannel();
  const conn = new BoardConnection({ store, schedule: (fn) => fn() });
  conn.attach(channel, docChannel);
  server.replicateTo(conn.doc);
  /** The server answers the last command sent; the answer reaches the client a tick later. */
  const answer = async (ack?: CommandAck) => {
    const s = channel.last();
    s.resolve(ack ?? (await server.apply(s.env)));
    await Promise.resolve();
  };
  return { server, channel, conn, store, answer };
}

const id = (n: number) => `n${String(n).padStart(19, '0')}`;
const refusal = (code: ErrorCode): CommandAck => ({ ok: false, error: { code, message: code } });

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('BoardConnection: the queue', () => {
  it('keeps commands made offline, shows them at once, and sends them in order when online', async () => {
    const { channel, conn, answer } = await setup();
    conn.run({ type: 'note.add', id: id(1), x: 0, y: 0, text: 'a' });
    conn.run({ type: 'note.add', id: id(2), x: 200, y: 0, text: 'b' });
    expect(channel.sent).toHaveLength(0);
    expect(conn.getState().queued).toBe(2);
    expect(conn.getState().board.notes.map((n) => [n.text, n.pending])).toEqual([
      ['a', true],
      ['b', true],
    ]);
    channel.connect();
    // One at a time: the second goes once the first is answered.
    expect(channel.types()).toEqual(['note.add']);
    await answer();
    expect(channel.sent.map((s) => (s.env.command as { id: string }).id)).toEqual([id(1), id(2)]);
    await answer();
    expect(conn.getState().queued).toBe(0);
  });

  it('sends a note written offline and then edited and moved as one command', async () => {
    const { channel, conn } = await setup();
    conn.run({ type: 'note.add', id: id(1), x: 0, y: 0, text: '' });
    conn.run({ type: 'note.update', id: id(1), text: 'written offline', color: 'blue' });
    conn.run({ type: 'note.move', id: id(1), x: 40, y: 50 });
    expect(conn.getState().queued).toBe(1);
    channel.connect();
    expect(channel.sent.map((s) => s.env.command)).toEqual([
      { type: 'note.add', id: id(1), x: 40, y: 50, text: 'written offline', color: 'blue' },
    ]);
  });

  it('sends nothing for a note deleted before it ever reached the server', async () => {
    const { channel, conn } = await setup();
    conn.run({ type: 'note.add', id: id(1), x: 0, y: 0, text: '' });
    expect(conn.run({ type: 'note.delete', id: id(1) })).toBeUndefined();
    expect(conn.getState().queued).toBe(0);
    expect(conn.getState().board.notes).toEqual([]);
    channel.connect();
    expect(channel.sent).toEqual([]);
  });

  it('never folds a command into one already on its way', async () => {
    const { channel, conn, answer } = await setup();
    channel.connect();
    conn.run({ type: 'note.add', id: id(1), x: 0, y: 0, text: '' });
    conn.run({ type: 'note.update', id: id(1), text: 'later' });
    expect(conn.getState().queued).toBe(2);
    await answer();
    expect(channel.last().env.command).toEqual({ type: 'note.update', id: id(1), text: 'later' });
  });

  it('resends an unanswered command with the same id after a reconnect, and the server applies it once', async () => {
    const { server, channel, conn } = await setup();
    channel.connect();
    conn.run({ type: 'note.add', id: id(2), x: 0, y: 0, text: 'b' });
    const first = channel.last();
    // The server applied it, but the answer was lost with the connection.
    await server.apply(first.env);
    channel.connect(false);
    first.reject(new Error('disconnected'));
    await Promise.resolve();
    expect(conn.getState().status).toBe('offline');
    expect(conn.getState().queued).toBe(1);
    channel.connect();
    expect(channel.sent).toHaveLength(2);
    expect(channel.last().env.id).toBe(first.env.id);
    channel.last().resolve(await server.apply(channel.last().env));
    await Promise.resolve();
    expect(server.applied).toEqual([first.env.id]);
    expect(conn.getState().queued).toBe(0);
  });

  it('takes a late answer to an earlier attempt as the answer, and does not send twice after it', async () => {
    const { server, channel, conn } = await setup();
    channel.connect();
    conn.run({ type: 'note.add', id: id(1), x: 0, y: 0, text: 'a' });
    conn.run({ type: 'note.add', id: id(2), x: 0, y: 0, text: 'b' });
    const first = channel.last();
    channel.connect(false);
    channel.connect();
    const second = channel.last();
    expect(second.env.id).toBe(first.env.id);
    first.resolve(await server.apply(first.env));
    await Promise.resolve();
    // The resend is still on its way: nothing else goes until it is answered.
    expect(channel.sent).toHaveLength(2);
    second.resolve(await server.apply(second.env));
    await Promise.resolve();
    expect(channel.types()).toEqual(['note.add', 'note.add', 'note.add']);
    expect((channel.last().env.command as { id: string }).id).toBe(id(2));
  });

  it('a reload finds what was queued offline, and it is still the user’s own', async () => {
    const store = memoryStore();
    const { conn } = await setup(store);
    conn.run({ type: 'note.add', id: id(6), x: 0, y: 0, text: 'offline' });
    conn.close();
    const { conn: again, channel } = await setup(store);
    expect(again.getState().queued).toBe(1);
    expect(again.getState().own.has(id(6))).toBe(true);
    expect(again.getState().board.notes).toMatchObject([{ id: id(6), text: 'offline' }]);
    channel.connect();
    expect(channel.last().env.command).toMatchObject({ type: 'note.add', text: 'offline' });
  });
});

describe('BoardConnection: refusals', () => {
  it('drops a refused command, reports its code, and stops showing it', async () => {
    const { channel, conn, answer } = await setup();
    channel.connect();
    conn.run({ type: 'note.add', id: id(4), x: 0, y: 0, text: 'd' });
    await answer(refusal('locked'));
    expect(conn.getState().board.notes).toHaveLength(0);
    expect(conn.getState().queued).toBe(0);
    expect(conn.getState().lastError?.code).toBe('locked');
    expect(conn.getState().own.has(id(4))).toBe(false);
  });

  it('drops what was queued for a note the server refused, and carries on with the rest', async () => {
    const { channel, conn, answer } = await setup();
    conn.run({ type: 'note.add', id: id(1), x: 0, y: 0, text: 'a' });
    conn.run({ type: 'note.add', id: id(2), x: 0, y: 0, text: 'b' });
    conn.run({ type: 'note.update', id: id(1), text: 'a2' });
    channel.connect();
    await answer(refusal('limit_reached'));
    expect(conn.getState().queued).toBe(1);
    expect(channel.last().env.command).toMatchObject({ type: 'note.add', id: id(2) });
    await answer();
    expect(channel.types()).toEqual(['note.add', 'note.add']);
    expect(conn.getState().lastError?.code).toBe('limit_reached');
  });

  it('retries a command refused as rate limited before anything queued after it', async () => {
    const { channel, conn, answer } = await setup();
    // Only the engine's waits are faked; the server's own scheduling runs as it does in production.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    channel.connect();
    conn.run({ type: 'note.add', id: id(5), x: 0, y: 0, text: '' });
    conn.run({ type: 'note.update', id: id(5), text: 'e' });
    await answer(refusal('rate_limited'));
    expect(conn.getState().queued).toBe(2);
    expect(conn.getState().lastError).toBeUndefined();
    expect(channel.sent).toHaveLength(1);
    vi.advanceTimersByTime(RETRY_DELAY_MS);
    expect(channel.types()).toEqual(['note.add', 'note.add']);
    await answer();
    expect(channel.types()).toEqual(['note.add', 'note.add', 'note.update']);
  });

  it('gives up on a command refused as internal after a few retries, and sends what follows', async () => {
    const { channel, conn, answer } = await setup();
    // Only the engine's waits are faked; the server's own scheduling runs as it does in production.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    channel.connect();
    conn.run({ type: 'note.add', id: id(6), x: 0, y: 0, text: '' });
    conn.run({ type: 'note.add', id: id(8), x: 0, y: 0, text: '' });
    for (let i = 0; i <= MAX_INTERNAL_RETRIES; i++) {
      await answer(refusal('internal'));
      vi.advanceTimersByTime(MAX_RETRY_DELAY_MS);
    }
    expect(
      channel.sent.filter((s) => (s.env.command as { id?: string }).id === id(6)),
    ).toHaveLength(MAX_INTERNAL_RETRIES + 1);
    expect(conn.getState().lastError?.code).toBe('internal');
    expect(channel.last().env.command).toMatchObject({ type: 'note.add', id: id(8) });
  });
});

describe('BoardConnection: the optimistic overlay', () => {
  it('keeps a new note’s draft until the replica has the acknowledged version', async () => {
    const { server, channel, conn, answer } = await setup();
    channel.connect();
    conn.run({ type: 'note.add', id: id(3), x: 10, y: 10, text: 'c' });
    await answer();
    expect(conn.getState().queued).toBe(0);
    expect(conn.getState().board.notes[0]).toMatchObject({ id: id(3), pending: true });
    server.replicateTo(conn.doc);
    expect(conn.getState().board.notes[0]).toMatchObject({ id: id(3), pending: false, text: 'c' });
  });

  it('keeps a moved note where it was dropped until the replica has the move', async () => {
    const { server, channel, conn, answer } = await setup();
    channel.connect();
    conn.run({ type: 'note.add', id: id(7), x: 0, y: 0, text: 'm' });
    await answer();
    server.replicateTo(conn.doc);
    conn.run({ type: 'note.move', id: id(7), x: 300, y: 120 });
    await answer();
    // Acknowledged but not replicated yet: no snapping back to (0, 0).
    expect(conn.getState().board.notes[0]).toMatchObject({ x: 300, y: 120, pending: true });
    server.replicateTo(conn.doc);
    expect(conn.getState().board.notes[0]).toMatchObject({ x: 300, y: 120, pending: false });
  });

  it('shows edited text at once and keeps it through the acknowledgement', async () => {
    const { server, channel, conn, answer } = await setup();
    channel.connect();
    conn.run({ type: 'note.add', id: id(8), x: 0, y: 0, text: '' });
    await answer();
    server.replicateTo(conn.doc);
    conn.run({ type: 'note.update', id: id(8), text: 'edited' });
    expect(conn.getState().board.notes[0]?.text).toBe('edited');
    await answer();
    expect(conn.getState().board.notes[0]?.text).toBe('edited');
    server.replicateTo(conn.doc);
    expect(conn.getState().board.notes[0]).toMatchObject({ text: 'edited', pending: false });
  });

  it('never writes to the replica', async () => {
    const { channel, conn } = await setup();
    const before = Y.encodeStateVector(conn.doc);
    channel.connect();
    conn.run({ type: 'note.add', id: id(9), x: 0, y: 0, text: 'x' });
    conn.run({ type: 'note.move', id: id(9), x: 5, y: 5 });
    expect(Y.encodeStateVector(conn.doc)).toEqual(before);
  });
});

describe('retry waits', () => {
  it('double up to the cap, and spread each wait over its upper half', () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => retryDelay(n, () => 0))).toEqual([
      RETRY_DELAY_MS,
      RETRY_DELAY_MS * 2,
      RETRY_DELAY_MS * 4,
      RETRY_DELAY_MS * 8,
      MAX_RETRY_DELAY_MS,
      MAX_RETRY_DELAY_MS,
    ]);
    expect(retryDelay(0, () => 1)).toBe(RETRY_DELAY_MS / 2);
    // A thousand clients retrying at once spread over the window instead of arriving together.
    const waits = new Set(Array.from({ length: 1000 }, () => retryDelay(2)));
    expect(waits.size).toBeGreaterThan(500);
    for (const w of waits) {
      expect(w).toBeGreaterThanOrEqual(RETRY_DELAY_MS * 2);
      expect(w).toBeLessThanOrEqual(RETRY_DELAY_MS * 4);
    }
  });
});
