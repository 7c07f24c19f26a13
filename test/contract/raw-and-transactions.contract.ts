import { beforeAll, expect, it } from 'vitest'
import { RawSqlError, sql } from '../../src/index.ts'
import { describeEachBackend } from '../support/backends.ts'
import { blogSchema } from '../support/blog-schema.ts'

describeEachBackend('raw SQL and transactions', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  let authorId: number
  beforeAll(async () => {
    db = await b.connect(blogSchema)
    authorId = (await db.Author.create({ name: 'Raw' })).id
    for (const [title, views] of [
      ['a', 1],
      ['b', 50],
      ["it's", 500],
    ] as const)
      await db.Post.create({ title, views, author: authorId })
  })

  it('db.query binds values and returns objects', async () => {
    const min = 10
    const rows = await db.query<{ id: number; title: string }>(
      sql`select id, title from blog_post where views > ${min} order by views`,
    )
    expect(rows.map((r) => r.title)).toEqual(['b', "it's"])
    // A value that would break naive interpolation is just a value.
    const evil = "x' or '1'='1"
    expect(await db.query(sql`select id from blog_post where title = ${evil}`)).toEqual([])
    expect((await db.query(sql`select title from blog_post where title = ${"it's"}`)).length).toBe(1)
  })

  it('sql.ident, sql.join and sql.unsafe compose fragments', async () => {
    const cols = sql.join([sql`${sql.ident('title')}`, sql`${sql.ident('views')}`])
    const rows = await db.query<{ title: string; views: number }>(
      sql`select ${cols} from ${sql.ident('blog_post')} where views >= ${50} ${sql.unsafe('order by views desc')}`,
    )
    expect(rows.map((r) => [r.title, Number(r.views)])).toEqual([
      ["it's", 500],
      ['b', 50],
    ])
  })

  it('db.execute reports rows affected; Manager.raw returns instances', async () => {
    const { rowCount } = await db.execute(sql`update blog_post set views = views + ${1} where views < ${100}`)
    expect(rowCount).toBe(2)
    const posts = await db.Post.raw(sql`select * from blog_post where title like ${'%t%'}`)
    expect(posts).toHaveLength(1)
    expect(posts[0]!.title).toBe("it's")
    expect(posts[0]!.createdAt).toBeInstanceOf(Date)
    posts[0]!.views = 1
    await posts[0]!.save()
    expect((await db.Post.get({ title: "it's" })).views).toBe(1)
  })

  it('refuses plain strings at run time (and at compile time)', async () => {
    // @ts-expect-error: only the sql tag is accepted
    await expect(db.query('select 1')).rejects.toBeInstanceOf(RawSqlError)
    // @ts-expect-error: only the sql tag is accepted
    await expect(db.execute('delete from blog_post')).rejects.toBeInstanceOf(RawSqlError)
    // @ts-expect-error: only the sql tag is accepted
    await expect(db.Post.raw('select * from blog_post')).rejects.toBeInstanceOf(RawSqlError)
    expect(await db.Post.count()).toBe(3)
  })

  it('atomic commits on success and rolls everything back on any error', async () => {
    await db.atomic(async () => {
      await db.Post.create({ title: 'in-tx', author: authorId })
    })
    expect(await db.Post.filter({ title: 'in-tx' }).count()).toBe(1)
    const err = await db
      .atomic(async () => {
        await db.Post.create({ title: 'doomed-1', author: authorId })
        await db.Post.filter({ title: 'in-tx' }).update({ views: 999 })
        await db.execute(sql`select * from no_such_table`)
      })
      .catch((e) => e)
    expect(err).toBeInstanceOf(Error)
    expect(await db.Post.filter({ title: 'doomed-1' }).count()).toBe(0)
    expect((await db.Post.get({ title: 'in-tx' })).views).toBe(0)
  })

  it('nested atomic blocks are savepoints', async () => {
    await db.atomic(async () => {
      await db.Post.create({ title: 'outer', author: authorId })
      await db
        .atomic(async () => {
          await db.Post.create({ title: 'inner', author: authorId })
          throw new Error('inner fails')
        })
        .catch(() => {})
      await db.atomic(async () => {
        await db.Post.create({ title: 'inner-ok', author: authorId })
      })
    })
    expect(
      (await db.Post.filter({ title: { in: ['outer', 'inner', 'inner-ok'] } }).orderBy('title')).map((p) => p.title),
    ).toEqual(['inner-ok', 'outer'])
  })

  it('every query awaited inside atomic, however deep, runs in the transaction', async () => {
    const helper = async () => {
      await new Promise((r) => setTimeout(r, 1))
      await db.Post.create({ title: 'deep', author: authorId })
    }
    await db
      .atomic(async () => {
        await Promise.all([helper(), helper()])
        expect(await db.Post.filter({ title: 'deep' }).count()).toBe(2)
        throw new Error('undo')
      })
      .catch(() => {})
    expect(await db.Post.filter({ title: 'deep' }).count()).toBe(0)
  })

  it('onCommit runs after the outermost commit, never after a rollback', async () => {
    const calls: string[] = []
    await db.atomic(async () => {
      await db.onCommit(() => calls.push('outer'))
      await db.atomic(async () => {
        await db.onCommit(() => calls.push('inner'))
      })
      await db
        .atomic(async () => {
          await db.onCommit(() => calls.push('rolled-back'))
          throw new Error('x')
        })
        .catch(() => {})
      expect(calls).toEqual([])
    })
    expect(calls).toEqual(['outer', 'inner'])
    await db
      .atomic(async () => {
        await db.onCommit(() => calls.push('never'))
        throw new Error('rollback')
      })
      .catch(() => {})
    expect(calls).toEqual(['outer', 'inner'])
    await db.onCommit(() => calls.push('now'))
    expect(calls).toEqual(['outer', 'inner', 'now'])
  })

  it('queries outside a transaction wait for it instead of joining it', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    const tx = db
      .atomic(async () => {
        await db.Post.create({ title: 'isolated', author: authorId })
        await gate
        throw new Error('rollback')
      })
      .catch(() => {})
    await new Promise((r) => setTimeout(r, 5))
    const outside = db.Post.create({ title: 'outside', author: authorId })
    release()
    await tx
    await outside
    expect(await db.Post.filter({ title: 'isolated' }).count()).toBe(0)
    expect(await db.Post.filter({ title: 'outside' }).count()).toBe(1)
  })
})
