/**
 * The heavy work of one process — parsing an import, drawing an export — runs in worker threads,
 * and those take a core each and up to a few hundred megabytes while they run. They take turns on
 * one slot, shared by the importer and the exporter: on a two-core machine one core then always
 * serves boards, and the memory heavy work can take is that of one worker at a time, not the sum
 * of one of each kind. Each kind keeps its own queue, fairness and limits in front of the slot.
 */

/** Heavy workers run at once in one process. */
export const MAX_HEAVY_WORKERS = 1;

/** Gives the slot back; safe to call more than once. */
export type SlotRelease = () => void;

export class CoreSlot {
  private busy = 0;
  private readonly waiting: { grant: () => void; signal: AbortSignal | undefined }[] = [];

  constructor(private readonly size = MAX_HEAVY_WORKERS) {}

  /** Waits for the slot; rejects with `aborted()` when `signal` is aborted first. */
  acquire(signal: AbortSignal | undefined, aborted: () => Error): Promise<SlotRelease> {
    if (signal?.aborted) return Promise.reject(aborted());
    if (this.busy < this.size) {
      this.busy++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const entry = { grant: () => resolve(this.releaser()), signal };
      this.waiting.push(entry);
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.waiting.indexOf(entry);
          if (i < 0) return;
          this.waiting.splice(i, 1);
          reject(aborted());
        },
        { once: true },
      );
    });
  }

  private releaser(): SlotRelease {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the slot straight to the next live waiter, so no newcomer slips in between.
      for (;;) {
        const next = this.waiting.shift();
        if (!next) {
          this.busy--;
          return;
        }
        if (!next.signal?.aborted) {
          next.grant();
          return;
        }
      }
    };
  }
}
