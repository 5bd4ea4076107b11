/**
 * Raw engine.io / socket.io packets: over a websocket to `/socket.io/?EIO=4&transport=websocket`
 * and as HTTP long-polling bodies. Malformed packet types, attachment counts, huge numbers and
 * ack ids, unicode, nested JSON, binary frames. Lanes that connect to a namespace do so as the
 * canary board's projector, so whatever events get through reach a real session whose every
 * command must be refused.
 */
import fc from 'fast-check';
import WebSocket from 'ws';
import { MAX_COMMAND_MESSAGE_BYTES, PROTOCOL_VERSION } from '@pajataulu/shared';
import type { FuzzContext, InputSource } from '../context.js';
import { Pool, Slots, ZERO_MASK } from '../pool.js';
import { Prng } from '../rng.js';
import { send } from './http-client.js';

/** Websocket lanes (the last without a namespace); long-polling bodies go beside them. */
export const SOCKETIO_WS_LANES = 6;
/** Connections each lane keeps open (and authenticated) ahead of use. */
export const SOCKETIO_POOL_DEPTH = 4;
/** Long-polling bodies waiting for their answers at once. */
export const SOCKETIO_POLLS_IN_FLIGHT = 8;
/**
 * Long-polling sessions are opened from this loopback address of their own. The fuzzer abandons
 * one whenever a body ends it, and the server bounds the handshakes one address leaves unsigned
 * (`MAX_PENDING_HANDSHAKES_PER_ADDRESS`): from 127.0.0.1 they would cost the websocket lanes their
 * connections, while from here they still meet that bound.
 */
export const POLL_SOURCE_ADDRESS = '127.0.0.2';
/** Packets sent on a websocket before yielding to the event loop. */
export const SOCKETIO_BURST = 32;

export type SocketIoInput =
  | { k: 'ws'; data: string }
  | { k: 'ws-binary'; bytes: number; seed: number }
  | { k: 'poll'; query: string; contentType: string; body: string };

const HUGE = fc.constantFrom(
  '99999999999999999999999',
  '9007199254740993',
  '4294967296',
  '-1',
  '1e309',
  '0x10',
  '00000000001',
);

const eventName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('command', 'pointer') },
  fc.constantFrom(
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'connect',
    'disconnect',
    'connect_error',
    'newListener',
    'error',
  ),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

const deep = fc
  .tuple(fc.integer({ min: 1, max: 7_000 }), fc.constantFrom('[', '{"a":'))
  .map(([n, open]) => open.repeat(n) + '1' + (open === '[' ? ']' : '}').repeat(n));

const placeholder = fc
  .oneof(fc.nat(), fc.constantFrom(-1, 1e9, 2 ** 53), fc.constant('0'), fc.constant(null))
  .map((num) => ({ _placeholder: true, num }));

// Well-formed events outweigh the rest: the server answers them (a refusal is an ack) and keeps
// the connection, while most malformed packets end it.
const payloadJson = fc.oneof(
  {
    weight: 24,
    arbitrary: fc
      .tuple(
        eventName,
        fc.array(fc.oneof(fc.jsonValue({ maxDepth: 4 }), placeholder), { maxLength: 4 }),
      )
      .map(([e, args]) => JSON.stringify([e, ...args])),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: deep },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '[',
      '["command"',
      '{"__proto__":{"polluted":1}}',
      '["command",{"id":"aaaaaaaa","command":{"type":"note.add","__proto__":{"x":1}}}]',
      '[{"toString":1}]',
      '["\\ud800"]',
      '[1e999]',
      '[-0]',
      'null',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
);

/** A socket.io packet inside an engine.io message packet (`4…`). */
const socketIoPacket = fc
  .tuple(
    fc.oneof(
      { weight: 24, arbitrary: fc.constantFrom('2', '3') },
      { weight: 3, arbitrary: fc.constantFrom('0', '1', '4', '5', '6') },
      fc.string({ unit: 'binary-ascii', maxLength: 2 }),
    ),
    fc.oneof({ weight: 18, arbitrary: fc.constant('') }, fc.nat({ max: 20 }).map(String), HUGE),
    fc.oneof(
      { weight: 24, arbitrary: fc.constant('') },
      fc.constantFrom('/,', '/admin,', '/%FF,', '/' + 'n'.repeat(500) + ','),
    ),
    fc.oneof({ weight: 4, arbitrary: fc.constant('') }, fc.nat().map(String), HUGE),
    payloadJson,
  )
  .map(([type, att, nsp, ack, json]) => {
    const attachments =
      (type === '5' || type === '6') && att !== '' ? `${att}-` : att ? `${att}-` : '';
    return `${type}${attachments}${nsp}${ack}${json}`;
  });

const engineIoPacket: fc.Arbitrary<string> = fc.oneof(
  { weight: 36, arbitrary: socketIoPacket.map((p) => `4${p}`) },
  { weight: 2, arbitrary: fc.constantFrom('2', '3', '2probe', '3probe', '5', '6', '1') },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.string({ unit: 'binary-ascii', maxLength: 1 }),
        fc.string({ unit: 'binary', maxLength: 40 }),
      )
      .map(([t, p]) => t + p),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 4_000 })
      .map((n) => `42["command",{"id":"aaaaaaaa","command":${'['.repeat(n)}${']'.repeat(n)}}]`),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 2_048 })
      .map((n) => `42["command","${'x'.repeat(MAX_COMMAND_MESSAGE_BYTES + n)}"]`),
  },
);

const pollQuery = fc.oneof(
  { weight: 6, arbitrary: fc.constant('EIO=4&transport=polling&sid=$SID') },
  fc.constantFrom(
    'EIO=4&transport=polling',
    'EIO=3&transport=polling&sid=$SID',
    'EIO=4&transport=polling&sid=%FF',
    'EIO=4&transport=polling&sid=$SID&j=0',
    'EIO=4&transport=polling&sid=$SID&b64=1',
    'EIO=4&transport=flashsocket&sid=$SID',
    'EIO=99999999999999999999&transport=polling',
    'EIO=4&transport=polling&sid[]=1',
    'transport=polling',
  ),
);

export function socketIoInputs(): fc.Arbitrary<SocketIoInput> {
  return fc.oneof(
    { weight: 14, arbitrary: engineIoPacket.map((data) => ({ k: 'ws' as const, data })) },
    {
      weight: 1,
      arbitrary: fc.record({
        k: fc.constant('ws-binary' as const),
        bytes: fc.integer({ min: 0, max: 2_048 }),
        seed: fc.integer(),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        k: fc.constant('poll' as const),
        query: pollQuery,
        contentType: fc.constantFrom(
          'text/plain;charset=UTF-8',
          'application/octet-stream',
          'application/json',
          'application/x-www-form-urlencoded',
        ),
        body: fc.array(engineIoPacket, { minLength: 1, maxLength: 8 }).map((ps) => ps.join('\x1e')),
      }),
    },
  );
}

/** A websocket that has done the engine.io handshake, and (auth lanes) joined the namespace. */
function connect(ctx: FuzzContext, joinNamespace: boolean): Promise<WebSocket | undefined> {
  return new Promise((resolve) => {
    const ws = new WebSocket(
      `ws://127.0.0.1:${ctx.server.port}/socket.io/?EIO=4&transport=websocket`,
      { origin: ctx.origin, perMessageDeflate: false, generateMask: ZERO_MASK },
    );
    const timer = setTimeout(() => {
      ws.terminate();
      resolve(undefined);
    }, 5_000);
    ws.on('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    ws.on('message', (data) => {
      const s = data.toString();
      if (s.startsWith('2')) ws.send('3'); // Answer pings so the server keeps the session.
      if (!s.startsWith('0')) return;
      clearTimeout(timer);
      if (joinNamespace) {
        const auth = {
          protocol: PROTOCOL_VERSION,
          board: ctx.canary.boardId,
          projectorKey: ctx.canary.projectorKey,
        };
        ws.send(`40${JSON.stringify(auth)}`);
      }
      ctx.note('socketio: connections opened');
      resolve(ws);
    });
  });
}

async function pollSession(ctx: FuzzContext): Promise<string | undefined> {
  const res = await send(ctx, {
    method: 'GET',
    path: '/socket.io/?EIO=4&transport=polling',
    localAddress: POLL_SOURCE_ADDRESS,
  });
  const m = res && /"sid":"([^"]+)"/.exec(res.body.toString());
  return m?.[1];
}

function randomBytes(n: number, seed: number): Uint8Array {
  const prng = new Prng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = prng.int(256);
  return out;
}

export async function runSocketIo(
  ctx: FuzzContext,
  source: InputSource<SocketIoInput>,
  quota: number,
  lanes = SOCKETIO_WS_LANES,
): Promise<void> {
  let left = quota;
  const take = (): SocketIoInput | undefined => {
    if (left <= 0 || ctx.done) return undefined;
    const input = source.next();
    if (input) left--;
    return input;
  };
  // Each long-polling body waits for its answer, on a session of its own slot: beside the lanes.
  const sessions: (string | undefined)[] = [];
  const free: number[] = [];
  const polls = new Slots(lanes === 1 ? 1 : SOCKETIO_POLLS_IN_FLIGHT);
  const poll = async (input: Extract<SocketIoInput, { k: 'poll' }>) => {
    const slot = free.pop() ?? sessions.push(undefined) - 1;
    try {
      const sid = (sessions[slot] ??= await pollSession(ctx));
      const res = await send(ctx, {
        method: 'POST',
        path: `/socket.io/?${input.query.replace('$SID', encodeURIComponent(sid ?? 'none'))}`,
        headers: { 'Content-Type': input.contentType, Origin: ctx.origin },
        body: input.body,
        localAddress: POLL_SOURCE_ADDRESS,
      });
      // The session ends on a bad packet: start another for the next body.
      if (!res || res.status !== 200) sessions[slot] = undefined;
    } finally {
      free.push(slot);
    }
  };
  const pools: Pool<WebSocket>[] = [];
  const lane = async (i: number) => {
    const pool = new Pool(
      () => connect(ctx, i !== lanes - 1),
      (ws) => ws.readyState === WebSocket.OPEN,
      (ws) => ws.terminate(),
      lanes === 1 ? 1 : SOCKETIO_POOL_DEPTH,
    );
    pools.push(pool);
    let ws: WebSocket | undefined;
    let n = 0;
    for (;;) {
      const input = take();
      if (!input) break;
      await ctx.up();
      ctx.sent('socketio', input);
      if (input.k === 'poll') {
        await polls.run(() => poll(input));
        continue;
      }
      if (!ws || ws.readyState !== WebSocket.OPEN) {
        ws = await pool.take();
        if (!ws) {
          ctx.note('socketio: connection failed');
          continue;
        }
      }
      if (input.k === 'ws') ws.send(input.data);
      else ws.send(randomBytes(input.bytes, input.seed), { binary: true });
      if (++n % SOCKETIO_BURST === 0) {
        const s = ws;
        const until = Date.now() + 2_000;
        while (
          s.readyState === WebSocket.OPEN &&
          s.bufferedAmount > 256 * 1024 &&
          Date.now() < until
        )
          await new Promise((r) => setTimeout(r, 2));
        await new Promise((r) => setImmediate(r));
      }
    }
    ws?.terminate();
  };
  await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));
  await polls.idle();
  await Promise.all(pools.map((p) => p.close()));
}
