/**
 * One executed statement, as published on the `quarry:query` channel and to `db.on('query')`: plain, serialisable
 * data (`JSON.stringify(event)` works for any statement, `params` aside: bound values are whatever was bound).
 */
export interface QueryEvent {
  /** SQL with placeholders. Never values. */
  sql: string
  /** Bound values: only when the database was connected with `logParams: true`. */
  params?: readonly unknown[]
  durationMs: number
  /** Rows returned (reads) or affected (writes). */
  rowCount: number
  /** First frame of user code that ran the statement (`src/feed.ts:14`). */
  callSite: string | undefined
  /** Database alias (`default`, `replica`…). */
  alias: string
  vendor: string
  kind: 'select' | 'insert' | 'update' | 'delete' | 'raw' | 'ddl' | 'transaction'
  /** Tables read or written. */
  tables: readonly string[]
  /** Model queried, where there is one. */
  model: string | undefined
  /**
   * The query's shape key: equal for two statements that differ only in their parameter values, so reports can
   * group "the same query" (duplicates, N+1) without parsing SQL. Absent for raw SQL, DDL and transaction control.
   */
  shapeKey?: string
  /** The id given to `withQueryContext(id, fn)` around the code that ran the statement (a request id, say). */
  contextId?: string
  /** The error, when the statement failed: its class name, stable code and message (which carry no values). */
  error?: QueryEventError
  /**
   * The database object that ran it. Inherited, not an own field: `JSON.stringify(event)`, `structuredClone` and
   * spreading give the plain documented data only.
   */
  readonly database: object
}

/** A failed statement's error, as plain data. */
export interface QueryEventError {
  name: string
  code: string | undefined
  message: string
}
