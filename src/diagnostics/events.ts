/** One executed statement, as published on the `quarry:query` channel and to `db.on('query')`. */
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
  /** The error, when the statement failed. */
  error?: Error
  /** The database object that ran it. */
  database: object
}
