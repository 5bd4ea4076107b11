/** Counters an operator or a test can read: how much fan-out work the sync endpoint did. */
export interface SyncStats {
  /** Update messages handed to connections (one per connection per flush). */
  updateMessages: number;
  /** Flushes: merged batches sent to a board's connections. */
  flushes: number;
  /** Times a connection started lagging and was held back. */
  slowClientHolds: number;
  /** Times a lagging connection was sent what it missed. */
  slowClientCatchUps: number;
  /** Connections closed for lagging too long or missing too much. */
  slowClientCloses: number;
  /** Step 2 answers served from the cached whole-document encoding. */
  fullStateCacheHits: number;
  /** Encodings of the whole document made for late joiners. */
  fullStateEncodes: number;
  /** Step 2 answers served from the cached "nothing new" answer. */
  upToDateCacheHits: number;
  /** Step 1 messages replaced by a newer one before they were answered. */
  step1Replaced: number;
  /** Connections closed for going over their message budget. */
  budgetCloses: number;
  /** Upgrades refused before becoming a websocket (origin not allowed, unreadable path). */
  upgradesRefused: number;
}

/** Every counter at zero. */
export function newSyncStats(): SyncStats {
  return {
    updateMessages: 0,
    flushes: 0,
    slowClientHolds: 0,
    slowClientCatchUps: 0,
    slowClientCloses: 0,
    fullStateCacheHits: 0,
    fullStateEncodes: 0,
    upToDateCacheHits: 0,
    step1Replaced: 0,
    budgetCloses: 0,
    upgradesRefused: 0,
  };
}
