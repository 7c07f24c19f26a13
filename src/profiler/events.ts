import diagnostics from 'node:diagnostics_channel'

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
  /** The error, when the statement failed. */
  error?: Error
  /** The database object that ran it. */
  database: object
}

/** Published for every statement. Free when nobody subscribes (one `hasSubscribers` check). */
export const queryChannel = diagnostics.channel('quarry:query')

/** Published for every N+1 report and other diagnostics. */
export const diagnosticChannel = diagnostics.channel('quarry:diagnostic')
