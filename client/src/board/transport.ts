/**
 * The real channels: socket.io for commands and events, y-websocket for the read-only replica.
 */
import { io, type Socket } from 'socket.io-client';
import { WebsocketProvider } from 'y-websocket';
import type * as Y from 'yjs';
import {
  isErrorCode,
  PROTOCOL_VERSION,
  SyncCloseCode,
  syncSubprotocols,
  type ClientToServerEvents,
  type CommandAck,
  type ErrorCode,
  type ServerToClientEvents,
} from '@pajataulu/shared';
import type { ChannelEvents, CommandChannel, DocChannel } from './connection.js';

export type Credentials = { token: string } | { facilitatorKey: string } | { projectorKey: string };

/** Reconnect delays after the server itself ended a session (shutdown, moved): jittered. */
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 5_000;

/** Close codes after which reconnecting cannot help. */
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  SyncCloseCode.Unauthorized,
  SyncCloseCode.Revoked,
  SyncCloseCode.BoardNotFound,
  SyncCloseCode.ProtocolMismatch,
]);

export class SocketChannel implements CommandChannel {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private refused = false;

  constructor(boardId: string, creds: Credentials) {
    this.socket = io({
      auth: { protocol: PROTOCOL_VERSION, board: boardId, ...creds },
      transports: ['websocket'],
      reconnectionDelay: RECONNECT_MIN_MS,
      reconnectionDelayMax: RECONNECT_MAX_MS,
      randomizationFactor: 0.5,
    });
  }

  send(envelope: { id: string; command: unknown }, timeoutMs: number): Promise<CommandAck> {
    return this.socket.timeout(timeoutMs).emitWithAck('command', envelope);
  }

  on<K extends keyof ChannelEvents>(event: K, handler: ChannelEvents[K]): void {
    // The event maps of the socket and of the engine are the same names and payloads.
    (this.socket.on as (e: string, h: (...args: never[]) => void) => void)(
      event,
      handler as (...args: never[]) => void,
    );
  }

  onStatus(handler: (s: { connected: boolean; refusal?: ErrorCode }) => void): void {
    this.socket.on('connect', () => handler({ connected: true }));
    this.socket.on('disconnect', (reason) => {
      handler({ connected: false });
      // socket.io does not retry after the server ended the session; a shutdown or a move to
      // another instance should not end the workshop, so retry with jitter.
      if (reason === 'io server disconnect' && !this.refused) {
        const wait = RECONNECT_MIN_MS + Math.random() * (RECONNECT_MAX_MS - RECONNECT_MIN_MS);
        setTimeout(() => this.socket.connect(), wait);
      }
    });
    this.socket.on('connect_error', (err: Error & { data?: { code?: unknown } }) => {
      const code = err.data?.code;
      if (isErrorCode(code) && code !== 'unavailable') {
        this.refused = true;
        handler({ connected: false, refusal: code });
      } else handler({ connected: false });
    });
    this.socket.on('removed', () => {
      this.refused = true;
    });
  }

  pointer(p: { x: number; y: number; visible: boolean }): void {
    this.socket.volatile.emit('pointer', p);
  }

  close(): void {
    this.refused = true;
    this.socket.close();
  }
}

export class ProviderChannel implements DocChannel {
  private readonly provider: WebsocketProvider;

  constructor(boardId: string, creds: Credentials, doc: Y.Doc) {
    const origin = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sync`;
    // Version and credential go as subprotocols, so the secret never appears in a URL.
    this.provider = new WebsocketProvider(origin, boardId, doc, {
      protocols: syncSubprotocols(creds, PROTOCOL_VERSION),
      disableBc: true,
      maxBackoffTime: 5_000,
    });
    // Presence travels aggregated over the command channel; nothing to announce here.
    this.provider.awareness.setLocalState(null);
  }

  onSynced(handler: (synced: boolean) => void): void {
    this.provider.on('sync', (s: boolean) => handler(s));
  }

  onRefused(handler: (code: number) => void): void {
    this.provider.on('connection-close', (event) => {
      const code = event?.code ?? 0;
      if (FINAL_CLOSE_CODES.has(code)) {
        this.provider.disconnect();
        handler(code);
      }
    });
  }

  close(): void {
    this.provider.destroy();
  }
}
