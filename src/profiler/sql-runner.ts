import type { ProfiledDatabase } from './profiled-database.ts'

/** What the profiler and the advisor need from a database: run a statement text with values, on one alias. */
export interface SqlRunner {
  readonly vendor: string
  readonly alias: string
  /** Whether `CREATE INDEX … WHERE` exists on this database. */
  readonly supportsPartialIndexes: boolean
  rows(sql: string, params?: readonly unknown[]): Promise<unknown[][]>
  objects(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>
  exec(sql: string): Promise<void>
  /** Run `fn` on one connection in a transaction that is always rolled back (trial indexes, SET LOCAL). */
  rolledBack<T>(fn: () => Promise<T>): Promise<T>
}

/** Thrown inside `rolledBack` to undo the transaction and hand the result out. */
class Rollback {
  readonly value: unknown
  constructor(value: unknown) {
    this.value = value
  }
}

/**
 * A runner on `db`'s `alias`. Statements go through the executor, so they are timed and published like any
 * other (the profiler runs them outside any request, so they are not attributed to one).
 */
export function sqlRunner(db: ProfiledDatabase, alias = 'default'): SqlRunner {
  const executor = db.executor
  const backend = executor.backend(alias)
  return {
    vendor: backend.vendor,
    alias,
    supportsPartialIndexes: backend.features.supportsPartialIndexes,
    rows(sql, params = []) {
      const bind = params.map((_, i) => ({ i, el: -1, conv: null }))
      return executor.rows(alias, { sql, bind, tables: [] }, params, { kind: 'raw' })
    },
    objects(sql, params = []) {
      const bind = params.map((_, i) => ({ i, el: -1, conv: null }))
      return executor.objects(alias, { sql, bind, tables: [] }, params, { kind: 'raw' })
    },
    exec(sql) {
      return executor.exec(alias, sql, 'raw')
    },
    async rolledBack<T>(fn: () => Promise<T>): Promise<T> {
      try {
        await db.atomic(
          async () => {
            throw new Rollback(await fn())
          },
          { using: alias },
        )
      } catch (e) {
        if (e instanceof Rollback) return e.value as T
        throw e
      }
      /* c8 ignore next */
      return undefined as T
    },
  }
}
