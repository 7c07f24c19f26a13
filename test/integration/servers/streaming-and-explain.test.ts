import { beforeAll, expect, it } from 'vitest'
import { describeEachBackend } from '../../support/backends.ts'
import { blogSchema } from '../../support/blog-schema.ts'

describeEachBackend('streaming and explain', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  beforeAll(async () => {
    db = await b.connect(blogSchema)
    const a = await db.Author.create({ name: 'S' })
    await db.atomic(async () => {
      for (let i = 0; i < 250; i++) await db.Post.create({ title: `p${i}`, views: i, author: a })
    })
  })

  it('iterator() streams every row in chunks', async () => {
    let n = 0
    let sum = 0
    for await (const p of db.Post.orderBy('views').iterator({ chunkSize: 64 })) {
      n++
      sum += p.views
    }
    expect(n).toBe(250)
    expect(sum).toBe((249 * 250) / 2)
  })

  it('iterator() inside a transaction allows queries between chunks and can stop early', async () => {
    const seen = await db.atomic(async () => {
      const titles: string[] = []
      for await (const p of db.Post.orderBy('views').iterator({ chunkSize: 10 })) {
        titles.push(p.title)
        expect(await db.Author.count()).toBe(1) // another statement on the same connection
        if (titles.length === 25) break
      }
      return titles
    })
    expect(seen).toHaveLength(25)
    // The transaction and its connection are healthy after the early exit.
    expect(await db.Post.filter({ views: { gte: 240 } }).count()).toBe(10)
  })

  it('explain() returns the plan as text, with analyze where supported', async () => {
    const qs = db.Post.filter({ views: { gt: 100 } }).orderBy('-views')
    expect(await qs.explain()).toMatch(/\S/)
    const backend = db.executor.backend('default')
    if (backend.features.supportsExplainAnalyze) expect(await qs.explain({ analyze: true })).toMatch(/\S/)
  })
})

describeEachBackend('streaming: when the server reads the next chunk', (b) => {
  // A clock read per row as the server produces it: PostgreSQL's FETCH runs the cursor's plan for that chunk's rows,
  // MySQL sends rows as its socket takes them.
  const clock = {
    postgres: 'select n, (extract(epoch from clock_timestamp()) * 1000)::float8 from generate_series(1, 30) n',
    mysql:
      'with recursive s (n) as (select 1 union all select n + 1 from s where n < 30) select n, unix_timestamp(sysdate(6)) * 1000 from s',
  } as const
  if (b.vendor === 'sqlite') return it.skip('SQLite reads in process: no server to overlap with')
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  beforeAll(async () => {
    db = await b.connect(blogSchema)
  })

  // PostgreSQL reads through a portal outside a transaction (chunk by chunk) and through DECLARE/FETCH inside one
  // (a chunk read ahead, since the server stores a FETCH's chunk before sending it).
  const ways =
    b.vendor === 'postgres'
      ? (['outside a transaction', 'inside a transaction'] as const)
      : (['outside a transaction'] as const)
  for (const way of ways)
    it(`the next chunk is read ahead or on demand as designed (${way}), and stopping early leaves the connection usable`, async () => {
      const backend = db.executor.backend('default')
      const lease = await backend.acquire()
      try {
        if (way === 'inside a transaction') await lease.conn.exec('BEGIN')
        const query = clock[b.vendor as 'postgres' | 'mysql']
        const times: number[][] = []
        for await (const chunk of lease.conn.stream!(query, [], 10)) {
          times.push(chunk.map((r) => Number(r[1])))
          await new Promise((r) => setTimeout(r, 400))
        }
        expect(times.map((t) => t.length)).toEqual([10, 10, 10])
        const gap = times[1]![0]! - times[0]![9]!
        if (b.vendor === 'postgres' && way === 'outside a transaction')
          // A portal computes the next chunk when asked, after the loop's 400 ms on this one: one chunk in memory.
          expect(gap).toBeGreaterThanOrEqual(350)
        // Read one chunk at a time, the second chunk's rows would come ≥ 400 ms after the first's.
        else expect(gap).toBeLessThan(200)
        // Stopping after the first chunk, with the next one asked for, settles it and leaves the connection usable;
        // so does stopping before the next one has arrived.
        for await (const _ of lease.conn.stream!(query, [], 10)) break
        expect(await lease.conn.rows('select 1', [])).toEqual([[1]])
        let n = 0
        for await (const chunk of lease.conn.stream!(query, [], 10)) {
          n += chunk.length
          if (n === 20) break
        }
        expect(await lease.conn.rows('select 2', [])).toEqual([[2]])
        if (way === 'inside a transaction') await lease.conn.exec('COMMIT')
      } finally {
        lease.release()
      }
    })

  it('an error in the middle of a stream rejects it and leaves the connection usable', async () => {
    const backend = db.executor.backend('default')
    const lease = await backend.acquire()
    try {
      // Row 25 fails (division by zero) after two chunks of ten arrived.
      const failing =
        b.vendor === 'postgres'
          ? 'select n, 1 / (25 - n) from generate_series(1, 30) n'
          : 'with recursive s (n) as (select 1 union all select n + 1 from s where n < 30) select n, if(n = 25, (select 1 union select 2), n) from s'
      let seen = 0
      const err = await (async () => {
        for await (const chunk of lease.conn.stream!(failing, [], 10)) seen += chunk.length
      })().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(Error)
      expect(seen).toBeLessThan(30)
      expect(await lease.conn.rows('select 3', [])).toEqual([[3]])
    } finally {
      lease.release()
    }
  })
})
