/** Entry point: `node server/dist/main.js`. Configuration comes from the environment (README). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger, setLogLevel } from './log.js';
import { startMetricsIpc } from './metrics-ipc.js';
import { openPostgresStorage } from './storage/postgres.js';
import { openSqliteStorage } from './storage/sqlite.js';

const log = createLogger('main');
const here = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, { clientDir: path.resolve(here, '../../client/dist') });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  setLogLevel(config.logLevel);
  startMetricsIpc();
  const storage = config.databaseUrl
    ? await openPostgresStorage(config.databaseUrl)
    : openSqliteStorage(config.sqliteFile);
  const app = createApp(config, storage);
  const port = await app.listen(config.port, config.host);
  log.info('listening', {
    port,
    host: config.host,
    storage: config.databaseUrl ? 'postgres' : config.sqliteFile,
  });
  // Read by tests and scripts that start the server on port 0.
  if (process.env['PAJATAULU_PRINT_PORT'] === '1') process.stdout.write(`PORT=${port}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  log.error('failed to start', { err });
  process.exit(1);
});
