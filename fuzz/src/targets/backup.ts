/**
 * Backups: mutations of valid backups (`GET /api/boards/:id/export.json`) posted to
 * `/api/boards/import`. Wrong types, out-of-range and huge numbers, prototype keys in every
 * record, dropped and duplicated records, unnormalised text at the limits, deep nesting, big
 * valid boards, truncated files and wrong content types.
 *
 * An import that is accepted must make a board that works: its exports answer, and its own
 * backup imports again.
 */
import fc from 'fast-check';
import type { FuzzContext, InputSource } from '../context.js';
import { Prng } from '../rng.js';
import { checkAnswer } from './http.js';
import { errorCode, send, send as sendOnce, type Response } from './http-client.js';

/** Imports in flight at once. */
export const BACKUP_LANES = 4;
/** Accepted imports whose board is checked (exports, re-import) at most, per run. */
export const ROUND_TRIPS_MAX = 60;
/** Big bodies (the large board, or over 1 MiB) sent at most, per run. */
export const BIG_BODIES_MAX = 12;
/**
 * A round trip's request answered "busy, try again" (the import or export places are taken by
 * the other lanes) is sent again, at most this many times, this long apart: busy is a typed
 * answer the server may give, not a failure, but the round trip itself must work.
 */
export const BUSY_RETRIES = 120;
export const BUSY_RETRY_MS = 250;
/** The largest body the fuzzer builds for an import (the server reads up to 16 MiB). */
export const MAX_FUZZ_IMPORT_BYTES = 16 * 1024 * 1024 - 1024;

/** The valid backups mutations start from, fetched from the server when the run begins. */
export interface BackupBases {
  /** The play board (prompts from a template, notes, rounds). */
  small: unknown;
  /** The canary board: thousands of notes. */
  large: unknown;
}

export type BackupMutation =
  | { op: 'set'; seed: number; value: number }
  | { op: 'proto'; seed: number; key: number }
  | { op: 'delete'; seed: number }
  | { op: 'duplicate'; seed: number }
  | { op: 'grow'; seed: number; times: number }
  | { op: 'text'; seed: number; kind: number }
  | { op: 'deep'; seed: number; depth: number }
  | { op: 'field'; field: number; value: number; seed: number };

export interface BackupInput {
  base: 'small' | 'large';
  mutations: BackupMutation[];
  /** How the body is sent: as JSON, cut short, in another content type, or as nested brackets. */
  form: 'json' | 'truncated' | 'text-plain' | 'brackets';
  size: number;
}

const VALUES: unknown[] = [
  1e308,
  -1e308,
  5e-324,
  2 ** 53 + 2,
  -1,
  0,
  -0,
  0.5,
  'NaN',
  'Infinity',
  '1e309',
  null,
  true,
  '',
  [],
  {},
  'x'.repeat(10_000),
  '__proto__',
  { $ne: null },
  [1, [2, [3]]],
];
const PROTO_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
];
const TEXTS = [
  '\uFB2C'.repeat(1_000),
  'e\u0301'.repeat(500),
  '=cmd|" /C calc"!A0',
  '+SUM(1)',
  '@x',
  '\t-1',
  '\u0000\u202e\ud800',
  'x'.repeat(1_001),
];
/** Fields a mutation aims at directly (where earlier bugs lived): dotted paths, `*` any element. */
const FIELDS = [
  'board.meta.createdAt',
  'board.meta.groupCounts',
  'board.meta.groups',
  'board.meta.wheel',
  'board.meta.timer',
  'board.meta.follow',
  'board.meta.waiting',
  'board.meta.template',
  'board.meta.title',
  'board.notes.*.createdAt',
  'board.notes.*.reactions',
  'board.notes.*.votes',
  'board.notes.*.promptId',
  'board.notes.*.cluster',
  'board.notes.*.month',
  'board.notes.*.text',
  'board.prompts.*.createdAt',
  'board.prompts.*.station',
  'board.prompts.*.w',
  'board.rounds',
  'board.clusters',
  'version',
  'format',
];

const mutationArb: fc.Arbitrary<BackupMutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('set' as const),
      seed: fc.integer(),
      value: fc.nat(VALUES.length - 1),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('proto' as const),
      seed: fc.integer(),
      key: fc.nat(PROTO_KEYS.length - 1),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), seed: fc.integer() }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('duplicate' as const), seed: fc.integer() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('grow' as const),
      seed: fc.integer(),
      times: fc.integer({ min: 2, max: 300 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('text' as const),
      seed: fc.integer(),
      kind: fc.nat(TEXTS.length - 1),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('deep' as const),
      seed: fc.integer(),
      depth: fc.integer({ min: 10, max: 20_000 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('field' as const),
      field: fc.nat(FIELDS.length - 1),
      value: fc.nat(VALUES.length + PROTO_KEYS.length - 1),
      seed: fc.integer(),
    }),
  },
);

export function backupInputs(): fc.Arbitrary<BackupInput> {
  return fc.record({
    base: fc.oneof(
      { weight: 12, arbitrary: fc.constant('small' as const) },
      fc.constant('large' as const),
    ),
    mutations: fc.array(mutationArb, { minLength: 0, maxLength: 3 }),
    form: fc.oneof(
      { weight: 16, arbitrary: fc.constant('json' as const) },
      fc.constantFrom('truncated' as const, 'text-plain' as const),
      { weight: 1, arbitrary: fc.constant('brackets' as const) },
    ),
    size: fc.oneof(
      fc.integer({ min: 1, max: 1_000 }),
      fc.integer({ min: 1, max: MAX_FUZZ_IMPORT_BYTES }),
    ),
  });
}

type Json = Record<string, unknown> | unknown[];

function isContainer(v: unknown): v is Json {
  return typeof v === 'object' && v !== null;
}

function setOwn(obj: Json, key: string | number, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A container in the tree and a key in it, reached by a seeded walk from the root. */
function site(root: Json, prng: Prng): [Json, string | number] {
  let node: Json = root;
  for (let depth = 0; depth < 8; depth++) {
    const keys: (string | number)[] = Array.isArray(node)
      ? node.map((_, i) => i)
      : Object.keys(node);
    if (keys.length === 0) break;
    const key = prng.pick(keys);
    const child = (node as Record<string | number, unknown>)[key];
    if (!isContainer(child) || prng.int(4) === 0) return [node, key];
    node = child;
  }
  return [node, Array.isArray(node) ? 0 : 'extra'];
}

/** The containers a dotted field path names (`*`: one element chosen by the seed). */
function fieldSite(root: Json, path: string, prng: Prng): [Json, string | number] | undefined {
  const parts = path.split('.');
  let node: unknown = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i]!;
    if (!isContainer(node)) return undefined;
    if (p === '*') {
      if (!Array.isArray(node) || node.length === 0) return undefined;
      node = node[prng.int(node.length)];
    } else node = (node as Record<string, unknown>)[p];
  }
  return isContainer(node) ? [node, parts[parts.length - 1]!] : undefined;
}

/** Applies one mutation in place. */
export function applyMutation(root: Json, m: BackupMutation): void {
  const prng = new Prng(m.seed);
  const get = (c: Json, k: string | number) => (c as Record<string | number, unknown>)[k];
  switch (m.op) {
    case 'set': {
      const [c, k] = site(root, prng);
      setOwn(c, k, structuredClone(VALUES[m.value]));
      return;
    }
    case 'proto': {
      const [c, k] = site(root, prng);
      const target = get(c, k);
      const obj = isContainer(target) && !Array.isArray(target) ? target : c;
      if (Array.isArray(obj)) return;
      setOwn(obj, PROTO_KEYS[m.key]!, prng.pick<unknown>([1, 1e308, { x: 1 }, null, 'x']));
      return;
    }
    case 'delete': {
      const [c, k] = site(root, prng);
      if (Array.isArray(c)) c.splice(Number(k), 1);
      else delete c[k as string];
      return;
    }
    case 'duplicate': {
      const [c, k] = site(root, prng);
      if (Array.isArray(c)) c.push(structuredClone(c[Number(k)]));
      return;
    }
    case 'grow': {
      const [c] = site(root, prng);
      if (Array.isArray(c) && c.length > 0) {
        const first = c[0];
        for (let i = 0; i < m.times; i++) c.push(structuredClone(first));
      }
      return;
    }
    case 'text': {
      const [c, k] = site(root, prng);
      setOwn(c, k, TEXTS[m.kind]);
      return;
    }
    case 'deep': {
      const [c, k] = site(root, prng);
      // Written into the text after JSON.stringify, which would overflow the stack on it.
      setOwn(c, k, `@@deep:${m.depth}@@`);
      return;
    }
    case 'field': {
      const s = fieldSite(root, FIELDS[m.field]!, prng);
      if (!s) return;
      const [c, k] = s;
      if (m.value < VALUES.length) setOwn(c, k, structuredClone(VALUES[m.value]));
      else {
        // A prototype key inside the field's own record (e.g. `reactions.constructor`).
        const inner = get(c, k);
        const obj = isContainer(inner) && !Array.isArray(inner) ? inner : c;
        if (!Array.isArray(obj)) setOwn(obj, PROTO_KEYS[m.value - VALUES.length]!, prng.int(5));
      }
      return;
    }
  }
}

/** The request body of an input. */
export function backupBody(
  bases: BackupBases,
  input: BackupInput,
  budget: { big: number },
): { body: string; contentType: string } {
  // Big bodies cost the server seconds each today: a few per run, in stream order.
  const big = (input.base === 'large' || input.size > 1 << 20) && budget.big-- > 0;
  if (!big) input = { ...input, base: 'small', size: Math.min(input.size, 1 << 16) };
  if (input.form === 'brackets') {
    const n = Math.floor(Math.min(input.size, MAX_FUZZ_IMPORT_BYTES) / 2);
    return { body: '['.repeat(n) + ']'.repeat(n), contentType: 'application/json' };
  }
  const root = structuredClone(bases[input.base]) as Json;
  for (const m of input.mutations) applyMutation(root, m);
  let body = JSON.stringify(root).replace(
    /"@@deep:(\d+)@@"/g,
    (_m, n: string) => '['.repeat(Number(n)) + '0' + ']'.repeat(Number(n)),
  );
  if (body.length > MAX_FUZZ_IMPORT_BYTES) body = body.slice(0, MAX_FUZZ_IMPORT_BYTES);
  if (input.form === 'truncated') body = body.slice(0, input.size % Math.max(1, body.length));
  return { body, contentType: input.form === 'text-plain' ? 'text/plain' : 'application/json' };
}

/** An accepted import's board must work: exports answer and its own backup imports again. */
async function roundTrip(
  ctx: FuzzContext,
  created: { boardId: string; facilitatorKey: string },
): Promise<void> {
  const send = (_ctx: FuzzContext, req: Parameters<typeof sendOnce>[1]) => sendUnlessBusy(ctx, req);
  const auth = { Authorization: `Bearer ${created.facilitatorKey}` };
  const base = `/api/boards/${created.boardId}`;
  const json = await send(ctx, { method: 'GET', path: `${base}/export.json`, headers: auth });
  checkAnswer(ctx, 'backup', 'export.json of an imported board', json);
  for (const format of ['csv', 'xlsx']) {
    const res = await send(ctx, { method: 'GET', path: `${base}/export.${format}`, headers: auth });
    if (res && res.status !== 200)
      ctx.fail(
        'round-trip',
        `export.${format} of an imported board answered ${res.status} ${res.body.toString().slice(0, 120)}`,
        'backup',
      );
  }
  if (json?.status !== 200) return;
  const again = await send(ctx, {
    method: 'POST',
    path: '/api/boards/import',
    headers: { 'Content-Type': 'application/json' },
    body: json.body,
  });
  if (again && again.status !== 201 && errorCode(again) !== 'rate_limited')
    ctx.fail(
      'round-trip',
      `an imported board's own backup does not import: ${again.status} ${again.body.toString().slice(0, 160)}`,
      'backup',
    );
}

/** Sends a request again while the server answers that its import or export places are taken. */
async function sendUnlessBusy(
  ctx: FuzzContext,
  req: Parameters<typeof sendOnce>[1],
): Promise<Response | undefined> {
  for (let attempt = 0; ; attempt++) {
    const res = await sendOnce(ctx, req);
    const busy =
      (res?.status === 503 && errorCode(res) === 'unavailable') ||
      (res?.status === 429 && /already (waiting|under way)/.test(res.body.toString()));
    if (!busy || attempt >= BUSY_RETRIES) return res;
    await new Promise((r) => setTimeout(r, BUSY_RETRY_MS));
  }
}

export async function runBackup(
  ctx: FuzzContext,
  bases: BackupBases,
  source: InputSource<BackupInput>,
  quota: number,
  lanes = BACKUP_LANES,
): Promise<void> {
  let left = quota;
  let roundTrips = 0;
  const budget = { big: BIG_BODIES_MAX };
  const lane = async () => {
    for (;;) {
      if (left <= 0 || ctx.doneFor('backup')) return;
      const input = source.next();
      if (!input) return;
      left--;
      await ctx.up();
      ctx.sent('backup', input);
      const { body, contentType } = backupBody(bases, input, budget);
      const res = await send(ctx, {
        method: 'POST',
        path: '/api/boards/import',
        headers: { 'Content-Type': contentType },
        body,
      });
      checkAnswer(ctx, 'backup', `import (${input.form}, ${body.length} bytes)`, res, 'POST');
      if (res?.status === 201 && roundTrips < ROUND_TRIPS_MAX) {
        roundTrips++;
        await roundTrip(
          ctx,
          JSON.parse(res.body.toString()) as { boardId: string; facilitatorKey: string },
        );
      }
    }
  };
  await Promise.all(Array.from({ length: lanes }, () => lane()));
}
