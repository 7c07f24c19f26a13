import type { QueryOptions } from '../backends/backend.ts'
import type { RunInfo, StatementKind, TxState } from './executor.ts'

/**
 * One statement on its way to the database, as an interceptor sees it. Values are there for keying (the query
 * cache hashes them); interceptors must not log them.
 */
export interface InterceptedStatement {
  readonly alias: string
  readonly vendor: string
  /** SQL with placeholders. */
  readonly sql: string
  readonly params: readonly unknown[]
  /** Tables the statement reads or writes, as compiled (empty for raw SQL the compiler could not name). */
  readonly tables: readonly string[]
  readonly kind: StatementKind
  /** What the caller wants back: array rows, object rows, a write result, or nothing (DDL). */
  readonly result: 'rows' | 'objects' | 'run' | 'exec'
  readonly info: RunInfo
  readonly options: QueryOptions | undefined
  /** The transaction open on this alias in the caller's async context. */
  readonly tx: TxState | undefined
}

/**
 * Sits around every statement the executor runs (the query cache; later the profiler). It may answer without
 * calling `next` (a cache hit: no statement runs and no query event is published), or act after it (a write
 * reporting the tables it touched). Register with `executor.use()`.
 */
export interface Interceptor {
  intercept(stmt: InterceptedStatement, next: () => Promise<unknown>): Promise<unknown>
}
