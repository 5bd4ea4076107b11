/**
 * What keeps the lanes busy: most hostile frames end their connection, and a new one costs a
 * handshake (and for socket.io an authentication), so connections are opened ahead of use, and
 * requests that wait for an answer run beside the lane instead of holding it up.
 */

/** Connections opened ahead of use, so a lane whose socket the server closed goes on at once. */
export class Pool<T> {
  private readonly ready: Promise<T | undefined>[] = [];
  private closed = false;

  constructor(
    private readonly open: () => Promise<T | undefined>,
    private readonly isOpen: (conn: T) => boolean,
    private readonly discard: (conn: T) => void,
    private readonly depth: number,
  ) {}

  private fill(): void {
    while (!this.closed && this.ready.length < this.depth) this.ready.push(this.open());
  }

  /**
   * An open connection: a pre-opened one that is still open, or (when the server closed those
   * meanwhile, e.g. after a restart) a fresh one. Undefined when none could be opened.
   */
  async take(): Promise<T | undefined> {
    for (let tries = 0; tries <= this.depth; tries++) {
      this.fill();
      const conn = await this.ready.shift()!;
      this.fill();
      if (conn && this.isOpen(conn)) return conn;
      if (conn) this.discard(conn);
    }
    return this.open();
  }

  /** Closes the connections still waiting to be used. */
  async close(): Promise<void> {
    this.closed = true;
    const left = this.ready.splice(0);
    for (const conn of await Promise.all(left)) if (conn) this.discard(conn);
  }
}

/** At most `max` tasks running at once; `run` waits only while all slots are taken. */
export class Slots {
  private running = new Set<Promise<void>>();

  constructor(private readonly max: number) {}

  /** Starts a task once a slot is free; resolves when it has started, not when it ends. */
  async run(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.max) await Promise.race(this.running);
    const p: Promise<void> = task()
      .catch(() => undefined)
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  /** Resolves when every started task has ended. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }
}

/**
 * A websocket client's masking key, left all zeros: masking guards browsers' proxies, not a
 * loopback test, and random keys for every frame cost the fuzzer a good part of its time.
 */
export const ZERO_MASK = (): void => undefined;
