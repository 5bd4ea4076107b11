/**
 * Sync endpoint (`/sync/<board>`): y-protocols frames over authenticated websockets to the canary
 * board, and hand-written upgrade requests over raw TCP (odd paths, long ids, missing or garbage
 * credentials and Origin headers, broken handshakes).
 *
 * Every frame a client sends the sync endpoint is refused input (the endpoint is read-only), so
 * all of it goes to the canary board, whose state must not change.
 */
import net from 'node:net';
import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { MAX_SYNC_MESSAGE_BYTES, syncSubprotocols } from '@pajataulu/shared';
import type { FuzzContext, InputSource } from '../context.js';
import { Pool, Slots, ZERO_MASK } from '../pool.js';
import {
  encodeSyncFrame,
  randomBytes,
  type SyncInput,
  type UpgradeRequest,
} from './sync-inputs.js';

/** Websockets sending frames at once; the first of them never reads what the server sends. */
export const SYNC_LANES = 6;
/** Connections each lane keeps open ahead of use (a closing frame costs no wait for a handshake). */
export const SYNC_POOL_DEPTH = 4;
/** Raw upgrade requests waiting for their answers at once. */
export const SYNC_UPGRADES_IN_FLIGHT = 16;
/** How long a connection sent a closing frame may take to be closed by the server. */
export const RETIRED_SOCKET_MS = 1_000;
/** A connection that does not read is replaced after this many frames (its replies pile up). */
export const UNREAD_LANE_FRAMES = 400;
/** Bytes the connection that does not read may have waiting before it is replaced. */
export const UNREAD_LANE_MAX_BUFFER = 1 << 20;
/** How long a connection may take to drain its send buffer before it is dropped. */
export const DRAIN_WAIT_MS = 2_000;
/** Frames sent on a connection before waiting for its send buffer to drain. */
export const SYNC_BURST = 32;
/** How long a raw upgrade waits for the server's answer. */
export const UPGRADE_ANSWER_MS = 300;

/** Sends one hand-written upgrade request over TCP and waits briefly for any answer. */
async function sendUpgrade(ctx: FuzzContext, req: UpgradeRequest): Promise<void> {
  const head =
    `GET ${req.path} HTTP/1.1\r\nHost: 127.0.0.1:${ctx.server.port}\r\n` +
    `${req.headers.join('\r\n')}\r\n\r\n`;
  await new Promise<void>((resolve) => {
    const sock = net.connect(ctx.server.port, '127.0.0.1');
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve();
    };
    const timer = setTimeout(done, UPGRADE_ANSWER_MS);
    sock.on('error', done);
    sock.on('close', done);
    sock.on('data', done);
    sock.on('connect', () => {
      // Paths and headers go out byte for byte as UTF-8, escapes and all.
      sock.write(Buffer.from(head, 'utf8'));
      if (req.trailing > 0) sock.write(randomBytes(req.trailing, req.trailing));
    });
  });
}

/** Credentials a lane presents (as subprotocols): lanes take turns over the three roles. */
function laneProtocols(ctx: FuzzContext, lane: number): string[] {
  const c = ctx.canary;
  return syncSubprotocols(
    lane % 3 === 0
      ? { projectorKey: c.projectorKey }
      : lane % 3 === 1
        ? { token: c.token }
        : { facilitatorKey: c.facilitatorKey },
  );
}

function openSocket(ctx: FuzzContext, lane: number, read: boolean): Promise<WebSocket | undefined> {
  return new Promise((resolve) => {
    const ws = new WebSocket(
      `ws://127.0.0.1:${ctx.server.port}/sync/${ctx.canary.boardId}`,
      laneProtocols(ctx, lane),
      {
        origin: ctx.origin,
        headers: { Authorization: `Bearer ${ctx.canary.projectorKey}` },
        perMessageDeflate: false,
        generateMask: ZERO_MASK,
        maxPayload: 256 * 1024 * 1024,
      },
    );
    ws.on('error', () => resolve(undefined));
    ws.on('open', () => {
      // A client that never reads: what the server sends it piles up in the server.
      if (!read) (ws as unknown as { _socket: net.Socket })._socket.pause();
      ctx.note('sync: connections opened');
      resolve(ws);
    });
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      ctx.note('sync: upgrade refused for the canary');
      resolve(undefined);
    });
  });
}

/**
 * Whether the server ends the connection on this frame, read the way the endpoint reads it: text,
 * an unknown message type, or a message that does not decode. A lane sends the frames after it
 * on another connection, so they are not lost on one that is closing.
 */
export function closesConnection(data: Uint8Array | string): boolean {
  if (typeof data === 'string' || data.byteLength > MAX_SYNC_MESSAGE_BYTES) return true;
  try {
    const d = decoding.createDecoder(data);
    const type = decoding.readVarUint(d);
    if (type === 1 || type === 2 || type === 3) return false;
    if (type !== 0) return true;
    if (decoding.readVarUint(d) !== 1) return false;
    Y.decodeStateVector(decoding.readVarUint8Array(d));
    return false;
  } catch {
    return true;
  }
}

/** Runs the sync target until `quota` inputs are sent or the run ends. */
export async function runSync(
  ctx: FuzzContext,
  source: InputSource<SyncInput>,
  quota: number,
  lanes = SYNC_LANES,
): Promise<void> {
  let left = quota;
  const take = (): SyncInput | undefined => {
    if (left <= 0 || ctx.done) return undefined;
    const input = source.next();
    if (input) left--;
    return input;
  };
  // Upgrades wait for an answer that may never come: they run beside the lanes.
  const upgrades = new Slots(lanes === 1 ? 1 : SYNC_UPGRADES_IN_FLIGHT);
  const pools: Pool<WebSocket>[] = [];
  const lane = async (i: number) => {
    const read = lanes === 1 || i !== 0;
    const pool = new Pool(
      () => openSocket(ctx, i, read),
      (ws) => ws.readyState === WebSocket.OPEN,
      (ws) => ws.terminate(),
      lanes === 1 ? 1 : SYNC_POOL_DEPTH,
    );
    pools.push(pool);
    let ws: WebSocket | undefined;
    let sentOnSocket = 0;
    const retire = (s: WebSocket) => {
      // The server closes it after reading the last frame; one that does not is cut off.
      setTimeout(() => s.terminate(), RETIRED_SOCKET_MS).unref();
    };
    for (;;) {
      const input = take();
      if (!input) break;
      await ctx.up();
      if (input.k === 'upgrade') {
        ctx.sent('sync', input);
        await upgrades.run(() => sendUpgrade(ctx, input.req));
        continue;
      }
      if (!read && ws && sentOnSocket >= UNREAD_LANE_FRAMES) {
        ws.terminate();
        ws = undefined;
      }
      if (!ws || ws.readyState !== WebSocket.OPEN) {
        ws = await pool.take();
        sentOnSocket = 0;
        if (!ws) {
          ctx.note('sync: connection failed');
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      ctx.sent('sync', input);
      if (!ws) continue;
      const data = encodeSyncFrame(input.frame);
      ws.send(data, { binary: typeof data !== 'string' });
      sentOnSocket++;
      if (closesConnection(data)) {
        retire(ws);
        ws = undefined;
        continue;
      }
      if (!read) {
        // Its send buffer fills once the server stops reading too: start again.
        if (ws.bufferedAmount > UNREAD_LANE_MAX_BUFFER) {
          ws.terminate();
          ws = undefined;
        }
      } else if (sentOnSocket % SYNC_BURST === 0 || ws.bufferedAmount > 1 << 20) {
        const s = ws;
        const until = Date.now() + DRAIN_WAIT_MS;
        while (s.readyState === WebSocket.OPEN && s.bufferedAmount > 256 * 1024) {
          if (Date.now() > until) {
            s.terminate();
            break;
          }
          await new Promise((r) => setTimeout(r, 2));
        }
        await new Promise((r) => setImmediate(r));
      }
      if (!read && sentOnSocket % SYNC_BURST === 0) await new Promise((r) => setImmediate(r));
    }
    ws?.terminate();
  };
  await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));
  await upgrades.idle();
  await Promise.all(pools.map((p) => p.close()));
}
