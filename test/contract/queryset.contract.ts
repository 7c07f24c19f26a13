import { beforeAll, expect, it } from 'vitest'
import { Avg, Count, F, Max, Min, Q, Sum, sql } from '../../src/index.ts'
import { describeEachBackend } from '../support/backends.ts'
import { blogSchema } from '../support/blog-schema.ts'
import { expectSql } from '../support/expect-sql.ts'
import { collectGarbage } from '../support/gc.ts'

describeEachBackend('QuerySet core', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  const ids: Record<string, number> = {}
  const t0 = new Date('2024-01-05T10:00:00Z')
  const at = (h: number) => new Date(t0.getTime() + h * 3600_000)

  beforeAll(async () => {
    db = await b.connect(blogSchema)
    const bharat = await db.Author.create({ name: 'Bharat', email: 'bharat@example.com' })
    const ada = await db.Author.create({ name: 'Ada', email: null })
    const zed = await db.Author.create({ name: 'zed', email: 'Z@example.com' })
    ids.bharat = bharat.id
    ids.ada = ada.id
    ids.zed = zed.id
    const rows = [
      { title: 'Django ORM tips', views: 120, published: true, author: bharat, createdAt: at(1) },
      { title: 'django orm pitfalls', views: 40, published: true, author: bharat, createdAt: at(2) },
      { title: '100% coverage_guide', views: 5, published: false, author: ada, createdAt: at(3) },
      { title: 'SQL joins', views: 300, published: true, author: ada, createdAt: at(4) },
      { title: 'Drafts', views: 0, published: false, author: bharat, createdAt: at(5) },
    ]
    for (const r of rows) ids[r.title] = (await db.Post.create(r)).id
    const orm = await db.Tag.create({ name: 'orm' })
    const sqlTag = await db.Tag.create({ name: 'sql' })
    const link = async (post: string, tag: number) =>
      db.execute(sql`insert into ${sql.ident('blog_post_tags')} (post_id, tag_id) values (${ids[post]}, ${tag})`)
    await link('Django ORM tips', orm.id)
    await link('Django ORM tips', sqlTag.id)
    await link('django orm pitfalls', orm.id)
    await link('SQL joins', sqlTag.id)
  })

  const titles = (rows: { title: string }[]) => rows.map((r) => r.title).sort()
  const POST =
    '"blog_post"."id", "blog_post"."title", "blog_post"."body", "blog_post"."views", "blog_post"."published", "blog_post"."created_at", "blog_post"."author_id"'
  const POST_MY =
    '`blog_post`.`id`, `blog_post`.`title`, `blog_post`.`body`, `blog_post`.`views`, `blog_post`.`published`, `blog_post`.`created_at`, `blog_post`.`author_id`'

  it('is lazy and immutable: chaining builds new QuerySets and runs nothing', async () => {
    const events: string[] = []
    const stop = db.on('query', (e) => events.push(e.sql))
    const base = db.Post.filter({ published: true })
    const narrowed = base.filter({ views: { gte: 100 } })
    expect(events).toEqual([])
    expect(titles(await base)).toEqual(['Django ORM tips', 'SQL joins', 'django orm pitfalls'])
    expect(titles(await narrowed)).toEqual(['Django ORM tips', 'SQL joins'])
    stop()
    expect(events).toHaveLength(2)
  })

  it('exact, comparison, in, range and isnull lookups', async () => {
    expect(titles(await db.Post.filter({ views: 40 }))).toEqual(['django orm pitfalls'])
    expect(titles(await db.Post.filter({ views: { gt: 40, lte: 300 } }))).toEqual(['Django ORM tips', 'SQL joins'])
    expect(titles(await db.Post.filter({ views: { lt: 5 } }))).toEqual(['Drafts'])
    expect(titles(await db.Post.filter({ id: { in: [ids['Drafts']!, ids['SQL joins']!] } }))).toEqual([
      'Drafts',
      'SQL joins',
    ])
    expect(await db.Post.filter({ id: { in: [] } })).toEqual([])
    expect(titles(await db.Post.filter({ createdAt: { range: [at(2), at(3)] } }))).toEqual([
      '100% coverage_guide',
      'django orm pitfalls',
    ])
    expect((await db.Author.filter({ email: { isnull: true } })).map((a) => a.name)).toEqual(['Ada'])
    expect((await db.Author.filter({ email: null })).map((a) => a.name)).toEqual(['Ada'])
    expect(await db.Author.filter({ email: { isnull: false } }).count()).toBe(2)
  })

  it('case-sensitive and case-insensitive pattern lookups mean the same on every backend', async () => {
    expect(titles(await db.Post.filter({ title: { contains: 'ORM' } }))).toEqual(['Django ORM tips'])
    expect(titles(await db.Post.filter({ title: { icontains: 'orm' } }))).toEqual([
      'Django ORM tips',
      'django orm pitfalls',
    ])
    expect(titles(await db.Post.filter({ title: { startswith: 'django' } }))).toEqual(['django orm pitfalls'])
    expect(titles(await db.Post.filter({ title: { istartswith: 'django' } }))).toEqual([
      'Django ORM tips',
      'django orm pitfalls',
    ])
    expect(titles(await db.Post.filter({ title: { endswith: 'Tips' } }))).toEqual([])
    expect(titles(await db.Post.filter({ title: { iendswith: 'Tips' } }))).toEqual(['Django ORM tips'])
    expect(titles(await db.Post.filter({ title: 'sql joins' }))).toEqual([])
    expect(titles(await db.Post.filter({ title: { iexact: 'sql joins' } }))).toEqual(['SQL joins'])
    expect((await db.Author.filter({ name: { iexact: 'ZED' } })).map((a) => a.name)).toEqual(['zed'])
  })

  it('case-insensitive lookups fold non-ASCII letters too (É/é, Σ/σ), on every backend', async () => {
    await db.Tag.create({ name: 'Été à Paris' })
    await db.Tag.create({ name: 'ΣΟΦΙΑ_x' })
    const names = async (f: Record<string, unknown>) =>
      (await db.Tag.filter(f as never).valuesList('name', { flat: true })).sort()
    expect(await names({ name: { icontains: 'été' } })).toEqual(['Été à Paris'])
    expect(await names({ name: { istartswith: 'ÉTÉ À' } })).toEqual(['Été à Paris'])
    expect(await names({ name: { iendswith: 'À PARIS' } })).toEqual(['Été à Paris'])
    expect(await names({ name: { iexact: 'été à paris' } })).toEqual(['Été à Paris'])
    expect(await names({ name: { icontains: 'σοφία' } })).toEqual([]) // accents are not folded: ί ≠ Ι
    expect(await names({ name: { icontains: 'σοφια_' } })).toEqual(['ΣΟΦΙΑ_x'])
    expect(await names({ name: { icontains: 'σοφιαx' } })).toEqual([]) // '_' is literal
    expect(await names({ name: { contains: 'été' } })).toEqual([]) // case-sensitive stays so
    expect(await names({ name: { icontains: 'paris' } })).toEqual(['Été à Paris']) // ASCII pattern, native path
  })

  it('matches % and _ literally', async () => {
    expect(titles(await db.Post.filter({ title: { contains: '100%' } }))).toEqual(['100% coverage_guide'])
    expect(titles(await db.Post.filter({ title: { contains: '%' } }))).toEqual(['100% coverage_guide'])
    expect(titles(await db.Post.filter({ title: { icontains: '_' } }))).toEqual(['100% coverage_guide'])
    expect(titles(await db.Post.filter({ title: { startswith: '_' } }))).toEqual([])
    expect(titles(await db.Post.filter({ title: { contains: '*' } }))).toEqual([])
    expect(titles(await db.Post.filter({ title: { contains: '[a' } }))).toEqual([])
  })

  it('regex and iregex', async () => {
    expect(titles(await db.Post.filter({ title: { regex: '^D' } }))).toEqual(['Django ORM tips', 'Drafts'])
    expect(titles(await db.Post.filter({ title: { iregex: '^d' } }))).toEqual([
      'Django ORM tips',
      'Drafts',
      'django orm pitfalls',
    ])
    expect(titles(await db.Post.filter({ title: { regex: 'ORM|SQL' } }))).toEqual(['Django ORM tips', 'SQL joins'])
  })

  it('Q objects, exclude and F comparisons', async () => {
    const either = await db.Post.filter(Q.or({ views: { gte: 300 } }, { title: 'Drafts' }))
    expect(titles(either)).toEqual(['Drafts', 'SQL joins'])
    expect(titles(await db.Post.filter(Q.not({ published: true })))).toEqual(['100% coverage_guide', 'Drafts'])
    expect(titles(await db.Post.exclude({ published: true }))).toEqual(['100% coverage_guide', 'Drafts'])
    expect(titles(await db.Post.filter(Q.and({ published: true }, Q.or({ views: 40 }, { views: 300 }))))).toEqual([
      'SQL joins',
      'django orm pitfalls',
    ])
    // exclude on a nullable column keeps the NULL rows (SQL's NOT (x = ?) alone would drop them).
    expect((await db.Author.exclude({ email: 'bharat@example.com' })).map((a) => a.name).sort()).toEqual(['Ada', 'zed'])
    expect(titles(await db.Post.filter({ views: { gt: F('id') } }))).toEqual(
      titles((await db.Post.all()).filter((p) => p.views > p.id)),
    )
  })

  it('filters across forward relations with a join, by id or by instance', async () => {
    const bharat = await db.Author.get({ name: 'Bharat' })
    expect(titles(await db.Post.filter({ author: { name: 'Ada' } }))).toEqual(['100% coverage_guide', 'SQL joins'])
    expect(await db.Post.filter({ author: bharat.id }).count()).toBe(3)
    expect(await db.Post.filter({ author: bharat }).count()).toBe(3)
    expect(await db.Post.filter({ authorId: bharat.id }).count()).toBe(3)
    expect(await db.Post.filter({ author: { in: [ids.ada!, ids.zed!] } }).count()).toBe(2)
    expect(await db.Post.filter({ author: { name: { istartswith: 'b' }, email: { isnull: false } } }).count()).toBe(3)
  })

  it('filters through reverse and many-to-many relations with EXISTS: no duplicate rows', async () => {
    const authors = await db.Author.filter({ posts: { title: { icontains: 'orm' } } })
    expect(authors.map((a) => a.name)).toEqual(['Bharat'])
    expect((await db.Author.filter({ posts: { views: { gte: 0 } } })).map((a) => a.name).sort()).toEqual([
      'Ada',
      'Bharat',
    ])
    expect(titles(await db.Post.filter({ tags: { name: 'orm' } }))).toEqual(['Django ORM tips', 'django orm pitfalls'])
    expect(titles(await db.Post.filter({ tags: { name: 'orm' } }, { tags: { name: 'sql' } }))).toEqual([
      'Django ORM tips',
    ])
    expect(titles(await db.Post.filter(Q.and({ tags: { name: 'orm' } }, { tags: { name: 'sql' } })))).toEqual([
      'Django ORM tips',
    ])
    expect((await db.Tag.filter({ posts: { author: { name: 'Ada' } } })).map((t) => t.name)).toEqual(['sql'])
    expect((await db.Author.exclude({ posts: { published: false } })).map((a) => a.name)).toEqual(['zed'])
  })

  it('orders by fields, relations, annotations and with explicit null placement', async () => {
    expect(await db.Post.orderBy('views').valuesList('views', { flat: true })).toEqual([0, 5, 40, 120, 300])
    expect((await db.Post.all()).map((p) => p.title)[0]).toBe('Drafts') // the model's ordering: -createdAt
    const byAuthor = await db.Post.orderBy('author.name', '-views').valuesList('title', { flat: true })
    expect(byAuthor).toEqual(['SQL joins', '100% coverage_guide', 'Django ORM tips', 'django orm pitfalls', 'Drafts'])
    const first = await db.Author.orderBy(F('email').asc({ nullsFirst: true })).valuesList('name', { flat: true })
    expect(first[0]).toBe('Ada')
    const last = await db.Author.orderBy(F('email').asc({ nullsLast: true })).valuesList('name', { flat: true })
    expect(last[2]).toBe('Ada')
    const desc = await db.Author.orderBy(F('email').desc({ nullsLast: true })).valuesList('name', { flat: true })
    expect(desc[2]).toBe('Ada')
  })

  it('limit, offset, slice, first, last, reverse', async () => {
    const ordered = db.Post.orderBy('views')
    expect(await ordered.limit(2).valuesList('views', { flat: true })).toEqual([0, 5])
    expect(await ordered.offset(3).valuesList('views', { flat: true })).toEqual([120, 300])
    expect(await ordered.slice(1, 3).valuesList('views', { flat: true })).toEqual([5, 40])
    expect(await ordered.slice(1, 4).slice(1, 2).valuesList('views', { flat: true })).toEqual([40])
    expect((await ordered.first())?.views).toBe(0)
    expect((await ordered.last())?.views).toBe(300)
    expect(await ordered.reverse().valuesList('views', { flat: true })).toEqual([300, 120, 40, 5, 0])
    expect(await db.Post.filter({ views: 12345 }).first()).toBeNull()
  })

  it('get, count and exists', async () => {
    const p = await db.Post.get({ title: 'SQL joins' })
    expect(p.views).toBe(300)
    expect(await db.Post.count()).toBe(5)
    expect(await db.Post.filter({ published: true }).count()).toBe(3)
    expect(await db.Post.limit(2).count()).toBe(2)
    expect(await db.Post.exists()).toBe(true)
    expect(await db.Post.filter({ views: -1 }).exists()).toBe(false)
    expect(await db.Post.valuesList('author').distinct().count()).toBe(2)
  })

  it('values and valuesList give typed plain rows', async () => {
    const rows = await db.Post.filter({ title: 'SQL joins' }).values('id', 'title', 'author.name', 'authorId')
    expect(rows).toEqual([{ id: ids['SQL joins'], title: 'SQL joins', 'author.name': 'Ada', authorId: ids.ada }])
    const all = await db.Author.filter({ name: 'Ada' }).values()
    expect(all).toEqual([{ id: ids.ada, name: 'Ada', email: null }])
    const tuples = await db.Post.orderBy('views').valuesList('title', 'views').limit(2)
    expect(tuples).toEqual([
      ['Drafts', 0],
      ['100% coverage_guide', 5],
    ])
    const flags = await db.Post.orderBy('views').valuesList('published', { flat: true })
    expect(flags).toEqual([false, false, true, true, true])
    const dates = await db.Post.orderBy('createdAt').valuesList('createdAt', { flat: true }).limit(1)
    expect(dates[0]).toBeInstanceOf(Date)
    expect(dates[0]!.getTime()).toBe(at(1).getTime())
  })

  it('annotate and aggregate with Count, Sum, Avg, Min, Max', async () => {
    const authors = await db.Author.annotate({ postCount: Count('posts'), total: Sum('posts.views') }).orderBy('name')
    expect(authors.map((a) => [a.name, a.postCount, a.total])).toEqual([
      ['Ada', 2, 305],
      ['Bharat', 3, 160],
      ['zed', 0, null],
    ])
    const busy = await db.Author.annotate({ postCount: Count('posts') }).filter({ postCount: { gte: 3 } })
    expect(busy.map((a) => a.name)).toEqual(['Bharat'])
    const ordered = await db.Author.annotate({ n: Count('posts') })
      .orderBy('-n', 'name')
      .valuesList('name', { flat: true })
    expect(ordered).toEqual(['Bharat', 'Ada', 'zed'])
    const tagged = await db.Post.annotate({ orm: Count('tags', { distinct: true, filter: { name: 'orm' } }) })
      .orderBy('title')
      .valuesList('title', 'orm')
    expect(tagged).toEqual([
      ['100% coverage_guide', 0],
      ['Django ORM tips', 1],
      ['Drafts', 0],
      ['SQL joins', 0],
      ['django orm pitfalls', 1],
    ])
    const agg = await db.Post.aggregate({
      total: Sum('views'),
      avg: Avg('views'),
      lo: Min('views'),
      hi: Max('createdAt'),
    })
    expect(agg.total).toBe(465)
    expect(agg.avg).toBeCloseTo(93)
    expect(agg.lo).toBe(0)
    expect(agg.hi).toBeInstanceOf(Date)
    expect((agg.hi as Date).getTime()).toBe(at(5).getTime())
    expect(await db.Post.filter({ views: -1 }).aggregate({ total: Sum('views'), n: Count('id') })).toEqual({
      total: null,
      n: 0,
    })
    expect(
      await db.Post.orderBy('-views')
        .limit(2)
        .aggregate({ total: Sum('views') }),
    ).toEqual({ total: 420 })
    expect(await db.Author.aggregate({ n: Count('posts') })).toEqual({ n: 5 })
  })

  it('filters on annotations work with count, exists and aggregate; aggregates over own rows filter in HAVING', async () => {
    const busy = db.Author.annotate({ n: Count('posts') }).filter({ n: { gte: 2 } })
    expect(await busy.count()).toBe(2)
    expect(await busy.exists()).toBe(true)
    expect(await busy.filter({ n: { gte: 10 } }).exists()).toBe(false)
    expect(await busy.aggregate({ total: Sum('posts.views') })).toEqual({ total: 465 })
    const grouped = db.Post.values('author')
      .annotate({ c: Count('id') })
      .filter({ c: { gte: 3 } })
    expect(await grouped).toEqual([{ author: ids.bharat, c: 3 }])
    expect(await grouped.count()).toBe(1)
  })

  it('groups with values().annotate(), one row per value', async () => {
    const rows = await db.Post.values('author')
      .annotate({ n: Count('id'), totalViews: Sum('views') })
      .orderBy('author')
    expect(rows).toEqual([
      { author: ids.bharat, n: 3, totalViews: 160 },
      { author: ids.ada, n: 2, totalViews: 305 },
    ])
  })

  it('inBulk maps primary keys to instances', async () => {
    const map = await db.Post.inBulk([ids['Drafts']!, ids['SQL joins']!, 999_999])
    expect(map.size).toBe(2)
    expect(map.get(ids['Drafts']!)?.title).toBe('Drafts')
    expect((await db.Post.inBulk([])).size).toBe(0)
  })

  it('update with values and F expressions returns rows matched; delete cascades', async () => {
    const n = await db.Post.filter({ author: ids.ada }).update({ views: F('views').add(1) })
    expect(n).toBe(2)
    expect(await db.Post.filter({ author: ids.ada }).orderBy('views').valuesList('views', { flat: true })).toEqual([
      6, 301,
    ])
    expect(await db.Post.filter({ author: { name: 'Ada' } }).update({ views: F('views').sub(1) })).toBe(2)
    expect(await db.Post.filter({ title: 'none' }).update({ views: 1 })).toBe(0)
    const temp = await db.Author.create({ name: 'Temp' })
    await db.Post.create({ title: 't1', author: temp })
    await db.Post.create({ title: 't2', author: temp })
    expect(await db.Author.filter({ name: 'Temp' }).delete()).toBe(1)
    expect(await db.Post.filter({ title: { in: ['t1', 't2'] } }).count()).toBe(0)
    expect(await db.Post.filter({ author: { name: 'nobody' } }).delete()).toBe(0)
  })

  it('iterator streams every row in chunks', async () => {
    const seen: string[] = []
    for await (const p of db.Post.orderBy('views').iterator({ chunkSize: 2 })) seen.push(p.title)
    expect(seen).toEqual(['Drafts', '100% coverage_guide', 'django orm pitfalls', 'Django ORM tips', 'SQL joins'])
    const flat: number[] = []
    for await (const v of db.Post.orderBy('views').valuesList('views', { flat: true }).iterator({ chunkSize: 3 }))
      flat.push(v)
    expect(flat).toEqual([0, 5, 40, 120, 300])
  })

  it('iterator lets each row go once handed out, however large the chunk (unless peers need the chunk)', async () => {
    const fresh = await b.connect(blogSchema)
    const a = await fresh.Author.create({ name: 'A' })
    await fresh.Post.bulkCreate(Array.from({ length: 300 }, (_, i) => ({ title: `p${i}`, views: i, author: a })))
    const firstCollected = async (qs: ReturnType<typeof fresh.Post.all>) => {
      let first: WeakRef<object> | undefined
      let seen = 0
      let collected = false
      // One chunk holds all 300 rows. The test's own WeakRef keeps its target until the current job ends: one
      // macrotask after taking it.
      for await (const post of qs.orderBy('views').iterator({ chunkSize: 1000 })) {
        if (seen === 0) first = new WeakRef(post)
        if (seen === 1) await new Promise((resolve) => setImmediate(resolve))
        // Row 3 is still in the first batch the runner mapped: the batch must have let go of row 0 when it was
        // handed out, not when the batch (or the 1,000-row chunk) is done.
        if (seen === 3) {
          collectGarbage()
          collected = first!.deref() === undefined
        }
        seen++
      }
      expect(seen).toBe(300)
      return collected
    }
    expect(await firstCollected(fresh.Post.all())).toBe(true)
    // fetchMode('peers') maps the chunk whole (a lazy load covers it), so its rows stay until the chunk is done.
    expect(await firstCollected(fresh.Post.fetchMode('peers'))).toBe(false)
  })

  it('queries can run inside an iterator() loop (they do not wait for the stream to end)', async () => {
    const seen: string[] = []
    const work = (async () => {
      for await (const p of db.Post.orderBy('views').iterator({ chunkSize: 2 })) {
        const author = await p.author
        seen.push(`${p.title}:${author?.name}:${await db.Tag.filter({ name: 'orm' }).count()}`)
      }
    })()
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('iterator loop stalled')), 5000))
    await Promise.race([work, timeout])
    expect(seen).toEqual([
      'Drafts:Bharat:1',
      '100% coverage_guide:Ada:1',
      'django orm pitfalls:Bharat:1',
      'Django ORM tips:Bharat:1',
      'SQL joins:Ada:1',
    ])
  })

  it('for await iterates a QuerySet', async () => {
    const seen: string[] = []
    for await (const a of db.Author.orderBy('name')) seen.push(a.name)
    expect(seen).toEqual(['Ada', 'Bharat', 'zed'])
  })

  it('explain returns the plan as text: EXPLAIN per dialect, the plan naming the table and the condition', async () => {
    const plan = await expectSql<string>(
      { db, run: () => db.Post.filter({ title: 'x' }).explain() },
      {
        sqlite: `EXPLAIN QUERY PLAN SELECT ${POST} FROM "blog_post" WHERE "blog_post"."title" = ? ORDER BY "blog_post"."created_at" DESC`,
        postgres: `EXPLAIN SELECT ${POST} FROM "blog_post" WHERE "blog_post"."title" = $1 ORDER BY "blog_post"."created_at" DESC`,
        mysql: `EXPLAIN SELECT ${POST_MY} FROM \`blog_post\` WHERE \`blog_post\`.\`title\` LIKE ? COLLATE utf8mb4_bin ORDER BY \`blog_post\`.\`created_at\` DESC`,
      },
    )
    // Which access path the planner picks for five rows is its business; that it plans this query is ours.
    const expected = {
      sqlite: /^SEARCH blog_post USING INDEX blog_post_title_[0-9a-f]{8}_idx \(title=\?\)/,
      postgres: /Scan .*on blog_post[\s\S]*\(\(title\)::text = 'x'::text\)/,
      mysql: /^1 SIMPLE blog_post (ref|range|ALL) /,
    }
    expect(plan).toMatch(expected[b.vendor])
  })

  it('SQL per dialect: get() by a unique key asks for one row, by another field for up to 21', async () => {
    const one = await db.Post.get({ title: 'SQL joins' })
    // Twice each: the first builds the query, the second takes the cached shape (getCached); both must send this SQL.
    for (let i = 0; i < 2; i++) {
      const byId = await expectSql<{ title: string }>(
        { db, run: () => db.Post.get({ id: one.id }) },
        {
          sqlite: `SELECT ${POST} FROM "blog_post" WHERE "blog_post"."id" = ?`,
          postgres: `SELECT ${POST} FROM "blog_post" WHERE "blog_post"."id" = $1`,
          mysql: `SELECT ${POST_MY} FROM \`blog_post\` WHERE \`blog_post\`.\`id\` = ?`,
        },
      )
      expect(byId.title).toBe('SQL joins')
      const byTitle = await expectSql<{ id: number }>(
        { db, run: () => db.Post.get({ title: 'SQL joins' }) },
        {
          sqlite: `SELECT ${POST} FROM "blog_post" WHERE "blog_post"."title" = ? LIMIT (? + 0)`,
          postgres: `SELECT ${POST} FROM "blog_post" WHERE "blog_post"."title" = $1 LIMIT $2`,
          // MySQL compares strings case-insensitively by default: exact equality goes through a binary collation.
          mysql: `SELECT ${POST_MY} FROM \`blog_post\` WHERE \`blog_post\`.\`title\` LIKE ? COLLATE utf8mb4_bin LIMIT ?`,
        },
      )
      expect(byTitle.id).toBe(one.id)
    }
  })

  it('SQL per dialect: filters, ordering and a limit; a case-insensitive count', async () => {
    const rows = await expectSql<{ title: string }[]>(
      db.Post.filter({ published: true, views: { gte: 3 } })
        .orderBy('-createdAt')
        .limit(20),
      {
        sqlite: `SELECT ${POST} FROM "blog_post" WHERE ("blog_post"."published" = ?) AND ("blog_post"."views" >= ?) ORDER BY "blog_post"."created_at" DESC LIMIT (? + 0)`,
        postgres: `SELECT ${POST} FROM "blog_post" WHERE ("blog_post"."published" = $1) AND ("blog_post"."views" >= $2) ORDER BY "blog_post"."created_at" DESC LIMIT $3`,
        mysql: `SELECT ${POST_MY} FROM \`blog_post\` WHERE (\`blog_post\`.\`published\` = ?) AND (\`blog_post\`.\`views\` >= ?) ORDER BY \`blog_post\`.\`created_at\` DESC LIMIT ?`,
      },
    )
    expect(rows.map((r) => r.title)).toEqual(['SQL joins', 'django orm pitfalls', 'Django ORM tips'])
    const n = await expectSql<number>(
      { db, run: () => db.Author.filter({ name: { icontains: 'A' } }).count() },
      {
        // SQLite's LIKE folds ASCII only: a flag bound from the pattern picks a Unicode-aware match when needed.
        sqlite: `SELECT COUNT(*) FROM "author" WHERE (CASE WHEN ? THEN quarry_ilike(?, "author"."name") ELSE "author"."name" LIKE ? ESCAPE '\\' END)`,
        postgres: `SELECT COUNT(*) FROM "author" WHERE UPPER("author"."name") LIKE UPPER($1) ESCAPE '\\'`,
        mysql: 'SELECT COUNT(*) FROM `author` WHERE UPPER(`author`.`name`) LIKE UPPER(?) COLLATE utf8mb4_bin',
      },
    )
    expect(n).toBe(2)
    // The helper fails on other SQL, and on a dialect left unstated.
    await expect(
      expectSql(db.Author.all(), { sqlite: 'SELECT 1', postgres: 'SELECT 1', mysql: 'SELECT 1' }),
    ).rejects.toThrow()
    await expect(expectSql(db.Author.all(), {} as never)).rejects.toThrow()
  })
})
