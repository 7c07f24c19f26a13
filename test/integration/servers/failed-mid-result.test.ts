// A statement that fails after the server has sent some of its rows (a row's expression failing here; a statement
// timeout or a cancel in production) must leave its connection's next results intact. postgres.js 3.4.9 does not
// reset its row counter then, and the next statement resolved with leading holes (porsager/postgres#1119, #1181).
import { beforeAll, expect, it } from 'vitest'
import { DatabaseError, DataError, sql } from '../../../src/index.ts'
import { describeEachBackend } from '../../support/backends.ts'
import { blogSchema } from '../../support/blog-schema.ts'

describeEachBackend('a statement failing mid-result', (b) => {
  if (b.vendor === 'sqlite') return it.skip('SQLite has no wire protocol state to keep')
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  // One connection, so every statement below runs on the one that saw the failure.
  beforeAll(async () => {
    db = await b.connect(blogSchema, { pool: { max: 1 } })
    const a = await db.Author.create({ name: 'A' })
    for (let i = 0; i < 3; i++) await db.Post.create({ title: `p${i}`, views: i, author: a })
  })
  const failing =
    b.vendor === 'postgres'
      ? sql`select n, 1 / (25 - n) as x from generate_series(1, 30) n`
      : sql`with recursive s (n) as (select 1 union all select n + 1 from s where n < 30) select n, if(n = 25, (select 1 union select 2), n) as x from s`

  // PostgreSQL's division by zero is a DataError (SQLSTATE 22012); MariaDB's error 1242 has no narrower class.
  const failure = b.vendor === 'postgres' ? DataError : DatabaseError

  it('the next raw query, QuerySet and stream on that connection get exactly their rows', async () => {
    await expect(db.query(failing)).rejects.toBeInstanceOf(failure)
    expect(await db.query<{ one: number }>(sql`select 1 as one`)).toEqual([{ one: 1 }])

    await expect(db.query(failing)).rejects.toBeInstanceOf(failure)
    const posts = await db.Post.orderBy('views')
    expect(posts.map((p) => p.title)).toEqual(['p0', 'p1', 'p2'])

    await expect(db.query(failing)).rejects.toBeInstanceOf(failure)
    const streamed: string[] = []
    for await (const p of db.Post.orderBy('views').iterator({ chunkSize: 2 })) streamed.push(p.title)
    expect(streamed).toEqual(['p0', 'p1', 'p2'])

    // A stream stopped early, then a query.
    for await (const _ of db.Post.orderBy('views').iterator({ chunkSize: 1 })) break
    expect((await db.Post.orderBy('-views').first())?.title).toBe('p2')
  })
})
