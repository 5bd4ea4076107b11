/**
 * Reading a sync upgrade before it becomes a websocket: an upgrade whose path or subprotocols
 * cannot be read is refused with an HTTP status, so nothing unreadable costs a connection.
 */
import type { Duplex } from 'node:stream';
import { readSyncSubprotocols, type SyncOffer } from '@pajataulu/shared';

/**
 * URL prefix of the endpoint: `/sync/<boardId>`. Version and credential travel as subprotocols
 * (see `syncSubprotocols`), never in the URL.
 */
export const SYNC_PATH = '/sync/';

/** What an upgrade request asks for, read before the upgrade so that a bad one is refused. */
export interface UpgradeRequest {
  boardId: string;
  offer: SyncOffer;
}

/** The entries of a `Sec-WebSocket-Protocol` header. */
function offeredSubprotocols(header: string | string[] | undefined): string[] {
  const joined = Array.isArray(header) ? header.join(',') : (header ?? '');
  return joined
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/**
 * Reads the board id of a sync upgrade and what its subprotocols offer; undefined when they cannot
 * be read. Anything in the URL query is ignored, credentials included.
 */
export function parseSyncRequest(
  rawUrl: string | undefined,
  protocolHeader?: string | string[],
): UpgradeRequest | undefined {
  try {
    const url = new URL(rawUrl ?? '', 'http://localhost');
    if (!url.pathname.startsWith(SYNC_PATH)) return undefined;
    const boardId = decodeURIComponent(url.pathname.slice(SYNC_PATH.length));
    if (boardId.length === 0) return undefined;
    return { boardId, offer: readSyncSubprotocols(offeredSubprotocols(protocolHeader)) };
  } catch {
    // A malformed percent-escape or URL: nothing any board could answer.
    return undefined;
  }
}

/** Ends a not-yet-upgraded socket with an HTTP status, the way `ws` refuses a bad handshake. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  try {
    if (socket.writable) {
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
          `Content-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
      );
    } else {
      socket.destroy();
    }
  } catch {
    socket.destroy();
  }
}
