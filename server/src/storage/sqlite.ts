/**
 * The SQLite dialect (better-sqlite3), the embedded default. WAL journal with `synchronous = FULL`:
 * a commit has reached the disk when it resolves, so an acknowledged command survives a killed
 * process and a power cut alike.
 *
 * One process owns the file, so a board's lock is held in memory. Each call of the seam is one
 * synchronous transaction on the one connection, so nothing of two calls ever interleaves.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  bindValue,
  LOCK_TIMEOUT_MS,
  LockTimeoutError,
  RowGoneError,
  type ColumnTypes,
  type Dialect,
  type DialectLock,
  type Row,
  type Statement,
  type WriteResult,
} from './dialect.js';
import { migrate } from './schema.js';
import { SqlStorage } from './sql-storage.js';

/** Prepared statements kept per connection; multi-row statements vary, so the cache is bounded. */
const MAX_CACHED_STATEMENTS = 256;

/**
 * Keys held in this process, each granted to one holder at a time, in order of asking. Shared by
 * every connection to one file, so two storages opened on it in one process still exclude each other.
 */
class KeyedMutex {
  private readonly waiting = new Map<string, (() => void)[]>();
  users = 0;

  acquire(key: string, timeoutMs: number): Promise<() => void> {
    const queue = this.waiting.get(key);
    if (!queue) {
      this.waiting.set(key, []);
      return Promise.resolve(this.releaser(key));
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        clearTimeout(timer);
        resolve(this.releaser(key));
      };
      const timer = setTimeout(() => {
        const at = queue.indexOf(grant);
        if (at >= 0) queue.splice(at, 1);
        reject(new LockTimeoutError(key));
      }, timeoutMs);
      queue.push(grant);
    });
  }

  private releaser(key: string): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.get(key)?.shift();
      if (next) next();
      else this.waiting.delete(key);
    };
  }
}

const mutexes = new Map<string, KeyedMutex>();
let memoryDatabases = 0;

export const SQLITE_COLUMN_TYPES: ColumnTypes = {
  int64: 'INTEGER',
  blob: 'BLOB',
  serialKey: 'INTEGER PRIMARY KEY AUTOINCREMENT',
};

class SqliteDialect implements Dialect {
  readonly shared = false;
  readonly types = SQLITE_COLUMN_TYPES;
  private readonly cache = new Map<string, Database.Statement>();
  private closed = false;

  constructor(
    private readonly db: Database.Database,
    private readonly mutexKey: string,
    private readonly mutex: KeyedMutex,
  ) {
    mutex.users++;
  }

  private prepare(text: string): Database.Statement {
    let s = this.cache.get(text);
    if (!s) {
      if (this.cache.size >= MAX_CACHED_STATEMENTS) this.cache.clear();
      s = this.db.prepare(text);
      this.cache.set(text, s);
    }
    return s;
  }

  private readNow(statements: readonly Statement[]): Row[][] {
    return statements.map((s) => this.prepare(s.sql).all(...s.params.map(bindValue)) as Row[]);
  }

  private writeNow(statements: readonly Statement[]): WriteResult[] {
    return this.db.transaction(() =>
      statements.map((s): WriteResult => {
        const st = this.prepare(s.sql);
        const params = s.params.map(bindValue);
        if (st.reader) {
          const rows = st.all(...params) as Row[];
          return { rows, changes: rows.length };
        }
        const { changes } = st.run(...params);
        if (s.changesOne && changes !== 1) throw new RowGoneError(s.sql);
        return { rows: [], changes };
      }),
    )();
  }

  async read(statements: readonly Statement[]): Promise<Row[][]> {
    if (statements.length <= 1) return this.readNow(statements);
    return this.db.transaction(() => this.readNow(statements))();
  }

  async write(statements: readonly Statement[]): Promise<WriteResult[]> {
    return this.writeNow(statements);
  }

  async script(ddl: string, after: readonly Statement[]): Promise<void> {
    this.db.transaction(() => {
      this.db.exec(ddl);
      for (const s of after) this.prepare(s.sql).run(...s.params.map(bindValue));
    })();
    // A migration may have changed what cached statements refer to.
    this.cache.clear();
  }

  async lock(key: string, row: Statement): Promise<DialectLock> {
    const release = await this.mutex.acquire(key, LOCK_TIMEOUT_MS);
    let found: Row | undefined;
    try {
      found = this.readNow([row])[0]?.[0];
    } catch (err) {
      release();
      throw err;
    }
    return {
      row: found,
      read: async (statements) => this.readNow(statements),
      commit: async (statements) => {
        try {
          return this.writeNow(statements);
        } finally {
          release();
        }
      },
      release: async () => release(),
    };
  }

  migrating<T>(fn: () => Promise<T>): Promise<T> {
    // The process owns the file; nobody else migrates it.
    return fn();
  }

  async tableExists(name: string): Promise<boolean> {
    return (
      this.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !==
      undefined
    );
  }

  isUniqueViolation(err: unknown, table: string, column: string): boolean {
    return (
      err instanceof Error && err.message.includes(`UNIQUE constraint failed: ${table}.${column}`)
    );
  }

  async afterErase(): Promise<void> {
    // Erased boards leave no text behind: secure_delete zeroes freed pages, and the checkpoint
    // empties the write-ahead log that still held them.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
    if (--this.mutex.users === 0) mutexes.delete(this.mutexKey);
  }
}

/** Opens (creating if needed) the SQLite database at `file` and brings its schema up to date. */
export async function openSqliteStorage(file: string): Promise<SqlStorage> {
  const memory = file === ':memory:';
  if (!memory) fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('secure_delete = ON');
  // An in-memory database is private to its connection; a file is shared by every opening of it.
  const key = memory ? `:memory:${++memoryDatabases}` : path.resolve(file);
  let mutex = mutexes.get(key);
  if (!mutex) mutexes.set(key, (mutex = new KeyedMutex()));
  const dialect = new SqliteDialect(db, key, mutex);
  try {
    await migrate(dialect, 'sqlite');
  } catch (err) {
    await dialect.close();
    throw err;
  }
  return new SqlStorage(dialect);
}
