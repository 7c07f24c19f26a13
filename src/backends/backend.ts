import type { Field } from '../model/fields/field.ts'
import type { SqlCompiler } from '../sql/compiler/sql-compiler.ts'
import type { BaseFeatures } from './base-features.ts'
import type { BaseIntrospector } from './base-introspector.ts'
import type { BaseOperations } from './base-operations.ts'
import type { BaseSchemaEditor } from './base-schema-editor.ts'
import type { LeaseOwner } from './lease-book.ts'

export interface RunResult {
  rowCount: number
  /** Last generated key, where the driver reports one. */
  insertId?: number | bigint | undefined
}

export interface QueryOptions {
  /** Read 64-bit integers as `bigint` (a `bigint` field is selected). */
  bigints?: boolean
  /**
   * At most one row can match (`get()` by a unique key): a driver may stop at the first row. On SQLite this is the
   * driver's `get()` instead of `all()` (one step, no result array: ~8% of the statement's instructions).
   */
  single?: boolean
}

/** One physical connection. Values may be returned synchronously (node:sqlite) or as promises. */
export interface Connection {
  /** Rows as arrays, in column order. */
  rows(sql: string, params: readonly unknown[], options?: QueryOptions): unknown[][] | Promise<unknown[][]>
  /** Rows as objects (raw `db.query`). */
  objects(sql: string, params: readonly unknown[]): Record<string, unknown>[] | Promise<Record<string, unknown>[]>
  /** A write: rows affected and last insert id. */
  run(sql: string, params: readonly unknown[]): RunResult | Promise<RunResult>
  /** One or more statements without parameters (DDL). */
  exec(sql: string): void | Promise<void>
  /**
   * Stream rows in chunks of at most `chunkSize` with a server-side cursor (or the driver's iterator); absent where
   * the backend reads in LIMIT chunks. Each chunk array is the caller's: the runner clears the rows it has mapped.
   */
  stream?(
    sql: string,
    params: readonly unknown[],
    chunkSize: number,
    options?: QueryOptions,
  ): AsyncIterable<unknown[][]>
}

export interface Lease {
  readonly conn: Connection
  /** Return the connection; `broken` destroys it instead of reusing it. */
  release(broken?: boolean): void
}

/**
 * A database backend: the driver plus everything that differs between databases, in the Django layout
 * (features, operations, schema editor, introspector, error translation).
 */
export interface Backend {
  readonly vendor: 'sqlite' | 'postgres' | 'mysql'
  readonly features: BaseFeatures
  readonly ops: BaseOperations
  readonly compiler: SqlCompiler
  readonly schemaEditor: BaseSchemaEditor
  readonly introspector: BaseIntrospector
  /**
   * Borrow a connection (for a transaction or a stream). Waits at most `pool.acquireTimeoutMs`, then fails with an
   * `OperationalError` naming what holds the connections.
   */
  acquire(owner?: LeaseOwner): Promise<Lease>
  /**
   * The connection, when one can be used right now without waiting (SQLite's single connection while no
   * transaction holds it). Lets the executor skip an async hop on the hot path; undefined for pools.
   */
  idleConnection?(): Connection | undefined
  /** Run `fn` on some connection outside any transaction. */
  withConnection<T>(fn: (c: Connection) => T | Promise<T>): Promise<T>
  /** Driver error → the PEP 249 tree; the original stays as `cause`. */
  translateError(error: unknown, sql: string | undefined): Error
  /** `BEGIN`, savepoints… */
  beginSql(): string
  close(): Promise<void>
  /** Data type of a column, for DDL and casts. */
  columnType(field: Field): string
}
