import type { RunResult } from '../backends/backend.ts'
import type { QueryEvent } from '../diagnostics/events.ts'
import { StateError } from '../errors.ts'
import type { EpochColumn } from '../sql/compiled-query.ts'

export type StatementKind = QueryEvent['kind']

/** The open transaction a statement runs in. */
export interface TransactionInfo {
  /** The database alias the transaction is open on. */
  readonly alias: string
  /** Run `cb` after the outermost transaction commits; dropped if it rolls back. */
  onCommit(cb: () => unknown): void
  /**
   * Like `onCommit` for work that merges: after the outermost commit, `merge` runs once with the values of every
   * call that named it (a rolled-back savepoint drops the values given inside it). The query cache bumps each
   * written table once per transaction this way.
   */
  onCommitMerged<V>(merge: (values: V[]) => unknown, value: V): void
}

/**
 * What a statement returns, by `Statement.returns`: array rows (QuerySets), row objects (raw `db.query`), a write
 * result, or nothing (DDL, transaction control). An interceptor that answers a statement answers in that shape.
 */
export interface StatementResults {
  rows: unknown[][]
  objects: Record<string, unknown>[]
  write: RunResult
  none: undefined
}

export type StatementResult = StatementResults[keyof StatementResults]

/** One statement on its way to the database, as interceptors see it. */
export interface Statement {
  /** The compiled SQL, with placeholders. */
  readonly sql: string
  /** The bound values, in placeholder order (what the driver receives). */
  readonly params: readonly unknown[]
  /** The tables it reads or writes. Empty for raw SQL (unknown), DDL and transaction control. */
  readonly tables: readonly string[]
  readonly kind: StatementKind
  /** `read` for SELECTs built by quarry; everything else, raw SQL included, may write. */
  readonly access: 'read' | 'write'
  /** What it returns: see `StatementResults`. */
  readonly returns: keyof StatementResults
  /** Equal for statements that differ only in their values (absent for raw SQL, DDL, transaction control). */
  readonly shapeKey: string | undefined
  readonly model: string | undefined
  /** The database alias and vendor it runs on. */
  readonly alias: string
  readonly vendor: string
  /** The transaction it runs in, or `undefined` in autocommit. */
  readonly transaction: TransactionInfo | undefined
  /**
   * For mapped SELECTs, the result columns holding datetimes: an interceptor answering with rows it kept may give
   * these cells as epoch milliseconds (`toEpoch` makes them from the driver's cell), which read back as new Dates.
   */
  readonly epochColumns: readonly EpochColumn[] | undefined
}

/**
 * Wraps the execution of every statement, like Django's `execute_wrapper`: call `next()` to run it (and see
 * its result or error), or return a result without calling `next()` to answer it yourself (a cache hit).
 * Interceptors run in the order added, the first outermost; the query event is published inside them, so an
 * answered statement publishes no event (it never reached the database). Streams (`iterator()`) pass by them.
 *
 * @example
 * // Refuse writes on a read-only replica.
 * db.intercept((statement, next) => {
 *   if (statement.alias === 'replica' && statement.access === 'write') throw new StateError(…)
 *   return next()
 * })
 *
 * @example
 * // Answer repeated SELECTs outside transactions from a map (a toy query cache).
 * const seen = new Map<string, StatementResult>()
 * db.intercept(async (s, next) => {
 *   if (s.access === 'write') { seen.clear(); return next() }
 *   if (s.transaction || s.returns !== 'rows') return next()
 *   const key = `${s.alias}\0${s.sql}\0${JSON.stringify(s.params)}`
 *   if (!seen.has(key)) seen.set(key, await next())
 *   return seen.get(key)
 * })
 */
export type Interceptor = (statement: Statement, next: () => Promise<StatementResult>) => Promise<StatementResult>

/**
 * Run `run` through `interceptors` (the first outermost). Allocates one closure per interceptor per statement;
 * the executor only calls it when at least one interceptor is installed.
 */
export function intercept(
  interceptors: readonly Interceptor[],
  statement: Statement,
  run: () => Promise<StatementResult>,
): Promise<StatementResult> {
  const at = (i: number): Promise<StatementResult> => {
    const interceptor = interceptors[i]
    if (interceptor === undefined) return run()
    let called = false
    return interceptor(statement, () => {
      if (called) return Promise.reject(new StateError('INTERCEPTOR_NEXT_TWICE', 'An interceptor called next() twice.'))
      called = true
      return at(i + 1)
    })
  }
  return at(0)
}
