// The seed's N+1 example (django-performance-tips.md) with exact query counts: the naive loop, selectRelated,
// prefetchRelated, fetch modes, prefetchRelatedObjects, and the N+1 detector's reports.
import diagnostics from 'node:diagnostics_channel'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { connect, type Db, LazyLoadError, Prefetch, prefetchRelatedObjects } from '../../src/index.ts'
import { assertNumQueries, captureQueries } from '../../src/testing/index.ts'
import { describeEachBackend } from '../support/backends.ts'
import { blogSchema } from '../support/blog-schema.ts'
import { expectSql } from '../support/expect-sql.ts'

type Blog = typeof blogSchema.$models

describeEachBackend('loading related objects (the N+1 story)', (b) => {
  let url: string
  let db: Db<Blog>
  const extra: Db<Blog>[] = []
  /** Another connection to the same database, with other loading options. */
  const open = async (options: Parameters<typeof connect>[2]) => {
    const other = await connect(url, blogSchema, options)
    extra.push(other)
    return other
  }
  const POSTS = 12
  const t0 = Date.UTC(2024, 0, 5)

  beforeAll(async () => {
    url = await b.freshUrl()
    db = await connect(url, blogSchema, { nPlusOne: 'off' })
    extra.push(db)
    await db.createTables()
    const tags = [await db.Tag.create({ name: 'orm' }), await db.Tag.create({ name: 'sql' })]
    for (const name of ['Bharat', 'Ada', 'Grace']) {
      const author = await db.Author.create({ name, email: `${name.toLowerCase()}@example.com` })
      if (name !== 'Grace') await db.Profile.create({ user: author, bio: `${name} writes` })
      for (let i = 0; i < POSTS / 3; i++) {
        const post = await db.Post.create({ title: `${name} ${i}`, author, createdAt: new Date(t0 + i * 60_000) })
        await post.tags.add(...tags.slice(0, 1 + (i % 2)))
      }
    }
  })
  afterAll(async () => {
    for (const d of extra.reverse()) await d.close()
  })

  it('naive loop: 1 + N queries', async () => {
    await assertNumQueries(db, 1 + POSTS, async () => {
      for (const post of await db.Post.all()) expect((await post.author).name).toBeTypeOf('string')
    })
  })

  it('selectRelated: 1 query with a JOIN', async () => {
    const cols = (q: (s: string) => string) =>
      [
        ...['id', 'title', 'body', 'views', 'published', 'created_at', 'author_id'].map(
          (c) => `${q('blog_post')}.${q(c)}`,
        ),
        ...['id', 'name', 'email'].map((c) => `${q('author')}.${q(c)}`),
      ].join(', ')
    const dq = (s: string) => `"${s}"`
    const bq = (s: string) => `\`${s}\``
    const posts = await expectSql<Awaited<ReturnType<typeof db.Post.selectRelated<'author'>>>>(
      db.Post.selectRelated('author'),
      {
        sqlite: `SELECT ${cols(dq)} FROM "blog_post" INNER JOIN "author" ON "blog_post"."author_id" = "author"."id" ORDER BY "blog_post"."created_at" DESC`,
        postgres: `SELECT ${cols(dq)} FROM "blog_post" INNER JOIN "author" ON "blog_post"."author_id" = "author"."id" ORDER BY "blog_post"."created_at" DESC`,
        mysql: `SELECT ${cols(bq)} FROM \`blog_post\` INNER JOIN \`author\` ON \`blog_post\`.\`author_id\` = \`author\`.\`id\` ORDER BY \`blog_post\`.\`created_at\` DESC`,
      },
    )
    expect(posts).toHaveLength(POSTS)
    await assertNumQueries(db, 0, () => {
      for (const post of posts) expect(post.author.name).toBeTypeOf('string')
    })
  })

  it("prefetchRelated('posts'): 2 queries", async () => {
    const titles = await assertNumQueries(db, 2, async () => {
      const out: string[] = []
      for (const author of await db.Author.prefetchRelated('posts'))
        for (const post of author.posts) out.push(post.title)
      return out
    })
    expect(titles).toHaveLength(POSTS)
  })

  it('a two-level prefetch: 3 queries, and each post already knows its author', async () => {
    await assertNumQueries(db, 3, async () => {
      const authors = await db.Author.prefetchRelated('posts.tags').orderBy('name')
      expect(authors.map((a) => a.posts.length)).toEqual([4, 4, 4])
      const ada = authors[0]!
      expect(ada.posts.map((p) => p.tags.map((t) => t.name).sort())).toEqual([
        ['orm', 'sql'],
        ['orm'],
        ['orm', 'sql'],
        ['orm'],
      ])
      // The reverse foreign key fills in the forward side: no query for post.author.
      expect((ada.posts[0]!.author as unknown as { name: string }).name).toBe('Ada')
    })
  })

  it("fetchMode('peers'): 2 queries instead of 1 + N", async () => {
    await assertNumQueries(db, 2, async () => {
      for (const post of await db.Post.fetchMode('peers')) expect((await post.author).name).toBeTypeOf('string')
    })
  })

  it("fetchMode('peers') in iterator(): a lazy load covers chunkSize rows, however the driver batches them", async () => {
    const other = await connect(await b.freshUrl(), blogSchema, { nPlusOne: 'off' })
    extra.push(other)
    await other.createTables()
    const created = await Promise.all(
      [0, 1, 2].map((i) => other.Author.create({ name: `A${i}`, email: `a${i}@example.com` })),
    )
    created.sort((x, y) => x.id - y.id)
    await other.Post.bulkCreate(
      Array.from({ length: 150 }, (_, i) => ({ title: `p${i}`, author: created[i % 3]!, createdAt: new Date(t0 + i) })),
    )
    // Results of 100 rows (SQLite's drivers hand rows over 64 at a time): the stream, then one author load per result.
    let seen = 0
    await assertNumQueries(other, 3, async () => {
      for await (const post of other.Post.orderBy('id').fetchMode('peers').iterator({ chunkSize: 100 })) {
        expect((await post.author).name).toBe(created[seen % 3]!.name)
        seen++
      }
    })
    expect(seen).toBe(150)
  })

  it("fetchMode('peers') goes through nested levels and to-many relations", async () => {
    await assertNumQueries(db, 3, async () => {
      for (const post of await db.Post.fetchMode('peers')) {
        const author = await post.author
        expect(author).not.toBeNull()
        await author!.profile
      }
    })
    await assertNumQueries(db, 3, async () => {
      for (const author of await db.Author.fetchMode('peers'))
        for (const post of await author.posts) expect((await post.tags).length).toBeGreaterThan(0)
    })
  })

  it('prefetchRelatedObjects: 1 query for instances already in hand', async () => {
    const posts = await db.Post.all()
    await assertNumQueries(db, 1, () => prefetchRelatedObjects(posts, 'author'))
    await assertNumQueries(db, 0, async () => {
      for (const post of posts) expect((post.author as unknown as { name: string }).name).toBeTypeOf('string')
    })
  })

  it('Prefetch with its own QuerySet, stored under another name', async () => {
    const authors = await assertNumQueries(db, 2, () =>
      db.Author.prefetchRelated(
        Prefetch('posts', db.Post.filter({ title: { endswith: '1' } }).orderBy('title'), { to: 'firstPosts' }),
      ).orderBy('name'),
    )
    expect(authors.map((a) => a.firstPosts.map((p) => p.title))).toEqual([['Ada 1'], ['Bharat 1'], ['Grace 1']])
    // The relation itself was not loaded: it is still a manager.
    expect(await authors[0]!.posts.count()).toBe(4)
  })

  it("fetchMode('raise'): a lazy load throws a LazyLoadError naming the relation and the fix", async () => {
    const posts = await db.Post.fetchMode('raise')
    expect(posts[0]!.author.id).toBe(posts[0]!.authorId) // the id needs no query
    const err = await Promise.resolve(posts[0]!.author).catch((e) => e)
    expect(err).toBeInstanceOf(LazyLoadError)
    expect(err.message).toContain('Post.author is not loaded')
    expect(err.message).toContain(".selectRelated('author')")
    const authors = await db.Author.fetchMode('raise')
    await expect(Promise.resolve(authors[0]!.posts)).rejects.toThrow(".prefetchRelated('posts')")
    // Loaded relations read normally.
    const ok = await db.Post.selectRelated('author').fetchMode('raise')
    expect(ok[0]!.author.name).toBeTypeOf('string')
  })

  it('connect({ fetchMode }) sets the default of every QuerySet', async () => {
    const peers = await open({ fetchMode: 'peers', nPlusOne: 'off' })
    await assertNumQueries(peers, 2, async () => {
      for (const post of await peers.Post.all()) await post.author
    })
    const raising = await open({ fetchMode: 'raise' })
    const [post] = await raising.Post.all()
    await expect(Promise.resolve(post!.author)).rejects.toBeInstanceOf(LazyLoadError)
    await assertNumQueries(raising, 2, async () => {
      for (const p of await raising.Post.fetchMode('one').limit(1)) await p.author
    })
  })

  describe('the N+1 detector', () => {
    const reports: { message: string; relation: string; callSite?: string }[] = []
    const listen = (m: unknown) => {
      if ((m as { kind?: string }).kind === 'nPlusOne') reports.push(m as never)
    }
    beforeAll(() => diagnostics.subscribe('quarry:diagnostic', listen))
    afterAll(() => diagnostics.unsubscribe('quarry:diagnostic', listen))
    afterEach(() => {
      reports.length = 0
      vi.restoreAllMocks()
    })

    it("'raise': the second lazy load of one result throws, before its query runs", async () => {
      const strict = await open({ nPlusOne: 'raise' })
      const queries = await captureQueries(strict, async () => {
        const err = await (async () => {
          for (const post of await strict.Post.all()) await post.author
        })().catch((e) => e)
        expect(err).toBeInstanceOf(LazyLoadError)
        expect(err.message).toMatch(
          /^N\+1 query: Post\.author loaded lazily for 2\+ posts of one result at test\/contract\/loading\.contract\.ts:\d+\. Add \.selectRelated\('author'\) to the query at test\/contract\/loading\.contract\.ts:\d+, or use fetchMode\('peers'\)\.$/,
        )
      })
      expect(queries).toHaveLength(2) // the posts, one author; the second author query never ran
      expect(reports).toHaveLength(1)
      expect(reports[0]!.relation).toBe('author')
    })

    it('to-many relations are fixed with prefetchRelated; nested ones name the whole path', async () => {
      const strict = await open({ nPlusOne: 'raise' })
      const loop = async () => {
        for (const author of await strict.Author.all()) await author.posts
      }
      await expect(loop()).rejects.toThrow(
        /Author\.posts loaded lazily for 2\+ authors .* Add \.prefetchRelated\('posts'\)/,
      )
      const nested = async () => {
        for (const author of await strict.Author.prefetchRelated('posts'))
          for (const post of author.posts) await post.tags
      }
      await expect(nested()).rejects.toThrow(/Post\.tags loaded lazily .* Add \.prefetchRelated\('posts\.tags'\)/)
    })

    it("'warn' warns once per line of code and publishes every report", async () => {
      const warned = await open({})
      const emit = vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
      for (let round = 0; round < 2; round++)
        for (const post of await warned.Post.all()) expect((await post.author).name).toBeTypeOf('string')
      expect(emit).toHaveBeenCalledTimes(1)
      expect(String(emit.mock.calls[0]![0])).toMatch(/^N\+1 query: Post\.author loaded lazily for 2\+ posts/)
      expect(reports).toHaveLength(2) // one per result
      expect(reports[0]!.callSite).toMatch(/^test\/contract\/loading\.contract\.ts:\d+$/)
    })

    it("'warn' with no one on the diagnostics channel still warns once, with the query's line", async () => {
      const warned = await open({})
      const emit = vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
      diagnostics.unsubscribe('quarry:diagnostic', listen)
      try {
        for (let round = 0; round < 3; round++)
          for (const post of await warned.Post.all()) expect((await post.author).name).toBeTypeOf('string')
      } finally {
        diagnostics.subscribe('quarry:diagnostic', listen)
      }
      expect(emit).toHaveBeenCalledTimes(1)
      expect(String(emit.mock.calls[0]![0])).toMatch(
        /^N\+1 query: Post\.author loaded lazily for 2\+ posts of one result at test\/contract\/loading\.contract\.ts:\d+\. Add \.selectRelated\('author'\) to the query at test\/contract\/loading\.contract\.ts:\d+, or use fetchMode\('peers'\)\.$/,
      )
      expect(reports).toHaveLength(0)
    })

    it('names the line of the load, not of an earlier access in the loop that loads nothing', async () => {
      const warned = await open({})
      vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
      const lineOf = (e: Error) => Number(/:(\d+):\d+\)?$/m.exec(e.stack!.split('\n')[1]!)![1])
      let loadLine = 0
      for (let round = 0; round < 2; round++)
        for (const post of await warned.Post.orderBy('id')) {
          expect(post.author.id).toBe(post.authorId)
          loadLine = lineOf(new Error()) + 1
          expect((await post.author).id).toBe(post.authorId)
        }
      expect(reports.map((r) => r.callSite)).toEqual([0, 1].map(() => `test/contract/loading.contract.ts:${loadLine}`))
    })

    it('instances from get() and first() are exempt, and so is a loop over a one-row result', async () => {
      const strict = await open({ nPlusOne: 'raise' })
      const ids = await strict.Post.valuesList('id', { flat: true })
      for (const id of ids) await (await strict.Post.get({ id })).author
      for (const id of ids.slice(0, 3)) await (await strict.Post.filter({ id }).first())!.author
      for (const id of ids.slice(0, 3)) for (const p of await strict.Post.filter({ id })) await p.author
      expect(reports).toHaveLength(0)
    })

    it('relations on the allowlist are not reported', async () => {
      const allowing = await open({ nPlusOne: 'raise', nPlusOneAllow: ['Post.author'] })
      await assertNumQueries(allowing, 1 + POSTS, async () => {
        for (const post of await allowing.Post.all()) await post.author
      })
      expect(reports).toHaveLength(0)
    })

    it('only counts: each lazy load runs the statement it runs with the detector off (the get() path)', async () => {
      const warned = await open({})
      vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
      const naive = async (d: Db<Blog>) => {
        for (const post of await d.Post.orderBy('id')) expect((await post.author).name).toBeTypeOf('string')
        for (const author of await d.Author.orderBy('id')) await author.profile
      }
      const on = await captureQueries(warned, () => naive(warned))
      const off = await captureQueries(db, () => naive(db))
      expect(on).toHaveLength(1 + POSTS + 1 + 3)
      expect(on.map((q) => q.sql)).toEqual(off.map((q) => q.sql))
      expect(new Set(on.slice(1, 1 + POSTS).map((q) => q.sql)).size).toBe(1)
      expect(on[1]!.sql).not.toMatch(/ IN \(/)
      expect(reports.map((r) => r.relation)).toEqual(['author', 'profile'])
    })

    it('a relation reached through selectRelated is reported with its whole path', async () => {
      const strict = await open({ nPlusOne: 'raise' })
      const loop = async () => {
        for (const post of await strict.Post.selectRelated('author')) await post.author.profile
      }
      await expect(loop()).rejects.toThrow(
        /Author\.profile loaded lazily .* Add \.prefetchRelated\('author\.profile'\)/,
      )
    })

    it("'off' and the fixed versions report nothing", async () => {
      const strict = await open({ nPlusOne: 'raise' })
      for (const post of await strict.Post.selectRelated('author')) expect(post.author.name).toBeTypeOf('string')
      for (const post of await strict.Post.fetchMode('peers')) await post.author
      for (const a of await strict.Author.prefetchRelated('posts')) expect(a.posts.length).toBe(4)
      for (const post of await db.Post.all()) await post.author // db has nPlusOne: 'off'
      expect(reports).toHaveLength(0)
    })
  })
})
