/**
 * A whole server in this process, on in-memory SQLite and port 0: what the tests of other packages
 * (the client's board engine) run against, so that they meet the real dedupe, versions and
 * refusals rather than a stand-in that re-implements them.
 */
import { createApp, type App } from './app.js';
import { loadConfig } from './config.js';
import { setLogLevel } from './log.js';
import { openSqliteStorage } from './storage/sqlite.js';

export interface InProcessServer {
  readonly app: App;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Flushes every board and stops listening. */
  close(): Promise<void>;
}

/** Starts a server in this process on 127.0.0.1, port 0, over an in-memory SQLite database. */
export async function startInProcessServer(): Promise<InProcessServer> {
  setLogLevel('silent');
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  // Awaited: opening storage may be asynchronous, as PostgreSQL's is.
  const app = createApp(config, await openSqliteStorage(':memory:'));
  const port = await app.listen(0, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
