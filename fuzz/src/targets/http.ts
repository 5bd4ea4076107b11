/**
 * HTTP bodies to every `/api` route: create, look up, join, import (junk; structured backups are
 * the backup target's), export with query parameters, and unknown routes and methods. Bodies:
 * mutated valid bodies, deep nesting, big bodies within and over the limits, wrong content types
 * and encodings, broken JSON.
 *
 * Each answer must be a typed error (`{ error: { code } }`) or a success; a 500 is a failure.
 */
import zlib from 'node:zlib';
import fc from 'fast-check';
import { MAX_HTTP_BODY_BYTES } from '@pajataulu/shared';
import type { FuzzContext, InputSource, TargetName } from '../context.js';
import { errorCode, send, type Response } from './http-client.js';

/** Requests in flight at once: enough that cheap requests go on while exports wait their turn. */
export const HTTP_LANES = 16;
/**
 * The HTTP target's requests come from this loopback address of their own: the server gives one
 * address one import place, and the backup target's round trips (from 127.0.0.1) must not wait
 * behind this target's flood of imports, as an honest user need not behind an attacker's.
 */
export const HTTP_SOURCE_ADDRESS = '127.0.0.3';

export interface HttpInput {
  method: string;
  /** With placeholders `$PLAY_CODE`, `$PLAY_ID`, `$CANARY_CODE`, `$CANARY_ID`, filled in when sent. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** `gzip` or `deflate`: the body is sent compressed with that Content-Encoding. */
  encode?: 'gzip' | 'deflate';
  dropBody?: boolean;
}

const deepJson = (open: string, close: string, max: number) =>
  fc.integer({ min: 1, max }).map((n) => open.repeat(n) + close.repeat(n));

/** JSON-ish bodies: structure-aware around the create and join bodies, and junk. */
export const junkBody = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: deepJson('[', ']', Math.floor(MAX_HTTP_BODY_BYTES / 2)) },
  { weight: 1, arbitrary: deepJson('{"a":', '}', Math.floor(MAX_HTTP_BODY_BYTES / 6)) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: MAX_HTTP_BODY_BYTES - 64, max: MAX_HTTP_BODY_BYTES + 64 })
      .map((n) => JSON.stringify({ title: 'x'.repeat(Math.max(0, n - 12)) })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '{',
      'null',
      '"str"',
      '[]',
      '{"__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"x":1}}}',
      '{"title":"a","title":"b"}',
      '\uFEFF{"title":"bom"}',
      '{"title":"\\ud800"}',
      '{"title":1e999}',
    ),
  },
);

const createBody = fc
  .record(
    {
      title: fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.constant('\uFB2C'.repeat(120)),
        fc.constant(' '.repeat(10)),
        fc.constant('x'.repeat(121)),
        fc.integer(),
      ),
      template: fc.oneof(
        fc.constantFrom('blank', 'trust', 'wheel', 'stations', 'retro'),
        fc.string(),
      ),
      mode: fc.constantFrom('anonymous', 'named', 'ANONYMOUS', ''),
      locale: fc.constantFrom('fi', 'sv', 'en', 'de', '__proto__'),
      stations: fc.oneof(fc.integer({ min: 0, max: 14 }), fc.constant(1e308), fc.constant('3')),
      assignment: fc.constantFrom('self', 'balanced', 'mixed', 'x'),
      groups: fc.array(fc.oneof(fc.string({ maxLength: 45 }), fc.constant(''), fc.integer()), {
        maxLength: 14,
      }),
      groupThreshold: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.double()),
      extra: fc.jsonValue({ maxDepth: 2 }),
    },
    { requiredKeys: [] },
  )
  .map((b) => JSON.stringify(b));

const joinBody = fc
  .record(
    {
      name: fc.oneof(
        fc.string({ maxLength: 70 }),
        fc.constant('\uFB2C'.repeat(60)),
        fc.integer(),
        fc.constant(null),
      ),
      group: fc.oneof(
        fc.constantFrom('g1', 'g2', 'g3', 'g99', '__proto__', 'constructor'),
        fc.string({ maxLength: 70 }),
        fc.constant(null),
        fc.integer(),
      ),
      extra: fc.constant(1),
    },
    { requiredKeys: [] },
  )
  .map((b) => JSON.stringify(b));

const code = fc.oneof(
  { weight: 3, arbitrary: fc.constant('$PLAY_CODE') },
  { weight: 2, arbitrary: fc.constant('$CANARY_CODE') },
  fc.stringMatching(/^[A-Z0-9]{6}$/),
  fc.constantFrom('%FF', '%E0%A4%A', '..%2F..%2F', '%00', 'a-b-c', '123 456'),
  fc.string({ unit: 'grapheme', maxLength: 10 }).map(encodeURIComponent),
  fc.integer({ min: 100, max: 8_000 }).map((n) => 'A'.repeat(n)),
);

const boardId = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('$PLAY_ID', '$CANARY_ID') },
  fc.stringMatching(/^[0-9a-z]{20}$/),
  fc.constantFrom('%FF', '__proto__', 'constructor', ''),
);

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  fc.constantFrom(
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json; charset=utf-16',
    'application/json; charset=latin1',
    'application/vnd.api+json',
    'application/*',
    '',
  ),
);

const exportQuery = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'scale=0.1',
        'scale=1',
        'scale=4',
        'scale=1e308',
        'scale=NaN',
        'scale=-1',
        'scale=0x1',
      ),
      fc.constantFrom('lang=fi', 'lang=en', 'lang=__proto__', 'lang=%FF', 'lang[]=fi'),
      fc.constantFrom(
        'paper=a4',
        'paper=a3',
        'paper=letter',
        'pages=board',
        'pages=prompts',
        'pages=x',
      ),
      fc.constantFrom('prompt=x', 'prompt=' + 'p'.repeat(70), 'prompt[]=a', 'key=wrong'),
    ),
    { maxLength: 4 },
  )
  .map((q) => (q.length ? `?${q.join('&')}` : ''));

const exportRequest: fc.Arbitrary<HttpInput> = fc
  .record({
    id: boardId,
    format: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('json', 'csv', 'xlsx') },
      { weight: 1, arbitrary: fc.constantFrom('png', 'pdf') },
      fc.constantFrom('exe', 'json.json', '', '%FF'),
    ),
    query: exportQuery,
    auth: fc.oneof(
      { weight: 3, arbitrary: fc.constant('Bearer $KEY') },
      fc.constantFrom(
        '',
        'Bearer ',
        'Bearer wrong',
        'Basic eDp5',
        'Bearer $KEY extra',
        'bearer $KEY',
      ),
      fc.string({ maxLength: 20 }).map((s) => `Bearer ${s.replace(/[^\x21-\x7e]/g, '')}`),
    ),
    drop: fc.boolean(),
  })
  .map(({ id, format, query, auth, drop }) => ({
    method: 'GET',
    path: `/api/boards/${id}/export.${format}${query}`,
    headers: (auth ? { Authorization: auth } : {}) as Record<string, string>,
    ...(format === 'png' || format === 'pdf' ? { dropBody: drop } : {}),
  }));

const withBody = (method: string, path: fc.Arbitrary<string>, body: fc.Arbitrary<string>) =>
  fc
    .record({
      path,
      body,
      contentType,
      encode: fc.oneof(
        { weight: 8, arbitrary: fc.constant(undefined) },
        fc.constantFrom('gzip' as const, 'deflate' as const),
      ),
      junkEncoding: fc.oneof(
        { weight: 9, arbitrary: fc.constant('') },
        fc.constantFrom('br', 'x-unknown', 'gzip, gzip'),
      ),
    })
    .map(({ path, body, contentType: ct, encode, junkEncoding }) => {
      const headers: Record<string, string> = {};
      if (ct) headers['Content-Type'] = ct;
      if (junkEncoding && !encode) headers['Content-Encoding'] = junkEncoding;
      return { method, path, headers, body, ...(encode ? { encode } : {}) };
    });

export function httpInputs(): fc.Arbitrary<HttpInput> {
  return fc.oneof(
    {
      weight: 4,
      arbitrary: withBody('POST', fc.constant('/api/boards'), fc.oneof(createBody, junkBody)),
    },
    {
      weight: 3,
      arbitrary: code.map((c) => ({ method: 'GET', path: `/api/boards/${c}`, headers: {} })),
    },
    {
      weight: 3,
      arbitrary: withBody(
        'POST',
        code.map((c) => `/api/boards/${c === '$CANARY_CODE' ? '$PLAY_CODE' : c}/join`),
        fc.oneof(joinBody, junkBody),
      ),
    },
    { weight: 2, arbitrary: withBody('POST', fc.constant('/api/boards/import'), junkBody) },
    { weight: 4, arbitrary: exportRequest },
    {
      weight: 1,
      arbitrary: fc.record({
        method: fc.constantFrom(
          'PUT',
          'DELETE',
          'PATCH',
          'OPTIONS',
          'HEAD',
          'GET',
          'POST',
          'PROPFIND',
        ),
        path: fc.oneof(
          fc.constantFrom(
            '/api',
            '/api/',
            '/api/boards',
            '/api/%FF',
            '/api/boards/import',
            '/api/../healthz',
            '/api/boards/x/y/z',
          ),
          fc
            .string({ unit: 'grapheme', maxLength: 20 })
            .map((s) => `/api/${encodeURIComponent(s)}`),
        ),
        headers: fc.constant({}),
      }),
    },
  );
}

/** Fills in the placeholders of a path or header from the boards of the run. */
export function fill(ctx: FuzzContext, s: string, path = s): string {
  const key = path.includes('$CANARY_ID') ? ctx.canary.facilitatorKey : ctx.play.facilitatorKey;
  return s
    .replaceAll('$PLAY_CODE', ctx.play.code)
    .replaceAll('$PLAY_ID', ctx.play.boardId)
    .replaceAll('$CANARY_CODE', ctx.canary.code)
    .replaceAll('$CANARY_ID', ctx.canary.boardId)
    .replaceAll('$KEY', key);
}

/** Checks an answer: typed when it is an error, and never a server fault. */
export function checkAnswer(
  ctx: FuzzContext,
  target: TargetName,
  what: string,
  res: Response | undefined,
  method = 'GET',
): void {
  if (!res) {
    if (ctx.server.alive && !ctx.done) ctx.fail('no-answer', `${what}: no answer`, target);
    return;
  }
  if (res.status >= 500 && res.status !== 503) {
    ctx.fail('server-error', `${what}: ${res.status} ${res.body.toString().slice(0, 200)}`, target);
    return;
  }
  if (res.status >= 400 && method !== 'HEAD' && !errorCode(res))
    ctx.fail(
      'bad-answer',
      `${what}: ${res.status} without a typed error: ${res.body.toString().slice(0, 120)}`,
      target,
    );
}

export async function runHttp(
  ctx: FuzzContext,
  source: InputSource<HttpInput>,
  quota: number,
  lanes = HTTP_LANES,
): Promise<void> {
  let left = quota;
  const lane = async () => {
    for (;;) {
      if (left <= 0 || ctx.doneFor('http')) return;
      const input = source.next();
      if (!input) return;
      left--;
      await ctx.up();
      ctx.sent('http', input);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(input.headers)) headers[k] = fill(ctx, v, input.path);
      let body: string | Uint8Array | undefined = input.body;
      if (body !== undefined && input.encode) {
        body = input.encode === 'gzip' ? zlib.gzipSync(body) : zlib.deflateSync(body);
        headers['Content-Encoding'] = input.encode;
      }
      const path = fill(ctx, input.path);
      const res = await send(ctx, {
        method: input.method,
        path,
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(input.dropBody ? { dropBody: true } : {}),
        localAddress: HTTP_SOURCE_ADDRESS,
      });
      // A dropped download has no body to check.
      checkAnswer(
        ctx,
        'http',
        `${input.method} ${path.slice(0, 120)}`,
        res,
        input.dropBody ? 'HEAD' : input.method,
      );
    }
  };
  await Promise.all(Array.from({ length: lanes }, () => lane()));
}
