/**
 * Operator command: erase a board and everything kept about it (GDPR erasure).
 *
 *   node server/dist/erase.js <join code or board id>
 *
 * Reads the same environment as the server. With PostgreSQL the rows are deleted; with Redis the
 * board's presence and the socket.io adapter's packets go too, and every running instance drops
 * its copy of the board (the announcement, or its next check against the database).
 */
import { RedisCluster } from './cluster/redis.js';
import { ConfigError, loadConfig } from './config.js';
import { setLogLevel } from './log.js';
import { openPostgresStorage } from './storage/postgres.js';
import { openSqliteStorage } from './storage/sqlite.js';

async function main(): Promise<number> {
  const target = process.argv[2];
  if (!target) {
    process.stderr.write('usage: node server/dist/erase.js <join code or board id>\n');
    return 2;
  }
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  setLogLevel(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const storage = config.databaseUrl
    ? await openPostgresStorage(
        config.databaseUrl,
        config.databaseSchema ? { schema: config.databaseSchema } : {},
      )
    : await openSqliteStorage(config.sqliteFile);
  try {
    const board = (await storage.getBoardByCode(target)) ?? (await storage.getBoard(target));
    if (!board) {
      process.stderr.write(`no board with the code or id ${target}\n`);
      return 1;
    }
    await storage.deleteBoard(board.id);
    if (config.redisUrl) {
      const cluster = new RedisCluster({ url: config.redisUrl, prefix: config.redisPrefix });
      try {
        await cluster.eraseBoard(board.id);
      } finally {
        await cluster.close();
      }
    }
    process.stdout.write(`erased board ${board.id} (${board.code})\n`);
    return 0;
  } finally {
    await storage.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`erasure failed: ${String(err)}\n`);
    process.exit(1);
  },
);
