import { expect } from 'vitest'
import type { Database } from '../../src/database.ts'
import type { QuerySet } from '../../src/query/query-set.ts'
import { captureQueries } from '../../src/testing/index.ts'
import type { Vendor } from './backends.ts'

/** What a statement should be on each dialect: the exact SQL (placeholders, quoting), or a pattern. */
export type SqlPerDialect = Record<Vendor, string | RegExp>

/** A query to run: a QuerySet (awaited), or a terminal call on one (`() => qs.count()`) with its database. */
export type SqlProbe = QuerySet<any, any, any, any, any> | { db: Database<any>; run: () => unknown }

/**
 * Run `query` on the real backend of the contract suite and check the one statement it sends against the SQL
 * stated for that backend's dialect. Every dialect must be stated. Returns the query's result.
 *
 * @example
 * await expectSql(db.Post.filter({ id: 1 }), {
 *   sqlite: 'SELECT … WHERE "blog_post"."id" = ? …',
 *   postgres: 'SELECT … WHERE "blog_post"."id" = $1 …',
 *   mysql: 'SELECT … WHERE `blog_post`.`id` = ? …',
 * })
 */
export async function expectSql<T = unknown>(query: SqlProbe, expected: SqlPerDialect): Promise<T> {
  const { db, run } =
    'run' in query ? query : { db: query.db as unknown as Database<any>, run: () => Promise.resolve(query) }
  let result: unknown
  const events = await captureQueries(db, async () => {
    result = await run()
  })
  const statements = events.filter((e) => e.kind !== 'transaction')
  expect(
    statements.map((e) => e.sql),
    'expectSql: one statement',
  ).toHaveLength(1)
  const { vendor, sql } = statements[0]!
  const want = expected[vendor as Vendor]
  if (want instanceof RegExp) expect(sql).toMatch(want)
  else expect(sql).toBe(want)
  return result as T
}
