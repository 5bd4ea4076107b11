/**
 * Identifiers: join codes people type, and random ids for records and secrets.
 * Uses the Web Crypto API, available in browsers and in Node.js 20.
 */

/** Join-code alphabet: upper-case letters and digits without look-alikes (0/O, 1/I/L). */
export const JOIN_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
/** Characters in a join code; 31^7 ≈ 2.75 × 10^10 codes. */
export const JOIN_CODE_LENGTH = 7;

function randomIndexes(count: number, modulo: number): number[] {
  // Rejection sampling keeps every symbol equally likely.
  const limit = 256 - (256 % modulo);
  const out: number[] = [];
  while (out.length < count) {
    const bytes = crypto.getRandomValues(new Uint8Array(count * 2));
    for (const b of bytes) {
      if (b < limit && out.length < count) out.push(b % modulo);
    }
  }
  return out;
}

/** A fresh random join code. */
export function newJoinCode(): string {
  return randomIndexes(JOIN_CODE_LENGTH, JOIN_CODE_ALPHABET.length)
    .map((i) => JOIN_CODE_ALPHABET[i])
    .join('');
}

/**
 * Turns what a person typed into a canonical join code, or undefined when it cannot be one.
 * Spaces, dashes and case are ignored; look-alike characters are read as the one we use
 * (O→0 does not exist, so O and 0 are rejected rather than guessed).
 */
export function normalizeJoinCode(input: string): string | undefined {
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== JOIN_CODE_LENGTH) return undefined;
  for (const ch of code) if (!JOIN_CODE_ALPHABET.includes(ch)) return undefined;
  return code;
}

/** Formats a join code for reading aloud and typing: "ABC DEFG". */
export function formatJoinCode(code: string): string {
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A random id of `length` base-36 characters (≈5.2 bits each). */
export function randomId(length = 20): string {
  return randomIndexes(length, ID_ALPHABET.length)
    .map((i) => ID_ALPHABET[i])
    .join('');
}

/** A secret of 32 random bytes, base64url-encoded (43 characters). */
export function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Record ids (notes, prompts) are 20 base-36 characters: ~103 random bits. */
export const RECORD_ID_PATTERN = /^[0-9a-z]{20}$/;
