import { beforeAll, expect, it } from 'vitest'
import type { BaseCache } from '../../src/cache/base-cache.ts'
import { createCache } from '../../src/cache/create-cache.ts'
import { CacheError, connect, DeferredFieldError } from '../../src/index.ts'
import { assertNumQueries } from '../../src/testing/index.ts'
import { describeEachBackend } from '../support/backends.ts'
import { blogSchema } from '../support/blog-schema.ts'
import { filePrefix, REDIS_URL, requireRedis } from '../support/caches.ts'

// Model instances through the cache API (getOrSet of a QuerySet, as in the seed's `cache.get_or_set`).
describeEachBackend('cache codec: model instances', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  let cache: BaseCache
  beforeAll(async () => {
    cache = createCache('memory://')
    db = await b.connect(blogSchema, { cache, nPlusOne: 'off' })
    const a = await db.Author.create({ name: 'Ann', email: 'ann@example.com' })
    const t = await db.Tag.create({ name: 'orm' })
    const p = await db.Post.create({ title: 'hello', body: 'long body', views: 3, author: a })
    await p.tags.add(t)
  })

  const load = () => db.Post.selectRelated('author').prefetchRelated('tags').defer('body').orderBy('id')

  it('instances come back as instances of their model, with loaded relations and deferred fields', async () => {
    const original = await load()
    await cache.set('posts', original)
    const back = (await cache.get<typeof original>('posts'))!
    expect(back).toHaveLength(1)
    const p = back[0]!
    expect(p).toBeInstanceOf(db.Post.state.model.instanceClass)
    expect(p).not.toBe(original[0])
    expect(p.createdAt).toBeInstanceOf(Date)
    expect(p.createdAt.getTime()).toBe(original[0]!.createdAt.getTime())
    // Loaded relations come back loaded: no query to read them.
    await assertNumQueries(db, 0, async () => {
      expect(p.author.name).toBe('Ann')
      expect(p.tags.map((t) => t.name)).toEqual(['orm'])
    })
    // @ts-expect-error the type knows body was deferred too
    expect(() => p.body).toThrow(DeferredFieldError)
    expect(JSON.stringify(p)).toBe(JSON.stringify(original[0]))
  })

  it('a decoded instance is attached to the database: save() and lazy loads work', async () => {
    const [p] = await db.Post.orderBy('id').limit(1)
    await cache.set('one', p)
    const back = (await cache.get<typeof p>('one'))!
    back.views = 99
    await back.save()
    expect((await db.Post.get({ id: p!.id })).views).toBe(99)
    const lazy = (await cache.get<typeof p>('one'))!
    expect((await lazy.author).name).toBe('Ann')
  })

  it('getOrSet of a QuerySet stores its rows once and serves copies', async () => {
    let runs = 0
    const get = () =>
      cache.getOrSet(
        'qs',
        () => {
          runs++
          return load()
        },
        { ttl: 60 },
      )
    const first = await get()
    const second = await assertNumQueries(db, 0, get)
    expect(runs).toBe(1)
    expect(second.map((p) => p.author.name)).toEqual(first.map((p) => p.author.name))
  })
})

it('another process (a fresh cache object) decodes instances once connect() gave it the schema', async () => {
  if (!(await requireRedis())) return
  const prefix = filePrefix()
  const file = `${(await import('node:os')).tmpdir()}/quarry-codec-${prefix}.db`
  const url = `sqlite:${file}`
  const writerCache = createCache(REDIS_URL, { prefix })
  const w = await connect(url, blogSchema, { cache: writerCache })
  await w.createTables()
  const a = await w.Author.create({ name: 'Zed' })
  await writerCache.set('author', a)
  // A cache that has never seen the model cannot rebuild the instance, and says how to fix it.
  const stranger = createCache(REDIS_URL, { prefix })
  await expect(stranger.get('author')).rejects.toThrow(CacheError)
  const readerCache = createCache(REDIS_URL, { prefix })
  const r = await connect(url, blogSchema, { cache: readerCache })
  const back = (await readerCache.get<typeof a>('author'))!
  expect(back.name).toBe('Zed')
  back.name = 'Zoe'
  await back.save() // attached to the reader's database
  expect((await w.Author.get({ id: a.id })).name).toBe('Zoe')
  for (const c of [writerCache, stranger, readerCache]) {
    await c.clear()
    await c.close()
  }
  await w.close()
  await r.close()
  const { rmSync } = await import('node:fs')
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true })
})
