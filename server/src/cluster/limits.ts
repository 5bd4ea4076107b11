/** Limits of cluster mode that modules outside it read, without loading the Redis client. */

/** Presence entries of an instance older than this are ignored (the instance is gone). */
export const PRESENCE_STALE_MS = 15_000;
/** An instance rewrites its presence entries at least this often while it has connections. */
export const PRESENCE_REFRESH_MS = 5_000;
