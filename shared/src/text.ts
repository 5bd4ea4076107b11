/**
 * Text as the board stores it, and the one way every length limit is counted: UTF-16 code units
 * (what JavaScript's `.length` and HTML's `maxlength` count) of the text after normalisation. A
 * limit checked before normalisation could be passed by text that grows under NFC (U+FB2C
 * becomes three code units), and the board's own backup would then fail to import.
 */
import { z } from 'zod';

/**
 * Text is stored in Unicode normal form C with control characters (other than line breaks and
 * tabs) removed, so the same words always look and compare the same.
 */
export function normalizeText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.normalize('NFC').replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '');
}

/**
 * A text field of at most `max` UTF-16 code units both as sent (so the message size stays bounded)
 * and after normalisation (so what is stored stays within the limit); the parsed value is the
 * normalised text.
 */
export function boundedText(max: number) {
  const schema = withinCodeUnits(withinCodeUnits(z.string(), max).overwrite(normalizeText), max);
  TEXT_LIMITS.set(schema, max);
  return schema;
}

/** The limit of each {@link boundedText} schema, so a test can build the longest valid message. */
export const TEXT_LIMITS = new WeakMap<z.ZodType, number>();

/**
 * `schema` with at most `max` UTF-16 code units. Zod's own `.max()` on a string counts code
 * points, which lets a text of emoji through at twice the limit.
 */
export function withinCodeUnits(schema: z.ZodString, max: number): z.ZodString {
  return schema.superRefine((s, ctx) => {
    if (s.length > max)
      ctx.addIssue({
        code: 'too_big',
        origin: 'string',
        maximum: max,
        inclusive: true,
        input: s,
        message: `at most ${max} UTF-16 code units`,
      });
  });
}
