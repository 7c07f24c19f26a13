// The demo's raw SQL section: the window function and the loop of QuerySets it replaces give the same rows, in one
// statement instead of one per author (on a small copy of the demo's data).
import { afterAll, beforeAll, expect, it } from 'vitest'
import { RAW_AUTHORS, rawSqlVariants } from '../../../examples/demo/raw-sql.ts'
import { schema } from '../../../examples/demo/schema.ts'
import { FULL, seed } from '../../../examples/demo/seed.ts'
import { connect, type Db } from '../../../src/index.ts'
import { captureQueries } from '../../../src/testing/index.ts'

let db: Db<typeof schema.$models>
beforeAll(async () => {
  db = await connect('sqlite::memory:', schema)
  await db.createTables()
  await seed(db, 7, { ...FULL, posts: 3_000 }, () => {})
})
afterAll(() => db.close())

it('the window function returns what the loop returns, in one statement', async () => {
  const [loop, raw] = rawSqlVariants(db)
  const loopRows = await loop!.run()
  const loopQueries = await captureQueries(db, () => loop!.run())
  const rawQueries = await captureQueries(db, () => raw!.run())
  expect(loopQueries).toHaveLength(RAW_AUTHORS)
  expect(rawQueries).toHaveLength(1)
  expect(rawQueries[0]!.sql).toMatch(/row_number\(\) over/i)
  const byId = (rows: unknown) => [...(rows as { id: number }[])].sort((a, b) => a.id - b.id)
  expect(byId(await raw!.run())).toEqual(byId(loopRows))
  expect((loopRows as unknown[]).length).toBeGreaterThan(50)
})
