import { beforeAll, beforeEach, expect, it } from 'vitest'
import { createCache } from '../../src/cache/create-cache.ts'
import type { MemoryCache } from '../../src/cache/memory/memory-cache.ts'
import { rawWriteTables } from '../../src/cache/query-cache.ts'
import { Count, DeferredFieldError, ImproperlyConfigured, Max, Sum, sql } from '../../src/index.ts'
import { assertNumQueries, captureQueries } from '../../src/testing/index.ts'
import { describeEachBackend } from '../support/backends.ts'
import { blogSchema } from '../support/blog-schema.ts'

describeEachBackend('query cache', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  let cache: MemoryCache
  let authorId: number
  beforeAll(async () => {
    cache = createCache('memory://?maxEntries=1000') as MemoryCache
    db = await b.connect(blogSchema, { cache, nPlusOne: 'off' })
    const a = await db.Author.create({ name: 'Ann' })
    authorId = a.id
    for (const [title, views] of [
      ['one', 10],
      ['two', 20],
    ] as const)
      await db.Post.create({ title, views, published: true, author: a })
  })
  beforeEach(() => db.queryCache!.forget())

  const titles = () =>
    db.Post.filter({ published: true })
      .orderBy('title')
      .cache({ ttl: 60 })
      .then((ps) => ps.map((p) => p.title))

  it('a cached query runs once, then answers from the cache with no statement', async () => {
    await cache.clear()
    await assertNumQueries(db, 1, titles)
    expect(await assertNumQueries(db, 0, titles)).toEqual(['one', 'two'])
  })

  it('hits come back as instances with their joined relations, prefetches and deferred fields', async () => {
    const qs = () =>
      db.Post.filter({ published: true })
        .orderBy('title')
        .selectRelated('author')
        .prefetchRelated('tags')
        .defer('body')
        .cache({ ttl: 60 })
    const first = await qs()
    const again = await assertNumQueries(db, 0, qs)
    expect(again.map((p) => [p.title, p.author.name, p.tags.length])).toEqual(
      first.map((p) => [p.title, p.author.name, p.tags.length]),
    )
    // @ts-expect-error the type knows body was deferred too
    expect(() => again[0]!.body).toThrow(DeferredFieldError)
    expect(again[0]).not.toBe(first[0])
  })

  it('every hit returns new instances: mutating one (its Date and its joined relation too) changes no later hit', async () => {
    const qs = () => db.Post.filter({ published: true }).orderBy('title').selectRelated('author').cache({ ttl: 60 })
    const first = await qs()
    const snapshot = first.map((p) => [p.title, p.createdAt.getTime(), p.author.name])
    for (const hit of [await assertNumQueries(db, 0, qs), await assertNumQueries(db, 0, qs)]) {
      expect(hit.map((p) => [p.title, p.createdAt.getTime(), p.author.name])).toEqual(snapshot)
      expect(hit[0]!.createdAt).toBeInstanceOf(Date)
      hit[0]!.title = 'changed'
      hit[0]!.createdAt.setTime(0)
      hit[0]!.author.name = 'changed'
    }
  })

  it('datetimes from a hit equal those read from the database: instances, values(), valuesList() and Max(), milliseconds kept', async () => {
    // A kept entry holds datetime cells as epoch milliseconds (each hit makes new Dates without parsing text):
    // the first hit reads them from the stored body, later ones from the decoded memo. Both equal the database's.
    const at = new Date('2026-03-04T05:06:07.089Z')
    const p = await db.Post.create({ title: 'dated', published: false, author: authorId })
    try {
      await db.Post.filter({ id: p.id }).update({ createdAt: at })
      const dated = () => db.Post.filter({ title: 'dated' })
      const run = () =>
        Promise.all([
          dated()
            .selectRelated('author')
            .cache()
            .then((ps) => ps.map((x) => x.createdAt)),
          dated().values('title', 'createdAt').cache(),
          dated().valuesList('createdAt', { flat: true }).cache(),
          dated()
            .cache()
            .aggregate({ last: Max('createdAt') }),
        ])
      const miss = await assertNumQueries(db, 4, run)
      expect(miss[0]).toEqual([at])
      expect(miss[3]).toEqual({ last: at })
      const firstHit = await assertNumQueries(db, 0, run)
      const memoHit = await assertNumQueries(db, 0, run)
      expect(firstHit).toEqual(miss)
      expect(memoHit).toEqual(miss)
      expect(memoHit[0][0]).not.toBe(firstHit[0][0])
      if (b.vendor === 'sqlite') {
        // Rows written before quarry's text form (ISO with T and Z) read the same, from the database and from a hit.
        await db.execute(sql`UPDATE blog_post SET created_at = ${'2026-03-04T05:06:07.089Z'} WHERE id = ${p.id}`)
        expect(await assertNumQueries(db, 4, run)).toEqual(miss)
        expect(await assertNumQueries(db, 0, run)).toEqual(miss)
      }
    } finally {
      await p.delete()
    }
  })

  it('a hit fetches the entry body once per process, then only its id with the generations', async () => {
    await cache.clear()
    await titles() // stores the entry
    db.queryCache!.forget() // as in another process: nothing decoded yet
    const bodies: string[] = []
    const readRaw = cache.readRaw.bind(cache)
    cache.readRaw = (key) => {
      bodies.push(key)
      return readRaw(key)
    }
    try {
      expect(await assertNumQueries(db, 0, titles)).toEqual(['one', 'two'])
      expect(bodies).toHaveLength(1)
      expect(await assertNumQueries(db, 0, titles)).toEqual(['one', 'two'])
      expect(bodies).toHaveLength(1)
    } finally {
      cache.readRaw = readRaw
    }
  })

  it('get, count, exists, aggregate and values are cached and invalidated alike', async () => {
    const run = () =>
      Promise.all([
        db.Post.cache()
          .get({ title: 'one' })
          .then((p) => p.views),
        db.Post.filter({ published: true }).cache().count(),
        db.Post.filter({ title: 'nope' }).cache().exists(),
        db.Post.cache().aggregate({ total: Sum('views'), n: Count('id') }),
        db.Post.orderBy('title').values('title', 'views').cache(),
      ])
    const before = await run()
    expect(await assertNumQueries(db, 0, run)).toEqual(before)
    await db.Post.filter({ title: 'one' }).update({ views: 11 })
    const after = await assertNumQueries(db, 5, run)
    expect(after[0]).toBe(11)
    expect(after[3]).toEqual({ total: 31, n: 2 })
    await db.Post.filter({ title: 'one' }).update({ views: 10 })
  })

  it('every write path invalidates: create, save, update, delete, raw execute', async () => {
    await titles()
    const p = await db.Post.create({ title: 'three', published: true, author: authorId })
    expect(await assertNumQueries(db, 1, titles)).toEqual(['one', 'three', 'two'])
    p.title = 'tri'
    await p.save()
    expect(await assertNumQueries(db, 1, titles)).toEqual(['one', 'tri', 'two'])
    await db.execute(sql`update blog_post set title = ${'tre'} where id = ${p.id}`)
    expect(await assertNumQueries(db, 1, titles)).toEqual(['one', 'tre', 'two'])
    await p.delete()
    expect(await assertNumQueries(db, 1, titles)).toEqual(['one', 'two'])
    await assertNumQueries(db, 0, titles)
  })

  it('bulk writes invalidate too: bulkCreate and bulkUpdate', async () => {
    await titles()
    const made = await db.Post.bulkCreate([
      { title: 'bulk-a', published: true, author: authorId },
      { title: 'bulk-b', published: true, author: authorId },
    ])
    expect(await assertNumQueries(db, 1, titles)).toEqual(['bulk-a', 'bulk-b', 'one', 'two'])
    const rows = await db.Post.filter({ title: { startswith: 'bulk-' } }).orderBy('title')
    for (const r of rows) r.title = `${r.title}!`
    await db.Post.bulkUpdate(rows, ['title'])
    expect(await assertNumQueries(db, 1, titles)).toEqual(['bulk-a!', 'bulk-b!', 'one', 'two'])
    await db.Post.filter({ title: { startswith: 'bulk-' } }).delete()
    expect(made).toHaveLength(2)
  })

  it('a write to a joined table invalidates the joined query; an unrelated table does not', async () => {
    const q = () =>
      db.Post.filter({ published: true })
        .selectRelated('author')
        .orderBy('title')
        .cache()
        .then((ps) => ps.map((p) => p.author.name))
    await q()
    await db.Tag.create({ name: 'unrelated' })
    await assertNumQueries(db, 0, q)
    await db.Author.filter({ id: authorId }).update({ name: 'Anna' })
    expect(await assertNumQueries(db, 1, q)).toEqual(['Anna', 'Anna'])
    await db.Author.filter({ id: authorId }).update({ name: 'Ann' })
  })

  it('prefetched tables count as read: a write to one re-runs that level only', async () => {
    const q = () =>
      db.Post.filter({ published: true })
        .orderBy('title')
        .prefetchRelated('tags')
        .cache()
        .then((ps) => ps.map((p) => p.tags.map((t) => t.name).join('+')))
    const [p] = await db.Post.filter({ title: 'one' })
    await q()
    await assertNumQueries(db, 0, q)
    const t = await db.Tag.create({ name: 'fresh' })
    await p!.tags.add(t)
    // The posts' entry is still current; the tags level (tag and the join table) is asked again.
    expect(await assertNumQueries(db, 1, q)).toEqual(['fresh', ''])
    await p!.tags.remove(t)
    expect(await assertNumQueries(db, 1, q)).toEqual(['', ''])
  })

  it('a rolled-back transaction invalidates nothing; reads inside a transaction bypass the cache', async () => {
    await titles()
    await expect(
      db.atomic(async () => {
        await db.Post.filter({ title: 'one' }).update({ title: 'uno' })
        // Inside the transaction the cache is bypassed: the transaction sees its own write.
        expect(await assertNumQueries(db, 1, titles)).toEqual(['two', 'uno'])
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    expect(await assertNumQueries(db, 0, titles)).toEqual(['one', 'two'])
  })

  it('a committed transaction invalidates right after commit, not before', async () => {
    await titles()
    await db.atomic(async () => {
      await db.Post.filter({ title: 'one' }).update({ title: 'uno' })
      // Still inside: the generation is unchanged, so other readers would keep the committed data's entry.
      const gen = await db.queryCache!.generations.read([db.Post.state.model.table])
      const genAgain = await db.queryCache!.generations.read([db.Post.state.model.table])
      expect(gen).toEqual(genAgain)
    })
    expect(await assertNumQueries(db, 1, titles)).toEqual(['two', 'uno'])
    await db.Post.filter({ title: 'uno' }).update({ title: 'one' })
  })

  it('a savepoint rolled back inside a committed transaction does not lose the outer invalidation', async () => {
    await titles()
    await db.atomic(async () => {
      await db.Post.filter({ title: 'one' }).update({ title: 'uno' })
      await db
        .atomic(async () => {
          await db.Post.filter({ title: 'two' }).update({ title: 'dos' })
          throw new Error('inner')
        })
        .catch(() => {})
    })
    expect(await assertNumQueries(db, 1, titles)).toEqual(['two', 'uno'])
    await db.Post.filter({ title: 'uno' }).update({ title: 'one' })
  })

  it('a transaction bumps each written table once, after commit; a rolled-back savepoint drops its own', async () => {
    await titles()
    const bumped: string[] = []
    const incr = cache.incrRaw.bind(cache)
    cache.incrRaw = (key, delta) => {
      bumped.push(key.slice(key.lastIndexOf(':') + 1))
      return incr(key, delta)
    }
    try {
      await db.atomic(async () => {
        for (const views of [11, 12, 13]) await db.Post.filter({ title: 'one' }).update({ views })
        await db.Post.filter({ title: 'two' }).update({ views: 21 })
        await db
          .atomic(async () => {
            await db.Tag.create({ name: 'rolled-back' })
            throw new Error('inner')
          })
          .catch(() => {})
        await db.Author.filter({ id: authorId }).update({ name: 'Ann' })
        expect(bumped).toEqual([]) // nothing before commit
      })
      // Post updates reach the post's M2M table (ON DELETE); the author update reaches posts, that table and
      // profiles. Each once, in one batch after commit; the rolled-back tag insert bumps nothing.
      const post = db.Post.state.model.table
      const tables = [db.Author.state.model.table, post, `${post}_tags`, db.Profile.state.model.table]
      expect(bumped.sort()).toEqual(tables.sort())
      expect(await assertNumQueries(db, 1, titles)).toEqual(['one', 'two'])
    } finally {
      cache.incrRaw = incr
      await db.Post.filter({ title: 'one' }).update({ views: 10 })
      await db.Post.filter({ title: 'two' }).update({ views: 20 })
    }
  })

  it('a query racing a write never leaves a stale entry (forced interleaving)', async () => {
    await cache.clear()
    // An inner interceptor holds the reader after the database answered (with the old rows) and before the
    // cache stores them; the writer commits and invalidates in that gap.
    let hold: Promise<void> | undefined
    let arrived!: () => void
    const reached = new Promise<void>((r) => {
      arrived = r
    })
    const stop = db.intercept(async (stmt, next) => {
      const r = await next()
      if (hold && stmt.kind === 'select') {
        arrived()
        await hold
      }
      return r
    })
    let release!: () => void
    hold = new Promise((r) => {
      release = r
    })
    const reader = titles()
    await reached
    await db.Post.filter({ title: 'one' }).update({ title: 'eins' })
    hold = undefined
    release()
    expect(await reader).toEqual(['one', 'two']) // what the database said when it was asked
    // The entry the reader stored carries the generation from before the write: it is never served.
    expect(await assertNumQueries(db, 1, titles)).toEqual(['eins', 'two'])
    expect(await assertNumQueries(db, 0, titles)).toEqual(['eins', 'two'])
    stop()
    await db.Post.filter({ title: 'eins' }).update({ title: 'one' })
  })

  it('deleting a row invalidates the tables its ON DELETE reaches', async () => {
    const other = await db.Author.create({ name: 'Gone' })
    await db.Post.create({ title: 'orphan', published: true, author: other })
    expect(await titles()).toContain('orphan')
    await other.delete()
    expect(await assertNumQueries(db, 1, titles)).toEqual(['one', 'two'])
  })

  it('.cache() without a cache is a configuration error; ttl 0 never stores', async () => {
    const plain = await b.connect(blogSchema)
    expect(() => plain.Post.cache()).toThrow(ImproperlyConfigured)
    const q = () => db.Post.filter({ title: 'one' }).cache({ ttl: 0 })
    await q()
    await assertNumQueries(db, 1, q)
  })

  it('query events show only the statements that ran', async () => {
    await cache.clear()
    const events = await captureQueries(db, async () => {
      await titles()
      await titles()
    })
    expect(events.filter((e) => e.kind === 'select')).toHaveLength(1)
  })
})

it('raw statements name the tables they write', () => {
  expect(rawWriteTables('select * from blog_post')).toBeNull()
  expect(rawWriteTables('  UPDATE "blog_post" SET views = 0')).toEqual(['blog_post'])
  expect(rawWriteTables('insert into `app`.`author` (name) values (?)')).toEqual(['author'])
  expect(rawWriteTables('delete from blog_post where id in (select id from author)')).toEqual(['blog_post'])
  expect(rawWriteTables('with x as (select 1) select * from x')).toBeNull()
  expect(rawWriteTables('with x as (delete from tag returning id) select * from x')).toEqual(['tag'])
  expect(rawWriteTables('vacuum')).toEqual([])
})
