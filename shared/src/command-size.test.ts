import { describe, expect, it } from 'vitest';
import {
  COMMAND_SCHEMAS,
  COMMAND_TYPES,
  notesMoveCommands,
  notesUpdateCommands,
  parseEnvelope,
} from './commands.js';
import {
  COMMAND_FRAME_MARGIN_BYTES,
  MAX_COMMAND_ID_LENGTH,
  MAX_COMMAND_MESSAGE_BYTES,
  MAX_MOVES_PER_COMMAND,
} from './limits.js';
import { TEXT_LIMITS } from './text.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- walks zod's internal definitions */

/** Bytes of `v` as JSON in UTF-8, the way socket.io sends it. */
const jsonBytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).length;

/** The longest JSON number a double can take: 24 characters. */
const LONG_NUMBERS = [
  -Number.MIN_VALUE * 3 ** 33,
  Number.MIN_VALUE * 3 ** 33,
  -1 / 3e300,
  1 / 3e300,
];

/** The longest valid value `schema` takes as JSON; throws on a shape it does not know. */
function longest(schema: any): unknown {
  const def = schema._zod.def;
  switch (def.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(def.shape)) out[k] = longest(v);
      return out;
    }
    case 'optional':
    case 'default':
    case 'prefault':
      return longest(def.innerType);
    case 'nullable': {
      const inner = longest(def.innerType);
      return jsonBytes(inner) >= 4 ? inner : null;
    }
    case 'union':
      return def.options
        .map(longest)
        .reduce((a: unknown, b: unknown) => (jsonBytes(b) > jsonBytes(a) ? b : a));
    case 'enum':
      return Object.values(def.entries).reduce((a: any, b: any) =>
        jsonBytes(b) > jsonBytes(a) ? b : a,
      );
    case 'literal':
      return def.values[0];
    case 'boolean':
      return false;
    case 'array': {
      const max = (def.checks ?? []).find((c: any) => c._zod.def.check === 'max_length');
      if (!max) throw new Error('an array without a maximum length');
      return Array.from({ length: max._zod.def.maximum }, () => longest(def.element));
    }
    case 'number': {
      const checks = (def.checks ?? []).map((c: any) => c._zod.def);
      const min = checks.find((c: any) => c.check === 'greater_than')?.value ?? -Infinity;
      const max = checks.find((c: any) => c.check === 'less_than')?.value ?? Infinity;
      const int = checks.some((c: any) => c.check === 'number_format' && /int/.test(c.format));
      if (!Number.isFinite(min) || !Number.isFinite(max)) throw new Error('an unbounded number');
      const candidates = int
        ? [min, max, Math.ceil(min), Math.floor(max)]
        : [min, max, ...LONG_NUMBERS, min + (max - min) / 3, max - (max - min) / 7];
      return candidates
        .filter((n) => n >= min && n <= max && (!int || Number.isInteger(n)))
        .reduce((a, b) => (jsonBytes(b) > jsonBytes(a) ? b : a));
    }
    case 'string': {
      const limit = TEXT_LIMITS.get(schema);
      // A lone surrogate is escaped to six bytes of JSON: the most one code unit can take.
      if (limit !== undefined) return '\uD800'.repeat(limit);
      const regex = (def.checks ?? []).find((c: any) => c._zod.def.format === 'regex');
      const m =
        regex && /^\^\[([^\]]+)\]\{(\d+)(?:,(\d+))?\}\$$/.exec(regex._zod.def.pattern.source);
      if (!m) throw new Error('a string without a known maximum length');
      return m[1]![0]!.repeat(Number(m[3] ?? m[2]));
    }
    default:
      throw new Error(`a schema of type ${def.type} the size test does not know`);
  }
}

describe('every valid command fits in a command message', () => {
  it.each(COMMAND_TYPES)('the largest valid %s envelope fits with room for framing', (type) => {
    const schema: any = COMMAND_SCHEMAS[type];
    const variants = schema._zod.def.type === 'union' ? schema._zod.def.options : [schema];
    for (const variant of variants) {
      const envelope = { id: 'x'.repeat(MAX_COMMAND_ID_LENGTH), command: longest(variant) };
      const parsed = parseEnvelope(envelope);
      expect(parsed.ok, JSON.stringify(parsed).slice(0, 300)).toBe(true);
      expect(jsonBytes(envelope)).toBeLessThanOrEqual(
        MAX_COMMAND_MESSAGE_BYTES - COMMAND_FRAME_MARGIN_BYTES,
      );
    }
  });

  it('one move more than the limit is refused', () => {
    const move = { id: 'a'.repeat(20), x: 0, y: 0 };
    const r = parseEnvelope({
      id: 'cmd-000001',
      command: { type: 'notes.move', moves: Array(MAX_MOVES_PER_COMMAND + 1).fill(move) },
    });
    expect(r.ok).toBe(false);
  });

  it('splits a large selection into commands that each parse and fit', () => {
    const ids = Array.from({ length: 1_234 }, (_, i) => `n${String(i).padStart(19, '0')}`);
    const moves = notesMoveCommands(ids.map((id) => ({ id, x: -1 / 3e300, y: 1 / 3e300 })));
    const updates = notesUpdateCommands(ids, 'yellow');
    expect(moves.flatMap((c) => c.moves.map((m) => m.id))).toEqual(ids);
    expect(updates.flatMap((c) => c.ids)).toEqual(ids);
    for (const command of [...moves, ...updates]) {
      const envelope = { id: 'x'.repeat(MAX_COMMAND_ID_LENGTH), command };
      expect(parseEnvelope(envelope).ok).toBe(true);
      expect(jsonBytes(envelope)).toBeLessThanOrEqual(
        MAX_COMMAND_MESSAGE_BYTES - COMMAND_FRAME_MARGIN_BYTES,
      );
    }
  });
});
