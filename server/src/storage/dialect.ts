/**
 * The seam between the one SQL storage (`sql-storage.ts`) and a database engine. Everything a
 * storage does is written once above it, in SQL both engines accept with `?` placeholders; a
 * dialect only runs statements, holds locks and names its column types.
 *
 * The seam passes whole statement lists, never an open transaction: a read or a write is one
 * call, so a dialect may run it anywhere (the SQLite one could move to a worker thread without
 * the storage noticing), and every method is async for the same reason.
 */

/** A value bound to a placeholder. Blobs come back as `Buffer`, 64-bit integers may come back as strings. */
export type SqlValue = string | number | null | Uint8Array;
export type Row = Record<string, unknown>;

export interface Statement {
  sql: string;
  params: readonly SqlValue[];
  /** The write must change exactly one row, or the whole write is rolled back with {@link RowGoneError}. */
  changesOne?: boolean;
}

export interface WriteResult {
  /** Rows a `RETURNING` clause gave back. */
  rows: Row[];
  changes: number;
}

/** Column types that differ between engines, for migrations. */
export interface ColumnTypes {
  int64: string;
  blob: string;
  /** An auto-incrementing 64-bit primary key column, type and constraint. */
  serialKey: string;
}

/** Thrown when a {@link Statement} marked `changesOne` found no row (the board was erased). */
export class RowGoneError extends Error {
  constructor(what: string) {
    super(`no row to change: ${what.slice(0, 60)}`);
    this.name = 'RowGoneError';
  }
}

/** Thrown when a lock was not granted in time. */
export class LockTimeoutError extends Error {
  constructor(key: string) {
    super(`lock ${key} not granted in time`);
    this.name = 'LockTimeoutError';
  }
}

/** One key held exclusively, with reads and a final write made under it. */
export interface DialectLock {
  /** The row the lock statement found; undefined when there was none. */
  readonly row: Row | undefined;
  read(statements: readonly Statement[]): Promise<Row[][]>;
  /** Writes in one transaction and releases the lock, whether the write succeeds or not. */
  commit(statements: readonly Statement[]): Promise<WriteResult[]>;
  /** Releases without writing. Safe to call more than once. */
  release(): Promise<void>;
}

export interface Dialect {
  /** Whether other processes write to the same database (then boards catch up under the lock). */
  readonly shared: boolean;
  readonly types: ColumnTypes;
  /** Each statement's rows, all read from one consistent view of the database. */
  read(statements: readonly Statement[]): Promise<Row[][]>;
  /** Runs statements in one transaction: all of it is durable when this resolves, or none of it. */
  write(statements: readonly Statement[]): Promise<WriteResult[]>;
  /** Runs a DDL script and then `after`, in one transaction (a migration step). */
  script(ddl: string, after: readonly Statement[]): Promise<void>;
  /**
   * Holds `key` until commit or release; `row` is read under the lock (and, on a shared database,
   * locks that row for other processes too).
   */
  lock(key: string, row: Statement): Promise<DialectLock>;
  /** Runs `fn` while no other process runs migrations on the database. */
  migrating<T>(fn: () => Promise<T>): Promise<T>;
  tableExists(name: string): Promise<boolean>;
  /** Whether `err` is a unique-constraint violation on `table.column`. */
  isUniqueViolation(err: unknown, table: string, column: string): boolean;
  /** Makes what an erasure freed unreadable on disk, where the engine keeps it around. */
  afterErase(): Promise<void>;
  close(): Promise<void>;
}

/** How long a lock waits for its holder before it is refused (a stuck holder must not stop a board for good). */
export const LOCK_TIMEOUT_MS = 10_000;

/** Rows per multi-row statement, well under both engines' limits on bound parameters. */
export const MAX_ROWS_PER_STATEMENT = 200;

/** A statement. */
export function sql(text: string, params: readonly SqlValue[] = []): Statement {
  return { sql: text, params };
}

/** `(?, ?), (?, ?)`: `count` rows of `width` placeholders. */
export function placeholderRows(width: number, count: number): string {
  const row = `(${Array.from({ length: width }, () => '?').join(', ')})`;
  return Array.from({ length: count }, () => row).join(', ');
}

/** `items` in slices of at most {@link MAX_ROWS_PER_STATEMENT}. */
export function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += MAX_ROWS_PER_STATEMENT)
    out.push(items.slice(i, i + MAX_ROWS_PER_STATEMENT));
  return out;
}

/** A blob parameter as both drivers take it. */
export function bindValue(v: SqlValue): SqlValue {
  return v instanceof Uint8Array && !Buffer.isBuffer(v)
    ? Buffer.from(v.buffer, v.byteOffset, v.byteLength)
    : v;
}
