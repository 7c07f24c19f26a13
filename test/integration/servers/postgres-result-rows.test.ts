// postgres.js 3.4.9 builds each query's resolve/reject closures with `this.resolve = x => …`, which V8 allocates in the
// old generation; dead, they keep the query, its promise and its result alive through scavenges until the next full
// collection (bench/notes.md, twelfth pass). quarry takes a pool statement's rows out of postgres.js's result array
// and empties it, so the rows die young once used.
import { beforeAll, describe, expect, it } from 'vitest'
import { detach } from '../../../src/backends/postgres/postgres-driver.ts'
import { connect, sql } from '../../../src/index.ts'
import { describeEachBackend } from '../../support/backends.ts'
import { blogSchema } from '../../support/blog-schema.ts'

describe('detach', () => {
  it('hands out the same rows in a plain array and empties the driver result', () => {
    class DriverResult extends Array<unknown[]> {
      count = 3
    }
    const rows = [
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]
    const result = DriverResult.from(rows) as DriverResult
    const out = detach(result)
    expect(Object.getPrototypeOf(out)).toBe(Array.prototype)
    expect(out).toHaveLength(3)
    for (let i = 0; i < 3; i++) expect(out[i]).toBe(rows[i])
    expect(result).toHaveLength(0)
    expect(result.count).toBe(3)
    expect(detach(new DriverResult())).toEqual([])
  })
})

describeEachBackend("PostgreSQL statements' rows", (b) => {
  if (b.vendor !== 'postgres') return it.skip('PostgreSQL only')
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  beforeAll(async () => {
    db = await b.connect(blogSchema)
    const a = await db.Author.create({ name: 'A' })
    for (let i = 0; i < 3; i++) await db.Post.create({ title: `p${i}`, views: i, author: a })
  })

  it("a pool statement's rows arrive as a plain array, not postgres.js's result", async () => {
    const conn = db.executor.backend('default').idleConnection!()!
    const rows = await conn.rows('select n, n * 2 from generate_series(1, 3) n', [])
    expect(Object.getPrototypeOf(rows)).toBe(Array.prototype)
    expect(rows).toEqual([
      [1, 2],
      [2, 4],
      [3, 6],
    ])
    // And through a QuerySet, as before.
    expect((await db.Post.orderBy('views')).map((p) => p.title)).toEqual(['p0', 'p1', 'p2'])
  })

  it('a statement sent once more (after the stale FATAL of a killed connection) gets a plain array too', async () => {
    // One connection: the statement after the kill is the first on the reopened connection, which postgres.js fails
    // with the killed statement's FATAL error without sending it; quarry sends it once more (isUnsentFatal).
    const one = await b.connect(blogSchema, { pool: { max: 1 } })
    const admin = await connect(await b.freshUrl(), blogSchema)
    try {
      const [{ id }] = (await one.query<{ id: number }>(sql`SELECT pg_backend_pid() AS id`)) as [{ id: number }]
      const running = one.query(sql`SELECT pg_sleep(10)`).then(
        () => null,
        (e: unknown) => e,
      )
      await new Promise((r) => setTimeout(r, 300))
      await admin.query(sql`SELECT pg_terminate_backend(${id})`)
      expect(await running).not.toBeNull()
      const conn = one.executor.backend('default').idleConnection!()!
      const rows = await conn.rows('select n from generate_series(1, 2) n', [])
      expect(Object.getPrototypeOf(rows)).toBe(Array.prototype)
      expect(rows).toEqual([[1], [2]])
    } finally {
      await admin.close()
      await one.close()
    }
  })
})
