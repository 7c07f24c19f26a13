import { afterEach, beforeAll, expect, it } from 'vitest'
import { IntegrityError, StateError, type Statement, type StatementResult, sql } from '../../src/index.ts'
import { assertNumQueries, captureQueries } from '../../src/testing/index.ts'
import { describeEachBackend } from '../support/backends.ts'
import { blogSchema } from '../support/blog-schema.ts'

describeEachBackend('engine interceptors', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  let authorId: number
  const removers: (() => void)[] = []
  /** Install an interceptor for this test only. */
  const use = (i: Parameters<typeof db.intercept>[0]) => removers.push(db.intercept(i))

  beforeAll(async () => {
    db = await b.connect(blogSchema)
    const a = await db.Author.create({ name: 'A', email: 'a@example.com' })
    authorId = a.id
    await db.Post.create({ title: 'one', author: a, views: 5 })
  })
  afterEach(() => {
    for (const r of removers.splice(0)) r()
  })

  it('sees the compiled SELECT: SQL, values, tables, kind, read access, shape key, no transaction', async () => {
    const seen: Statement[] = []
    use((s, next) => {
      seen.push(s)
      return next()
    })
    const rows = await db.Post.filter({ views: { gte: 3 } }).values('title')
    expect(rows).toEqual([{ title: 'one' }])
    expect(seen).toHaveLength(1)
    const s = seen[0]!
    expect(s.sql).toBe(
      {
        sqlite:
          'SELECT "blog_post"."title" FROM "blog_post" WHERE "blog_post"."views" >= ? ORDER BY "blog_post"."created_at" DESC',
        postgres:
          'SELECT "blog_post"."title" FROM "blog_post" WHERE "blog_post"."views" >= $1 ORDER BY "blog_post"."created_at" DESC',
        mysql:
          'SELECT `blog_post`.`title` FROM `blog_post` WHERE `blog_post`.`views` >= ? ORDER BY `blog_post`.`created_at` DESC',
      }[b.vendor],
    )
    expect(s.params).toEqual([3])
    expect(s.tables).toEqual(['blog_post'])
    expect(s).toMatchObject({ kind: 'select', access: 'read', returns: 'rows', model: 'Post', alias: 'default' })
    expect(s.vendor).toBe(b.vendor)
    expect(typeof s.shapeKey).toBe('string')
    expect(s.transaction).toBeUndefined()
  })

  it('sees writes with their tables, and the transaction they run in', async () => {
    const seen: Statement[] = []
    use((s, next) => {
      seen.push(s)
      return next()
    })
    await db.atomic(async () => {
      await db.Post.filter({ title: 'nothing' }).update({ views: 1 })
    })
    const kinds = seen.map((s) => `${s.kind}:${s.access}`)
    expect(kinds).toEqual(['transaction:write', 'update:write', 'transaction:write'])
    const update = seen[1]!
    expect(update.tables).toEqual(['blog_post'])
    expect(update.returns).toBe('write')
    expect(update.transaction?.alias).toBe('default')
    expect(seen[0]!.sql).toBe({ sqlite: 'BEGIN IMMEDIATE', postgres: 'BEGIN', mysql: 'START TRANSACTION' }[b.vendor])
    expect(seen[2]!.sql).toBe('COMMIT')
  })

  it('may answer a statement itself: no database round trip, no query event', async () => {
    use(async (s, next) => (s.kind === 'select' && s.sql.includes('COUNT(*)') ? [[42]] : next()))
    const events = await captureQueries(db, async () => {
      expect(await db.Post.count()).toBe(42)
    })
    expect(events).toEqual([])
    await assertNumQueries(db, 1, () => db.Post.exists())
  })

  it('an answer is mapped like database rows (instances with their fields)', async () => {
    use(async (s, next) => {
      if (s.kind !== 'select' || s.model !== 'Author') return next()
      const rows = (await next()) as unknown[][]
      return rows.map((r) => r.map((v) => (v === 'A' ? 'From the interceptor' : v)))
    })
    const author = await db.Author.get({ id: authorId })
    expect(author.name).toBe('From the interceptor')
  })

  it('runs interceptors in the order added, the first outermost, and removes them', async () => {
    const order: string[] = []
    const tag =
      (name: string) =>
      async (_s: Statement, next: () => Promise<StatementResult>): Promise<StatementResult> => {
        order.push(`${name}>`)
        const r = await next()
        order.push(`<${name}`)
        return r
      }
    const stopOuter = db.intercept(tag('outer'))
    use(tag('inner'))
    await db.Author.count()
    expect(order).toEqual(['outer>', 'inner>', '<inner', '<outer'])
    stopOuter()
    order.length = 0
    await db.Author.count()
    expect(order).toEqual(['inner>', '<inner'])
  })

  it('sees database errors, translated, through next()', async () => {
    const errors: unknown[] = []
    use(async (_s, next) => {
      try {
        return await next()
      } catch (e) {
        errors.push(e)
        throw e
      }
    })
    await expect(db.Author.create({ name: 'B', email: 'a@example.com' })).rejects.toBeInstanceOf(IntegrityError)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(IntegrityError)
  })

  it('transaction.onCommit runs after the outermost commit, and never after a rollback', async () => {
    const committed: string[] = []
    use((s, next) => {
      if (s.kind === 'update') s.transaction?.onCommit(() => committed.push(s.sql.slice(0, 6)))
      return next()
    })
    await db.atomic(() => db.Post.filter({ title: 'nothing' }).update({ views: 2 }))
    expect(committed).toEqual(['UPDATE'])
    await db
      .atomic(async () => {
        await db.Post.filter({ title: 'nothing' }).update({ views: 3 })
        throw new Error('roll back')
      })
      .catch(() => {})
    expect(committed).toEqual(['UPDATE'])
  })

  it('raw SQL is a write of unknown tables that returns objects', async () => {
    const seen: Statement[] = []
    use((s, next) => {
      seen.push(s)
      return next()
    })
    const rows = await db.query<{ n: number }>(sql`select ${7} as n`)
    expect(Number(rows[0]!.n)).toBe(7)
    expect(seen[0]).toMatchObject({ kind: 'raw', access: 'write', returns: 'objects', tables: [], params: [7] })
    expect(seen[0]!.shapeKey).toBeUndefined()
  })

  it('calling next() twice is a StateError', async () => {
    use(async (_s, next) => {
      await next()
      return next()
    })
    const err = await db.Author.count().catch((e) => e)
    expect(err).toBeInstanceOf(StateError)
    expect(err.code).toBe('INTERCEPTOR_NEXT_TWICE')
  })

  it('connect({ interceptors }) installs them from the start', async () => {
    const url = await b.freshUrl()
    const { connect } = await import('../../src/index.ts')
    const kinds: string[] = []
    const db2 = await connect(url, blogSchema, {
      interceptors: [
        (s, next) => {
          kinds.push(s.kind)
          return next()
        },
      ],
    })
    try {
      await db2.createTables()
      await db2.Author.count()
      expect(kinds.filter((k) => k !== 'ddl')).toEqual(['select'])
      expect(kinds).toContain('ddl')
    } finally {
      await db2.close()
    }
  })
})
