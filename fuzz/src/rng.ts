/**
 * Seeded, replayable input streams. Each target draws its inputs from its own stream, so one seed
 * gives every target the same sequence of inputs whatever the interleaving of targets and
 * connections: a failure is replayed with the seed, the target and the frame count.
 */
import fc from 'fast-check';

/** Inputs drawn from fast-check per call of `fc.sample`: large enough to amortise its set-up. */
export const SAMPLE_CHUNK = 256;

/** A 32-bit mix of integers (FNV-1a over their decimal digits), for seeds derived from a seed. */
export function deriveSeed(...parts: (number | string)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join(':')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h | 0;
}

/** An endless, deterministic sequence of values of one arbitrary. */
export class InputStream<T> {
  private chunk: T[] = [];
  private at = 0;
  private chunks = 0;
  /** Inputs handed out so far. */
  drawn = 0;

  constructor(
    private readonly arb: fc.Arbitrary<T>,
    private readonly seed: number,
  ) {}

  next(): T {
    if (this.at >= this.chunk.length) {
      this.chunk = fc.sample(this.arb, {
        seed: deriveSeed(this.seed, this.chunks++),
        numRuns: SAMPLE_CHUNK,
      });
      this.at = 0;
    }
    this.drawn++;
    return this.chunk[this.at++]!;
  }
}

/** A small seeded generator for choices that need no shrinking (mutation sites, lane picks). */
export class Prng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  /** A float in [0, 1) (xorshift32). */
  float(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s / 0x1_0000_0000;
  }
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}
