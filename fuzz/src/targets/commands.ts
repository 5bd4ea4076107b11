/**
 * Command envelopes (`command-inputs.ts`) through a real socket.io-client with valid credentials.
 *
 * The play board takes everything from its facilitator and a participant. The canary board gets
 * only what must be refused: anything from its projector (who may do nothing) and, from its
 * participant, only envelopes that `parseEnvelope` refuses. An `ok: true` there is a failure.
 */
import { io, type Socket } from 'socket.io-client';
import {
  isErrorCode,
  MAX_COMMAND_MESSAGE_BYTES,
  parseEnvelope,
  PROTOCOL_VERSION,
  type CommandAck,
} from '@pajataulu/shared';
import type { BoardCreds, FuzzContext, InputSource } from '../context.js';
import { Pool } from '../pool.js';
import { SENDERS, type CommandInput, type Sender } from './command-inputs.js';
import { send } from './http-client.js';

/** Commands in flight per socket. */
export const COMMAND_WINDOW = 16;
/** Sockets per sender, taking turns: the rate limit and the window are per connection. */
export const SOCKETS_PER_SENDER = 1;
/** Connections per sender opened ahead for messages over the size limit (each ends its own). */
export const CLOSER_POOL_DEPTH = 2;
/** How long a connection sent an oversized message may take to be closed by the server. */
export const CLOSER_MS = 2_000;
/**
 * A lane whose connection is down (its participant was removed, its key rotated) is waited for at
 * most this long before a command is sent on it; after that the command is dropped unsent. Sent
 * on a closed socket it would sit in socket.io's buffer until ACK_TIMEOUT_MS, holding the window.
 */
export const LANE_RECONNECT_MS = 2_000;
/** A command not acknowledged within this long (on a connected socket) is a failure. */
export const ACK_TIMEOUT_MS = 10_000;

interface Lane {
  socket: Socket;
  creds: BoardCreds;
  pending: Set<() => void>;
}

async function rejoin(ctx: FuzzContext, creds: BoardCreds): Promise<void> {
  const res = await send(ctx, {
    method: 'POST',
    path: `/api/boards/${creds.code}/join`,
    headers: { 'Content-Type': 'application/json' },
    body: '{}',
  });
  if (res?.status !== 200) return;
  const j = JSON.parse(res.body.toString()) as { token: string; participantId: string };
  creds.token = j.token;
  creds.participantId = j.participantId;
}

function credentials(creds: BoardCreds, to: Sender): Record<string, unknown> {
  const base = { protocol: PROTOCOL_VERSION, board: creds.boardId };
  if (to === 'play-facilitator') return { ...base, facilitatorKey: creds.facilitatorKey };
  if (to === 'canary-projector') return { ...base, projectorKey: creds.projectorKey };
  return { ...base, token: creds.token };
}

function openLane(ctx: FuzzContext, to: Sender): Lane {
  const creds = to.startsWith('play') ? ctx.play : ctx.canary;
  const socket = io(ctx.url, {
    transports: ['websocket'],
    // Read on every attempt: a rotated key or a new token is used at the next reconnect.
    auth: (cb) => cb(credentials(creds, to)),
    reconnectionDelay: 20,
    reconnectionDelayMax: 200,
    extraHeaders: { Origin: ctx.origin },
  });
  const lane: Lane = { socket, creds, pending: new Set() };
  socket.on('disconnect', () => {
    for (const p of [...lane.pending]) p();
  });
  socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    // After a crash the server has a new port; the socket must be pointed at it.
    if (err.data?.code === 'unauthorized' && to === 'play-participant') void rejoin(ctx, creds);
  });
  socket.on('removed', () => void rejoin(ctx, creds));
  return lane;
}

/**
 * A connection of its own for one message over the size limit, which the server answers by
 * closing the connection: on the shared sockets it would cut off every command in flight there.
 */
function openCloser(ctx: FuzzContext, to: Sender): Promise<Lane | undefined> {
  const creds = to.startsWith('play') ? ctx.play : ctx.canary;
  const socket = io(ctx.url, {
    transports: ['websocket'],
    auth: credentials(creds, to),
    reconnection: false,
    forceNew: true,
    extraHeaders: { Origin: ctx.origin },
  });
  const lane: Lane = { socket, creds, pending: new Set() };
  socket.on('disconnect', () => {
    for (const p of [...lane.pending]) p();
  });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve(lane));
    socket.once('connect_error', () => {
      socket.disconnect();
      resolve(undefined);
    });
  });
}

/** Resolves true once `socket` is connected, false after `ms`. */
function connected(socket: Socket, ms: number): Promise<boolean> {
  if (socket.connected) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      resolve(ok);
    };
    const onConnect = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    socket.on('connect', onConnect);
  });
}

function wellFormed(ack: unknown): ack is CommandAck {
  if (typeof ack !== 'object' || ack === null) return false;
  const a = ack as Record<string, unknown>;
  if (a['ok'] === true) {
    const v = a['version'] as Record<string, unknown> | undefined;
    return (
      typeof a['applied'] === 'boolean' &&
      typeof v?.['client'] === 'number' &&
      typeof v['clock'] === 'number'
    );
  }
  if (a['ok'] === false) {
    const e = a['error'] as Record<string, unknown> | undefined;
    return isErrorCode(e?.['code']) && typeof e?.['message'] === 'string';
  }
  return false;
}

function messageBytes(envelope: unknown): number {
  // socket.io's text packet: `42<ack id>["command",<envelope>]`.
  try {
    return Buffer.byteLength(JSON.stringify(['command', envelope]) ?? '') + 12;
  } catch {
    return Infinity;
  }
}

export async function runCommands(
  ctx: FuzzContext,
  source: InputSource<CommandInput>,
  quota: number,
): Promise<void> {
  const open = (s: Sender) => Array.from({ length: SOCKETS_PER_SENDER }, () => openLane(ctx, s));
  const lanes = new Map<Sender, Lane[]>(SENDERS.map((s) => [s, open(s)]));
  const closerPool = (s: Sender) =>
    new Pool(
      () => openCloser(ctx, s),
      (l) => l.socket.connected,
      (l) => l.socket.disconnect(),
      CLOSER_POOL_DEPTH,
    );
  const closers = new Map<Sender, Pool<Lane>>(SENDERS.map((s) => [s, closerPool(s)]));
  let turn = 0;
  let port = ctx.server.port;
  let left = quota;
  const inflight = new Set<Promise<void>>();
  const sendOne = async (input: CommandInput): Promise<void> => {
    let to = input.to;
    let parsed: { ok: boolean };
    try {
      parsed = parseEnvelope(input.envelope);
    } catch {
      parsed = { ok: false };
    }
    // The canary's participant sends only what the schema refuses; the rest goes to its projector.
    if (to === 'canary-participant' && parsed.ok) to = 'canary-projector';
    const of = lanes.get(to)!;
    const bytes = messageBytes(input.envelope);
    const tooLarge = bytes > MAX_COMMAND_MESSAGE_BYTES;
    if (tooLarge && parsed.ok) ctx.note('commands: valid command larger than the message limit');
    if (tooLarge && !Number.isFinite(bytes)) return;
    const lane = tooLarge ? await closers.get(to)!.take() : of[turn++ % of.length]!;
    if (!lane) return ctx.note('commands: connection failed');
    if (!lane.socket.connected && !(await connected(lane.socket, LANE_RECONNECT_MS)))
      return ctx.note('commands: lane not connected; command dropped');
    // The server closes the connection on it; one that does not is closed after a while.
    if (tooLarge) setTimeout(() => lane.socket.disconnect(), CLOSER_MS).unref();
    return new Promise<void>((resolve) => {
      const finish = () => {
        lane.pending.delete(finish);
        clearTimeout(timer);
        resolve();
      };
      lane.pending.add(finish);
      const timer = setTimeout(() => {
        if (lane.socket.connected && ctx.server.alive && !tooLarge)
          ctx.fail('no-answer', `${to}: no acknowledgement in ${ACK_TIMEOUT_MS} ms`, 'commands');
        finish();
      }, ACK_TIMEOUT_MS);
      lane.socket.emit('command', input.envelope, (ack: unknown) => {
        finish();
        if (!wellFormed(ack)) {
          ctx.fail(
            'bad-answer',
            `${to}: malformed acknowledgement ${JSON.stringify(ack)}`,
            'commands',
          );
          return;
        }
        if (!ack.ok && ack.error.code === 'internal')
          ctx.fail('server-error', `${to}: internal error: ${ack.error.message}`, 'commands');
        if (ack.ok && to.startsWith('canary'))
          ctx.fail(
            'canary',
            `${to}: the canary board accepted ${JSON.stringify(input.envelope).slice(0, 300)}`,
            'commands',
          );
        if (ack.ok && to === 'play-facilitator') {
          const c = (input.envelope as { command: { type: string; key?: string } }).command;
          if (c.type === 'board.rotateKey' && c.key && ack.applied) ctx.play.facilitatorKey = c.key;
        }
      });
    });
  };
  for (;;) {
    if (left <= 0 || ctx.done) break;
    await ctx.up();
    if (ctx.server.port !== port) {
      // A restarted server listens on another port.
      port = ctx.server.port;
      for (const [s, of] of lanes) {
        for (const lane of of) lane.socket.disconnect();
        lanes.set(s, open(s));
        void closers.get(s)!.close();
        closers.set(s, closerPool(s));
      }
    }
    const input = source.next();
    if (!input) break;
    left--;
    ctx.sent('commands', input);
    const p = sendOne(input).finally(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= COMMAND_WINDOW * lanes.size * SOCKETS_PER_SENDER)
      await Promise.race(inflight);
  }
  await Promise.all(inflight);
  for (const of of lanes.values()) for (const lane of of) lane.socket.disconnect();
  await Promise.all([...closers.values()].map((p) => p.close()));
}
