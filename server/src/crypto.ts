/** Hashing of secrets: only hashes of tokens and keys are stored. */
import { createHash, timingSafeEqual } from 'node:crypto';

/** SHA-256 of a high-entropy secret, hex. (No salt needed: secrets are 256-bit random.) */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Whether `secret` hashes to `expectedHash`, compared in constant time. */
export function secretMatches(secret: string, expectedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(expectedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
