/**
 * Command connections that have not authenticated yet, counted per client address.
 *
 * A handshake costs the server a session object, its transport and timers until the client signs
 * in or the session times out; one address opening handshakes and abandoning them would otherwise
 * hold as many as it can send in {@link HANDSHAKE_TIMEOUT_MS}. An honest client signs in within a
 * round trip, so even a whole organisation behind one NAT address has few waiting at once.
 */

/** Connections from one address still waiting to sign in; a further handshake is refused (403). */
export const MAX_PENDING_HANDSHAKES_PER_ADDRESS = 64;
/**
 * A connection that has not signed in (joined the namespace) by then is closed at once, its
 * transport discarded: a long-polling session nobody polls would otherwise wait another 30 s to
 * deliver its close packet.
 */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** The part of an engine.io connection the count needs. */
export interface PendingConnection {
  /** engine.io's state: 'opening', 'open', 'closing' or 'closed'. */
  readonly readyState: string;
  /** engine.io's close; `discard` drops the transport without waiting to tell the client. */
  close(discard?: boolean): void;
}

export class PendingHandshakes {
  private readonly byAddress = new Map<string, Set<PendingConnection>>();
  private readonly pending = new Map<
    PendingConnection,
    { address: string; timer: NodeJS.Timeout }
  >();
  /** Handshakes refused for their address's count since the start. */
  refused = 0;

  /** Whether a handshake from `address` may open a connection now; counts a refusal if not. */
  admits(address: string): boolean {
    const conns = this.byAddress.get(address);
    if (conns && conns.size >= MAX_PENDING_HANDSHAKES_PER_ADDRESS) {
      // A long-polling session the server has closed (a bad packet, say) waits for a poll to say
      // so, 30 s at most; nobody is coming for it, so drop it now instead of counting it.
      for (const conn of [...conns]) {
        if (conn.readyState !== 'closing') continue;
        this.settled(conn);
        conn.close(true);
      }
    }
    if ((this.byAddress.get(address)?.size ?? 0) < MAX_PENDING_HANDSHAKES_PER_ADDRESS) return true;
    this.refused++;
    return false;
  }

  /** A connection from `address` has opened and waits to sign in. */
  opened(conn: PendingConnection, address: string): void {
    if (this.pending.has(conn)) return;
    const timer = setTimeout(() => {
      this.settled(conn);
      conn.close(true);
    }, HANDSHAKE_TIMEOUT_MS);
    timer.unref();
    this.pending.set(conn, { address, timer });
    let conns = this.byAddress.get(address);
    if (!conns) this.byAddress.set(address, (conns = new Set()));
    conns.add(conn);
  }

  /** The connection has signed in or closed; it no longer counts. Idempotent. */
  settled(conn: PendingConnection): void {
    const entry = this.pending.get(conn);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(conn);
    const conns = this.byAddress.get(entry.address);
    conns?.delete(conn);
    if (conns?.size === 0) this.byAddress.delete(entry.address);
  }

  /** Connections waiting to sign in, from every address. */
  get size(): number {
    return this.pending.size;
  }
}
