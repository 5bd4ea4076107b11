import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  applyCommand,
  initBoardDoc,
  PrivateState,
  BOARD_SCHEMA_VERSION,
  type CommandAck,
  type CommandInput,
  parseEnvelope,
} from '@pajataulu/shared';
import {
  BoardConnection,
  type ChannelEvents,
  type CommandChannel,
  type DocChannel,
} from './connection.js';
import type { PendingCommand, QueueStore } from './queue.js';

/** A server stand-in: applies commands to its own doc and replicates to the client's doc on demand. */
class FakeServer {
  readonly doc = new Y.Doc();
  readonly state = new PrivateState();
  received: string[] = [];
  constructor() {
    initBoardDoc(this.doc, {
      title: 'T',
      template: 'blank',
      now: 0,
      schemaVersion: BOARD_SCHEMA_VERSION,
    });
  }
  apply(env: { id: string; command: CommandInput }): CommandAck {
    this.received.push(env.id);
    const parsed = parseEnvelope(env);
    if (!parsed.ok) return { ok: false, error: parsed.error };
    let r: ReturnType<typeof applyCommand> = { ok: true };
    this.doc.transact(() => {
      r = applyCommand(this.doc, parsed.envelope.command, {
        now: 1_000,
        actor: { role: 'facilitator' },
        view: this.state,
        emit: (e) => this.state.apply(e),
      });
      this.doc.getMap('meta').set('rev', this.received.length);
    });
    const res = r as ReturnType<typeof applyCommand>;
    if (!res.ok) return { ok: false, error: res.error };
    return {
      ok: true,
      applied: true,
      version: { client: this.doc.clientID, clock: Y.getState(this.doc.store, this.doc.clientID) },
    };
  }
  replicateTo(doc: Y.Doc): void {
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(doc)));
  }
}

class FakeChannel implements CommandChannel {
  status: ((s: { connected: boolean }) => void) | undefined;
  handlers = new Map<string, (...a: never[]) => void>();
  /** Answers of commands sent, held until the test lets them through. */
  held: {
    env: { id: string; command: CommandInput };
    resolve: (a: CommandAck) => void;
    reject: (e: Error) => void;
  }[] = [];
  send(env: { id: string; command: CommandInput }): Promise<CommandAck> {
    return new Promise((resolve, reject) => this.held.push({ env, resolve, reject }));
  }
  on<K extends keyof ChannelEvents>(event: K, handler: ChannelEvents[K]): void {
    this.handlers.set(event, handler as (...a: never[]) => void);
  }
  onStatus(handler: (s: { connected: boolean }) => void): void {
    this.status = handler;
  }
  pointer(): void {}
  close(): void {}
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

function setup(store = memoryStore()) {
  const server = new FakeServer();
  const channel = new FakeChannel();
  const conn = new BoardConnection({ store, schedule: (fn) => (fn(), 0) });
  conn.attach(channel, docChannel);
  server.replicateTo(conn.doc);
  return { server, channel, conn, store };
}

const id = (n: number) => `n${String(n).padStart(19, '0')}`;

describe('BoardConnection', () => {
  it('queues commands while offline and sends them, same ids, in order when online', () => {
    const { channel, conn } = setup();
    conn.run({ type: 'note.add', id: id(1), x: 0, y: 0, text: 'a' });
    conn.run({ type: 'note.move', id: id(1), x: 5, y: 5 });
    expect(channel.held).toHaveLength(0);
    expect(conn.getState().queued).toBe(2);
    // The draft shows at once, where it was put.
    expect(conn.getState().board.notes).toMatchObject([{ id: id(1), x: 5, y: 5, pending: true }]);
    channel.status!({ connected: true });
    expect(channel.held.map((h) => h.env.command.type)).toEqual(['note.add', 'note.move']);
  });

  it('resends unacknowledged commands with the same ids after a reconnect', async () => {
    const { channel, conn } = setup();
    channel.status!({ connected: true });
    conn.run({ type: 'note.add', id: id(2), x: 0, y: 0, text: 'b' });
    const first = channel.held[0]!.env.id;
    channel.status!({ connected: false });
    channel.held[0]!.reject(new Error('disconnected'));
    await Promise.resolve();
    channel.status!({ connected: true });
    expect(channel.held.at(-1)!.env.id).toBe(first);
  });

  it('keeps the draft until the replica has the acknowledged version, then shows the real note', async () => {
    const { server, channel, conn } = setup();
    channel.status!({ connected: true });
    conn.run({ type: 'note.add', id: id(3), x: 10, y: 10, text: 'c' });
    const h = channel.held[0]!;
    h.resolve(server.apply(h.env));
    await Promise.resolve();
    expect(conn.getState().queued).toBe(0);
    expect(conn.getState().board.notes[0]).toMatchObject({ id: id(3), pending: true });
    server.replicateTo(conn.doc);
    expect(conn.getState().board.notes[0]).toMatchObject({ id: id(3), pending: false, text: 'c' });
  });

  it('drops a refused command, reports its code, and stops showing it', async () => {
    const { channel, conn } = setup();
    channel.status!({ connected: true });
    conn.run({ type: 'note.add', id: id(4), x: 0, y: 0, text: 'd' });
    channel.held[0]!.resolve({
      ok: false,
      error: { code: 'locked', message: 'the board is locked' },
    });
    await Promise.resolve();
    expect(conn.getState().board.notes).toHaveLength(0);
    expect(conn.getState().lastError?.code).toBe('locked');
    expect(conn.getState().own.has(id(4))).toBe(false);
  });

  it('keeps a command refused as unavailable, to retry it', async () => {
    const { channel, conn } = setup();
    channel.status!({ connected: true });
    conn.run({ type: 'note.add', id: id(5), x: 0, y: 0, text: 'e' });
    channel.held[0]!.resolve({ ok: false, error: { code: 'unavailable', message: 'retry' } });
    await Promise.resolve();
    expect(conn.getState().queued).toBe(1);
    expect(conn.getState().lastError).toBeUndefined();
  });

  it('a reload finds what was queued offline', () => {
    const store = memoryStore();
    const { conn } = setup(store);
    conn.run({ type: 'note.add', id: id(6), x: 0, y: 0, text: 'offline' });
    const { conn: again, channel } = setup(store);
    expect(again.getState().queued).toBe(1);
    expect(again.getState().own.has(id(6))).toBe(true);
    channel.status!({ connected: true });
    expect(channel.held[0]!.env.command).toMatchObject({ type: 'note.add', text: 'offline' });
  });
});
