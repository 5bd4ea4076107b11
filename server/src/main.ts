/** Entry point: `node server/dist/main.js`. Configuration comes from the environment (README). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.js';
import type { RedisCluster } from './cluster/redis.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { installProcessGuards } from './faults.js';
import { createLogger, setLogLevel } from './log.js';
import { startMetricsIpc } from './metrics-ipc.js';
import { openSqliteStorage } from './storage/sqlite.js';
import type { Storage } from './storage/storage.js';

const log = createLogger('main');
const here = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  installProcessGuards();
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
  const storage = await openStorage(config);
  const cluster = await openCluster(config);
  const app = createApp(config, storage, cluster ? { cluster } : {});
  await cluster?.attach(app.registry);
  const port = await app.listen(config.port, config.host);
  log.info('listening', {
    port,
    host: config.host,
    storage: config.databaseUrl ? 'postgres' : config.sqliteFile,
    mode: cluster ? 'cluster' : 'single',
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

// The PostgreSQL and Redis clients load only when configured: the embedded default starts faster.
async function openStorage(config: Config): Promise<Storage> {
  if (!config.databaseUrl) return openSqliteStorage(config.sqliteFile);
  const { openPostgresStorage } = await import('./storage/postgres.js');
  return openPostgresStorage(
    config.databaseUrl,
    config.databaseSchema ? { schema: config.databaseSchema } : {},
  );
}

async function openCluster(config: Config): Promise<RedisCluster | undefined> {
  if (!config.redisUrl) return undefined;
  const { RedisCluster } = await import('./cluster/redis.js');
  return new RedisCluster({ url: config.redisUrl, prefix: config.redisPrefix });
}

main().catch((err: unknown) => {
  log.error('failed to start', { err });
  process.exit(1);
});
