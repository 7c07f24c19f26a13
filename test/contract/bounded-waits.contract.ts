// Issue 9, items 2–4: nothing waits forever. A query started outside a transaction and awaited inside one (SQLite),
// an exhausted pool (servers) and abandoned iterators each end with a clear OperationalError within a bounded time,
// and the database keeps serving other work afterwards.
import { expect, it } from 'vitest'
import { connect, OperationalError, StateError } from '../../src/index.ts'
import { describeEachBackend } from '../support/backends.ts'
import { blogSchema } from '../support/blog-schema.ts'
import { collectGarbage } from '../support/gc.ts'

const BOUND_MS = 10_000

/** Resolves with the settled outcome, or 'hung' if it did not settle within `ms`. */
async function within<T>(p: Promise<T>, ms = BOUND_MS): Promise<{ value?: T; error?: unknown } | 'hung'> {
  let timer: NodeJS.Timeout | undefined
  const hung = new Promise<'hung'>((r) => {
    timer = setTimeout(() => r('hung'), ms)
  })
  try {
    return await Promise.race([
      p.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      hung,
    ])
  } finally {
    clearTimeout(timer)
  }
}

describeEachBackend('bounded waits', (b) => {
  it('a query started outside a transaction and awaited inside one (a memoised promise) ends, never hangs', async () => {
    const db = await b.connect(blogSchema, { pool: { max: 2, acquireTimeoutMs: 1000 } })
    const a = await db.Author.create({ name: 'memo' })
    // A memoised lookup shared between requests: started by one request, awaited by another inside atomic().
    let memo: Promise<number> | undefined
    const countAuthors = () => (memo ??= new Promise((r) => setTimeout(r, 5)).then(() => db.Author.count()))
    void countAuthors().catch(() => {})
    const outcome = await within(
      db.atomic(async () => {
        await db.Post.create({ title: 'in tx', author: a })
        return countAuthors()
      }),
    )
    expect(outcome).not.toBe('hung')
    if (outcome !== 'hung' && outcome.error !== undefined) {
      // SQLite (one connection, held by the transaction): a clear error naming the cause and the fix.
      expect(outcome.error).toBeInstanceOf(OperationalError)
      expect((outcome.error as Error).message).toMatch(/transaction/)
      expect((outcome.error as Error).message).toMatch(/outside a transaction and awaited inside/)
    } else if (outcome !== 'hung') expect(outcome.value).toBe(1) // servers: ran outside, as started
    // The process keeps serving.
    expect(await db.Author.count()).toBe(1)
    expect(await db.atomic(() => db.Post.count())).toBeGreaterThanOrEqual(0)
  })

  it('an exhausted pool fails with an OperationalError naming the pool size and the holders, then recovers', async () => {
    const db = await b.connect(blogSchema, { pool: { max: 2, acquireTimeoutMs: 1000 } })
    const a = await db.Author.create({ name: 'pool' })
    for (let i = 0; i < 6; i++) await db.Post.create({ title: `p${i}`, author: a })
    // As many loops as pool.max, each opening a transaction per row: needs 2 connections per loop.
    const loop = async () => {
      for await (const p of db.Post.all().iterator({ chunkSize: 2 })) {
        await db.atomic(async () => {
          await db.Post.filter({ id: p.id }).update({ views: 1 })
        })
      }
    }
    const outcome = await within(Promise.all([loop(), loop()]))
    expect(outcome).not.toBe('hung')
    if (b.vendor === 'sqlite') {
      // One connection, shared by the loops' reads: nothing to exhaust.
      expect(outcome).toEqual({ value: [undefined, undefined] })
    } else {
      const error = (outcome as { error?: Error }).error
      expect(error).toBeInstanceOf(OperationalError)
      expect(error!.message).toContain('pool.max is 2')
      expect(error!.message).toMatch(/iterator\(\)/)
      expect(error!.message).toContain('acquireTimeoutMs')
    }
    // Everything was released: the database serves again.
    expect(await within(db.Post.count())).toEqual({ value: 6 })
    expect(await within(db.atomic(() => db.Author.count()))).toEqual({ value: 1 })
  })
})

describeEachBackend('abandoned iterators', (b) => {
  it('break and return() give the connection back at once', async () => {
    const db = await b.connect(blogSchema, { pool: { max: 1, acquireTimeoutMs: 1000 } })
    const a = await db.Author.create({ name: 'it' })
    for (let i = 0; i < 5; i++) await db.Post.create({ title: `p${i}`, author: a })
    for (let round = 0; round < 3; round++) {
      for await (const _ of db.Post.all().iterator({ chunkSize: 2 })) break
      const it = db.Post.all().iterator({ chunkSize: 2 })
      await it.next()
      await it.return(undefined)
    }
    expect(await within(db.atomic(() => db.Post.count()))).toEqual({ value: 5 })
  })

  it('iterators dropped mid-loop are released when collected, and never hang other work', async () => {
    const db = await b.connect(blogSchema, { pool: { max: 3, acquireTimeoutMs: 1000 } })
    const a = await db.Author.create({ name: 'gc' })
    for (let i = 0; i < 5; i++) await db.Post.create({ title: `p${i}`, author: a })
    const abandon = async () => {
      const it = db.Post.all().iterator({ chunkSize: 2 })
      expect((await it.next()).done).toBe(false)
    }
    for (let i = 0; i < 10; i++) {
      // Ten abandoned loops with a pool of three: later work ends (an error naming the holders, or a result) in bounded time.
      const outcome = await within(abandon())
      expect(outcome).not.toBe('hung')
      if (outcome !== 'hung' && outcome.error) expect(outcome.error).toBeInstanceOf(OperationalError)
    }
    expect(await within(db.Post.count())).not.toBe('hung')
    // Last resort: a collected iterator gives its connection back.
    for (let i = 0; i < 5; i++) {
      collectGarbage()
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(await within(db.atomic(() => db.Post.count()))).toEqual({ value: 5 })
  })

  it('db.close() ends open streams, in bounded time; their next() is a clear error', async () => {
    const url = await b.freshUrl()
    const db = await connect(url, blogSchema, { pool: { max: 2, acquireTimeoutMs: 1000 } })
    await db.createTables()
    const a = await db.Author.create({ name: 'close' })
    for (let i = 0; i < 5; i++) await db.Post.create({ title: `p${i}`, author: a })
    const open = [db.Post.all().iterator({ chunkSize: 2 }), db.Post.all().iterator({ chunkSize: 2 })]
    for (const it of open) await it.next()
    expect(await within(db.close())).toEqual({ value: undefined })
    for (const it of open) {
      // Rows already read into the current chunk may still come; then a clear error, never a silent early end.
      const drain = async () => {
        for (let i = 0; i < 10; i++) if ((await it.next()).done) return 'ended as if complete'
        return 'never ended'
      }
      const outcome = await within(drain())
      expect(outcome).not.toBe('hung')
      const err = (outcome as { error?: Error }).error
      expect(err).toBeInstanceOf(StateError)
      expect(err!.message).toMatch(/closed/)
    }
  })
})
