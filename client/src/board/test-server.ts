/**
 * The real server for the engine's tests: a whole app in this process over in-memory SQLite, with
 * one board a facilitator acts on. Commands reach the board's own `LiveBoard` (its dedupe, its
 * versions, its refusals); its document is copied to a client replica when a test says so, so a
 * test decides when a change "arrives".
 */
import * as Y from 'yjs';
import { parseEnvelope, type CommandAck, type CommandInput } from '@pajataulu/shared';
import type { ChannelEvents, CommandChannel, DocChannel } from './connection.js';
import { startInProcessServer, type InProcessServer } from '@pajataulu/server/in-process';

type Envelope = { id: string; command: CommandInput };

/** What `POST /api/boards` answers, as far as these tests need it. */
interface CreatedBoard {
  boardId: string;
  code: string;
}

export class TestServer {
  /** Ids of the commands the server applied (not the duplicates it acknowledged again), in order. */
  readonly applied: string[] = [];

  private constructor(
    private readonly server: InProcessServer,
    private readonly board: CreatedBoard,
    /** The server's document of the board. */
    readonly doc: Y.Doc,
  ) {}

  /** Starts a server and creates a blank board on it. */
  static async start(): Promise<TestServer> {
    const server = await startInProcessServer();
    const res = await fetch(`${server.url}/api/boards`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'T', template: 'blank' }),
    });
    if (res.status !== 201) throw new Error(`create board: ${res.status} ${await res.text()}`);
    const board = (await res.json()) as CreatedBoard;
    const live = await server.app.registry.get(board.boardId);
    return new TestServer(server, board, live.doc);
  }

  /** Submits a command as the facilitator; resolves with the acknowledgement once it is durable. */
  async apply(env: Envelope): Promise<CommandAck> {
    const parsed = parseEnvelope(env);
    if (!parsed.ok) return { ok: false, error: parsed.error };
    const live = await this.server.app.registry.get(this.board.boardId);
    const ack = await live.submit(
      { boardId: this.board.boardId, code: this.board.code, role: 'facilitator' },
      parsed.envelope,
    );
    if (ack.ok && ack.applied) this.applied.push(env.id);
    return ack;
  }

  /** Copies what the client's replica lacks of the server's document, as the sync channel would. */
  replicateTo(doc: Y.Doc): void {
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(doc)));
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

/**
 * A command channel straight to a {@link TestServer}: every command is answered by the server, and
 * the server's document reaches `replica` before the answer does, as the sync channel would
 * deliver it on a quiet network.
 */
export class ServerChannel implements CommandChannel {
  private status: ((s: { connected: boolean }) => void) | undefined;
  constructor(
    private readonly server: TestServer,
    private readonly replica: Y.Doc,
  ) {}
  async send(env: Envelope): Promise<CommandAck> {
    const ack = await this.server.apply(env);
    this.server.replicateTo(this.replica);
    return ack;
  }
  on<K extends keyof ChannelEvents>(_event: K, _handler: ChannelEvents[K]): void {}
  onStatus(handler: (s: { connected: boolean }) => void): void {
    this.status = handler;
  }
  pointer(): void {}
  close(): void {}
  /** The connection comes up. */
  connect(): void {
    this.status?.({ connected: true });
  }
}

/** A replica channel that is always in sync and never refused. */
export const QUIET_DOC_CHANNEL: DocChannel = {
  onSynced: () => undefined,
  onRefused: () => undefined,
  close: () => undefined,
};

/** Polls `check` between turns of the event loop (never on timers a test may fake). */
export async function until(check: () => boolean, what: string, turns = 5_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (check()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}
