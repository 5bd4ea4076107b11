/**
 * The PostgreSQL dialect (`pg`), for many instances sharing one database. A board's lock is its
 * `boards` row, locked `FOR UPDATE` in a transaction that stays open until the batch commits, so
 * every instance's batches of one board run one at a time.
 */
import pg from 'pg';
import { createLogger } from '../log.js';
import {
  bindValue,
  LOCK_TIMEOUT_MS,
  RowGoneError,
  type Dialect,
  type DialectLock,
  type Row,
  type Statement,
  type WriteResult,
} from './dialect.js';
import { migrate } from './schema.js';
import { SqlStorage } from './sql-storage.js';

const log = createLogger('storage.postgres');

/** Connections one instance keeps to the database. */
export const POSTGRES_POOL_SIZE = 10;
/** How long an instance waits for a database connection before refusing with `unavailable`. */
export const POSTGRES_CONNECT_TIMEOUT_MS = 5_000;
/** A key for the advisory lock that lets one instance at a time run migrations. */
const MIGRATION_LOCK = 7_240_517;

/** `?` placeholders as PostgreSQL numbers them. Our SQL has no `?` in literals. */
function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

type Client = pg.PoolClient;

async function run(c: Client, s: Statement): Promise<WriteResult> {
  const r = await c.query(numbered(s.sql), s.params.map(bindValue));
  const changes = r.rowCount ?? 0;
  if (s.changesOne && changes !== 1) throw new RowGoneError(s.sql);
  return { rows: r.rows as Row[], changes };
}

async function runAll(c: Client, statements: readonly Statement[]): Promise<WriteResult[]> {
  const out: WriteResult[] = [];
  for (const s of statements) out.push(await run(c, s));
  return out;
}

class PostgresDialect implements Dialect {
  readonly shared = true;
  readonly types = { int64: 'BIGINT', blob: 'BYTEA', serialKey: 'BIGSERIAL PRIMARY KEY' };
  private closed = false;

  constructor(private readonly pool: pg.Pool) {}

  /**
   * A connection from the pool. While it is checked out the pool does not listen for its errors;
   * a connection that breaks between queries would otherwise throw out of the process.
   */
  private async connect(): Promise<{ c: Client; done: (err?: Error) => void }> {
    const c = await this.pool.connect();
    const onError = (err: Error) => log.warn('connection failed while in use', { err });
    c.on('error', onError);
    return {
      c,
      done: (err) => {
        c.off('error', onError);
        c.release(err);
      },
    };
  }

  private async tx<T>(begin: string, fn: (c: Client) => Promise<T>): Promise<T> {
    const { c, done } = await this.connect();
    let failure: Error | undefined;
    try {
      await c.query(begin);
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch((e: Error) => (failure = e));
      throw err;
    } finally {
      done(failure);
    }
  }

  async read(statements: readonly Statement[]): Promise<Row[][]> {
    if (statements.length === 0) return [];
    if (statements.length === 1) {
      const s = statements[0]!;
      return [(await this.pool.query(numbered(s.sql), s.params.map(bindValue))).rows as Row[]];
    }
    return this.tx('BEGIN ISOLATION LEVEL REPEATABLE READ', async (c) =>
      (await runAll(c, statements)).map((r) => r.rows),
    );
  }

  async write(statements: readonly Statement[]): Promise<WriteResult[]> {
    if (statements.length === 0) return [];
    return this.tx('BEGIN', (c) => runAll(c, statements));
  }

  async script(ddl: string, after: readonly Statement[]): Promise<void> {
    await this.tx('BEGIN', async (c) => {
      await c.query(ddl);
      await runAll(c, after);
    });
  }

  async lock(_key: string, row: Statement): Promise<DialectLock> {
    const { c, done } = await this.connect();
    let open = true;
    const end = async (sql: 'COMMIT' | 'ROLLBACK') => {
      if (!open) return;
      open = false;
      try {
        await c.query(sql);
        done();
      } catch (err) {
        // A connection that failed mid-transaction is not reused.
        done(err as Error);
        throw err;
      }
    };
    let found: Row | undefined;
    try {
      await c.query('BEGIN');
      await c.query(`SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}`);
      found = (await run(c, { ...row, sql: `${row.sql} FOR UPDATE` })).rows[0];
    } catch (err) {
      open = false;
      done(err as Error);
      throw err;
    }
    return {
      row: found,
      read: async (statements) => (await runAll(c, statements)).map((r) => r.rows),
      commit: async (statements) => {
        let out: WriteResult[];
        try {
          out = await runAll(c, statements);
        } catch (err) {
          await end('ROLLBACK').catch(() => undefined);
          throw err;
        }
        await end('COMMIT');
        return out;
      },
      release: () => end('ROLLBACK'),
    };
  }

  async migrating<T>(fn: () => Promise<T>): Promise<T> {
    // The lock's connection only holds the lock; `fn` runs its steps on others from the pool.
    const { c, done } = await this.connect();
    let failure: Error | undefined;
    try {
      await c.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        return await fn();
      } finally {
        await c.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch((e: Error) => {
          failure = e;
        });
      }
    } finally {
      done(failure);
    }
  }

  async tableExists(name: string): Promise<boolean> {
    // In the schema the connection searches first, where `CREATE TABLE` puts new tables.
    const [rows] = await this.read([
      {
        sql: 'SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?',
        params: [name],
      },
    ]);
    return (rows?.length ?? 0) > 0;
  }

  isUniqueViolation(err: unknown, table: string, column: string): boolean {
    const e = err as { code?: string; constraint?: string };
    return e.code === '23505' && e.constraint === `${table}_${column}_key`;
  }

  async afterErase(): Promise<void> {
    // Autovacuum reclaims the dead rows; nothing to do here.
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** Connects, runs pending migrations (one instance at a time) and returns the storage. */
export async function openPostgresStorage(
  url: string,
  opts: { schema?: string } = {},
): Promise<SqlStorage> {
  const pool = new pg.Pool({
    connectionString: url,
    max: POSTGRES_POOL_SIZE,
    connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  pool.on('error', (err) => log.warn('idle connection failed', { err }));
  const dialect = new PostgresDialect(pool);
  try {
    await dialect.migrating(async () => {
      // Under the lock: instances starting at once would race to create it.
      if (opts.schema)
        await dialect.write([
          { sql: `CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(opts.schema)}`, params: [] },
        ]);
    });
    await migrate(dialect, 'postgres');
  } catch (err) {
    await dialect.close();
    throw err;
  }
  return new SqlStorage(dialect);
}
