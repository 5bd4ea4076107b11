/**
 * The per-connection pace of commands: a token bucket held by the socket itself, so it needs no
 * sharing between instances and goes away with the connection. Counted limits (joins, wrong
 * codes, board creations, notes) are in limits.ts.
 */

/** A bucket of `burst` tokens refilled at `perSecond`; each event takes one. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
