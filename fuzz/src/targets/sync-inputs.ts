/**
 * The inputs of the sync target: y-protocols frames (step 1 with odd state vectors, updates, junk
 * payloads, awareness, bare varints, random and oversized bytes, text frames) and hand-written
 * upgrade requests (odd paths, long ids, missing or garbage credentials and Origin headers, broken
 * handshakes). `sync.ts` sends them.
 */
import fc from 'fast-check';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { MAX_SYNC_MESSAGE_BYTES } from '@pajataulu/shared';
import type { BoardCreds } from '../context.js';
import { Prng } from '../rng.js';

/** A frame, described compactly and expanded deterministically (a replay file stays small). */
export type SyncFrame =
  | { f: 'step1'; entries: number; claim: number; clients: number; clocks: number; seed: number }
  | { f: 'step1-empty' }
  | { f: 'update'; step: number; docOps: number; seed: number }
  | { f: 'junk-payload'; type: number; step: number; bytes: number; seed: number }
  | { f: 'awareness'; clients: number; json: string; claimLen: number }
  | { f: 'varint'; n: number }
  | { f: 'random'; bytes: number; seed: number }
  | { f: 'oversized'; extra: number }
  | { f: 'text'; text: string };

export interface UpgradeRequest {
  path: string;
  /** Header lines, written as they are. */
  headers: string[];
  /** Frame bytes sent right after the request (before any answer). */
  trailing: number;
}

export type SyncInput = { k: 'frame'; frame: SyncFrame } | { k: 'upgrade'; req: UpgradeRequest };

const BIG_NUMBERS = [
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53 - 1,
  Number.MAX_SAFE_INTEGER,
  1e15,
];

function number(mode: number, prng: Prng): number {
  switch (mode) {
    case 0:
      return prng.int(16);
    case 1:
      return prng.int(1_000_000);
    case 2:
      return prng.pick(BIG_NUMBERS);
    default:
      return Math.floor(prng.float() * Number.MAX_SAFE_INTEGER);
  }
}

function writeVarUint(e: encoding.Encoder, n: number): void {
  // lib0 writes any non-negative safe integer; the protocol reads them back the same way.
  encoding.writeVarUint(e, n);
}

/** `n` bytes from a seeded generator: the same seed gives the same bytes. */
export function randomBytes(n: number, seed: number): Uint8Array {
  const prng = new Prng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = prng.int(256);
  return out;
}

/** The bytes (or text) of a described frame. */
export function encodeSyncFrame(frame: SyncFrame): Uint8Array | string {
  const e = encoding.createEncoder();
  switch (frame.f) {
    case 'step1': {
      const prng = new Prng(frame.seed);
      const sv = encoding.createEncoder();
      writeVarUint(sv, frame.claim >= 0 ? frame.claim : frame.entries);
      for (let i = 0; i < frame.entries; i++) {
        writeVarUint(sv, number(frame.clients, prng));
        writeVarUint(sv, number(frame.clocks, prng));
      }
      writeVarUint(e, 0);
      writeVarUint(e, 0);
      encoding.writeVarUint8Array(e, encoding.toUint8Array(sv));
      return encoding.toUint8Array(e);
    }
    case 'step1-empty':
      writeVarUint(e, 0);
      writeVarUint(e, 0);
      encoding.writeVarUint8Array(e, new Uint8Array([0]));
      return encoding.toUint8Array(e);
    case 'update': {
      // A well-formed Yjs update written by a client: the endpoint must drop it unread.
      const prng = new Prng(frame.seed);
      const doc = new Y.Doc();
      doc.transact(() => {
        for (let i = 0; i < frame.docOps; i++) {
          const map = doc.getMap(prng.pick(['notes', 'prompts', 'meta', 'rounds', 'x']));
          map.set(`k${prng.int(1000)}`, prng.pick(['hacked', 42, { text: 'x' }, null]));
        }
      });
      writeVarUint(e, 0);
      writeVarUint(e, frame.step);
      encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(doc));
      doc.destroy();
      return encoding.toUint8Array(e);
    }
    case 'junk-payload':
      writeVarUint(e, frame.type);
      writeVarUint(e, frame.step);
      encoding.writeVarUint8Array(e, randomBytes(frame.bytes, frame.seed));
      return encoding.toUint8Array(e);
    case 'awareness': {
      const inner = encoding.createEncoder();
      writeVarUint(inner, frame.clients);
      for (let i = 0; i < Math.min(frame.clients, 50); i++) {
        writeVarUint(inner, i);
        writeVarUint(inner, i);
        encoding.writeVarString(inner, frame.json);
      }
      writeVarUint(e, 1);
      if (frame.claimLen >= 0) {
        writeVarUint(e, frame.claimLen);
        encoding.writeUint8Array(e, encoding.toUint8Array(inner));
      } else encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
      return encoding.toUint8Array(e);
    }
    case 'varint':
      // A varint whose every byte says "more follows".
      return new Uint8Array(frame.n).fill(0xff);
    case 'random':
      return randomBytes(frame.bytes, frame.seed);
    case 'oversized':
      return new Uint8Array(MAX_SYNC_MESSAGE_BYTES + frame.extra);
    case 'text':
      return frame.text;
  }
}

const numberMode = fc.integer({ min: 0, max: 3 });
// Frames the endpoint reads and keeps the connection for (step 1, awareness, dropped updates)
// outweigh the ones it closes on, so a connection carries many frames before its last.
export const frameArb: fc.Arbitrary<SyncFrame> = fc.oneof(
  {
    weight: 24,
    arbitrary: fc.record({
      f: fc.constant('step1' as const),
      entries: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 5_000 })),
      claim: fc.oneof(
        { weight: 9, arbitrary: fc.constant(-1) },
        { weight: 1, arbitrary: fc.oneof(fc.nat(), fc.constantFrom(...BIG_NUMBERS)) },
      ),
      clients: numberMode,
      clocks: numberMode,
      seed: fc.integer(),
    }),
  },
  { weight: 4, arbitrary: fc.constant({ f: 'step1-empty' as const }) },
  {
    weight: 32,
    arbitrary: fc.record({
      f: fc.constant('update' as const),
      step: fc.constantFrom(1, 2),
      docOps: fc.integer({ min: 0, max: 20 }),
      seed: fc.integer(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      f: fc.constant('junk-payload' as const),
      type: fc.oneof(fc.constantFrom(0, 1, 2, 3), fc.nat(), fc.constantFrom(...BIG_NUMBERS)),
      step: fc.oneof(fc.constantFrom(0, 1, 2), fc.nat()),
      bytes: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 4_000 })),
      seed: fc.integer(),
    }),
  },
  {
    weight: 32,
    arbitrary: fc.record({
      f: fc.constant('awareness' as const),
      clients: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constantFrom(...BIG_NUMBERS)),
      json: fc.oneof(
        fc.json({ maxDepth: 3 }),
        fc.string({ unit: 'binary', maxLength: 64 }),
        fc.constantFrom('{"user":{"name":"x"}}', 'null', '[[[[[[[[[[', '{"__proto__":{"x":1}}'),
      ),
      claimLen: fc.oneof(
        { weight: 4, arbitrary: fc.constant(-1) },
        { weight: 1, arbitrary: fc.oneof(fc.nat(), fc.constantFrom(...BIG_NUMBERS)) },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ f: fc.constant('varint' as const), n: fc.integer({ min: 1, max: 16 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      f: fc.constant('random' as const),
      bytes: fc.integer({ min: 0, max: 256 }),
      seed: fc.integer(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      f: fc.constant('oversized' as const),
      extra: fc.integer({ min: 1, max: 4096 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      f: fc.constant('text' as const),
      text: fc.string({ unit: 'binary', maxLength: 32 }),
    }),
  },
);

const SECRETISH = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', minLength: 200, maxLength: 300 }),
);

/** A piece of the board id as it appears in the path (raw, percent-escaped, broken). */
const idPiece = (canary: string) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(canary) },
    fc.constantFrom('%FF', '%', '%E0%A4%A', '%C0%AF', '%00', '%2F..%2F', '%%', '%ZZ', '..', ''),
    fc.stringMatching(/^(%[0-9A-Fa-f]{2}|%[0-9A-Fa-f]?|[a-z0-9]){1,12}$/),
    fc.string({ unit: 'grapheme', maxLength: 8 }),
    fc.integer({ min: 1, max: 20_000 }).map((n) => 'a'.repeat(n)),
    fc.stringMatching(/^[0-9a-z]{20}$/),
  );

const query = fc
  .array(
    fc.oneof(
      fc.constantFrom('protocol=1', 'protocol=0', 'protocol=1e0', 'protocol=%FF', 'protocol'),
      SECRETISH.map((s) => `token=${encodeURIComponent(s)}`),
      SECRETISH.map((s) => `facilitatorKey=${encodeURIComponent(s)}`),
      SECRETISH.map((s) => `projectorKey=${encodeURIComponent(s)}`),
      fc.constantFrom('%FF=%FF', '=', '&&&', 'a=%', '__proto__=1', 'constructor=1'),
    ),
    { maxLength: 6 },
  )
  .map((parts) => (parts.length ? `?${parts.join('&')}` : ''));

const header = fc.oneof(
  fc.constantFrom(
    'Origin: http://evil.example',
    'Origin: null',
    'Origin: %FF',
    'Sec-WebSocket-Protocol: , , ,',
    'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits',
    'Authorization: Bearer x',
    'Cookie: a=%FF',
    'X-Forwarded-For: 1.2.3.4, 5.6.7.8',
  ),
  fc
    .string({ unit: 'binary-ascii', maxLength: 40 })
    .map((s) => `X-Fuzz: ${s.replace(/[\r\n]/g, '')}`),
  fc.integer({ min: 1, max: 12_000 }).map((n) => `X-Long: ${'b'.repeat(n)}`),
);

function upgradeArb(canary: BoardCreds): fc.Arbitrary<UpgradeRequest> {
  return fc.record({
    path: fc.oneof(
      {
        weight: 8,
        arbitrary: fc.tuple(idPiece(canary.boardId), query).map(([id, q]) => `/sync/${id}${q}`),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '/sync',
          '/sync/',
          '/syncx/a',
          '/',
          '/api/boards',
          '/socket.io/',
          '//sync/a',
          '/sync/a/b',
        ),
      },
    ),
    headers: fc
      .tuple(
        fc.oneof(
          { weight: 4, arbitrary: fc.constant(['Upgrade: websocket', 'Connection: Upgrade']) },
          fc.constant(['Upgrade: websocket']),
          fc.constant(['Connection: Upgrade']),
          fc.constant(['Upgrade: WebSocket, h2c', 'Connection: keep-alive, Upgrade']),
        ),
        fc.oneof(
          {
            weight: 4,
            arbitrary: fc.constant([
              'Sec-WebSocket-Version: 13',
              'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
            ]),
          },
          fc.constant(['Sec-WebSocket-Version: 8', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==']),
          fc.constant(['Sec-WebSocket-Version: 13']),
          fc.constant(['Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: %FF']),
        ),
        fc.array(header, { maxLength: 3 }),
      )
      .map(([a, b, c]) => [...a, ...b, ...c]),
    trailing: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 512 })),
  });
}

/** The sync target's inputs: mostly frames on open connections, some raw upgrades. */
export function syncInputs(canary: BoardCreds): fc.Arbitrary<SyncInput> {
  return fc.oneof(
    { weight: 19, arbitrary: frameArb.map((frame) => ({ k: 'frame' as const, frame })) },
    { weight: 1, arbitrary: upgradeArb(canary).map((req) => ({ k: 'upgrade' as const, req })) },
  );
}
