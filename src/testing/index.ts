import type { Database } from '../database.ts'
import type { QueryEvent } from '../diagnostics/events.ts'
import { QuarryError } from '../errors.ts'

/**
 * Every statement `db` runs while `fn` runs (transaction control included, kind `'transaction'`).
 *
 * @example
 * const queries = await captureQueries(db, () => renderPage())
 * queries.map((q) => q.sql)
 */
export async function captureQueries(db: Database<any>, fn: () => unknown): Promise<QueryEvent[]> {
  const events: QueryEvent[] = []
  const stop = db.on('query', (e) => events.push(e))
  try {
    await fn()
  } finally {
    stop()
  }
  return events
}

/** Raised by `assertNumQueries`; lists the statements that ran. */
export class QueryCountError extends QuarryError {
  readonly queries: readonly QueryEvent[]
  constructor(expected: number, queries: readonly QueryEvent[]) {
    const lines = queries.map((q, i) => `  ${i + 1}. ${q.sql}${q.callSite ? `   (${q.callSite})` : ''}`).join('\n')
    super(
      'QUERY_COUNT',
      `Expected ${expected} ${expected === 1 ? 'query' : 'queries'}, ${queries.length} ran:\n${lines}`,
    )
    this.queries = queries
  }
}

/**
 * Run `fn` and fail unless exactly `expected` statements ran (transaction control — BEGIN, COMMIT,
 * SAVEPOINT — is not counted). The failure lists the statements. Returns `fn`'s result.
 *
 * @example
 * await assertNumQueries(db, 2, () => db.Author.prefetchRelated('posts'))
 */
export async function assertNumQueries<T>(db: Database<any>, expected: number, fn: () => T | Promise<T>): Promise<T> {
  const events: QueryEvent[] = []
  const stop = db.on('query', (e) => {
    if (e.kind !== 'transaction') events.push(e)
  })
  let result: T
  try {
    result = await fn()
  } finally {
    stop()
  }
  if (events.length !== expected) throw new QueryCountError(expected, events)
  return result
}

export type { QueryEvent }
