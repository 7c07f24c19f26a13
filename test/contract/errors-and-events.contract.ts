import { beforeAll, expect, it } from 'vitest'
import {
  DoesNotExist,
  FieldError,
  InvalidValueError,
  MultipleObjectsReturned,
  OperationalError,
  ProgrammingError,
  QuarryError,
  sql,
  withQueryContext,
} from '../../src/index.ts'
import { assertNumQueries, captureQueries } from '../../src/testing/index.ts'
import { describeEachBackend } from '../support/backends.ts'
import { blogSchema } from '../support/blog-schema.ts'

describeEachBackend('bad input and query events', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  beforeAll(async () => {
    db = await b.connect(blogSchema)
    const a = await db.Author.create({ name: 'A', email: 'a@example.com' })
    await db.Post.create({ title: 'one', author: a })
    await db.Post.create({ title: 'two', author: a })
  })

  it('an unknown field is a FieldError with a did-you-mean list', async () => {
    // @ts-expect-error: unknown field
    const err = await db.Post.filter({ titel: 'x' })
      .count()
      .catch((e) => e)
    expect(err).toBeInstanceOf(FieldError)
    expect(err.code).toBe('FIELD_ERROR')
    expect(err.message).toContain("Cannot resolve keyword 'titel'")
    expect(err.message).toContain("Did you mean 'title'")
    expect(err.choices).toContain('views')
    // @ts-expect-error: unknown field across a relation
    await expect(db.Post.filter({ author: { nmae: 'A' } })).rejects.toBeInstanceOf(FieldError)
    // @ts-expect-error: unknown ordering
    await expect(db.Post.orderBy('-titel')).rejects.toBeInstanceOf(FieldError)
    await expect(db.Post.values('nope' as 'title')).rejects.toBeInstanceOf(FieldError)
  })

  it('an unknown lookup is a FieldError listing the lookups', async () => {
    // @ts-expect-error: unknown lookup
    const err = await db.Post.filter({ views: { gtt: 3 } }).catch((e) => e)
    expect(err).toBeInstanceOf(FieldError)
    expect(err.message).toContain("Unsupported lookup 'gtt'")
    expect(err.message).toContain("Did you mean 'gt'")
  })

  it('a value of the wrong type is an InvalidValueError naming the field, not the value', async () => {
    // @ts-expect-error: views is a number
    const err = await db.Post.filter({ views: 'many' }).catch((e) => e)
    expect(err).toBeInstanceOf(InvalidValueError)
    expect(err.message).toBe("Field 'Post.views' expected an integer but got a string. Pass an integer.")
    // @ts-expect-error: in takes an array
    await expect(db.Post.filter({ id: { in: 5 } })).rejects.toBeInstanceOf(InvalidValueError)
    await expect(db.Post.filter({ title: undefined })).rejects.toBeInstanceOf(InvalidValueError)
    expect(() => db.Post.limit(-1)).toThrow(InvalidValueError)
  })

  it('get with no match or several matches', async () => {
    const none = await db.Post.get({ title: 'missing' }).catch((e) => e)
    expect(none).toBeInstanceOf(DoesNotExist)
    expect(none).toBeInstanceOf(QuarryError)
    expect(none.message).toContain('Post matching query does not exist')
    const many = await db.Post.get().catch((e) => e)
    expect(many).toBeInstanceOf(MultipleObjectsReturned)
    expect(many.message).toContain('more than one Post (2)')
  })

  it('get by a unique key reads one row, and a null on a unique nullable field still finds several', async () => {
    // Each call twice: the second takes the cached shape (getCached), which reads one row for a unique match.
    const a = await db.Author.get({ email: 'a@example.com' })
    for (let i = 0; i < 2; i++) {
      expect((await db.Author.get({ pk: a.id })).name).toBe('A')
      expect((await db.Author.get({ id: a.id })).name).toBe('A')
      expect((await db.Author.get({ email: 'a@example.com' })).id).toBe(a.id)
      await expect(db.Author.get({ id: a.id + 1000 })).rejects.toBeInstanceOf(DoesNotExist)
      await expect(db.Author.get({ email: 'nobody@example.com' })).rejects.toBeInstanceOf(DoesNotExist)
    }
    // A field that is not unique still counts its matches, on the cached path too.
    const twin = await db.Post.create({ title: 'one', author: a })
    try {
      for (let i = 0; i < 2; i++)
        await expect(db.Post.get({ title: 'one' })).rejects.toBeInstanceOf(MultipleObjectsReturned)
    } finally {
      await twin.delete()
    }
    // values() across a many-to-many gives a row per tag: a unique filter no longer means one row (Django raises).
    const tagged = await db.Post.create({ title: 'tagged twice', author: a })
    const t1 = await db.Tag.create({ name: 'get-t1' })
    const t2 = await db.Tag.create({ name: 'get-t2' })
    try {
      await tagged.tags.add(t1, t2)
      for (let i = 0; i < 2; i++) {
        // Typed paths stop at to-many relations; JavaScript callers can still pass one, and the runtime follows it.
        const many = await db.Post.values('id', 'tags.name' as never)
          .get({ id: tagged.id })
          .catch((e) => e)
        expect(many).toBeInstanceOf(MultipleObjectsReturned)
        expect(many.message).toContain('more than one Post (2)')
      }
    } finally {
      await tagged.delete()
      await t1.delete()
      await t2.delete()
    }
    // email is unique but nullable: `{ email: null }` is IS NULL, which two authors match.
    const x = await db.Author.create({ name: 'X' })
    const y = await db.Author.create({ name: 'Y' })
    try {
      for (let i = 0; i < 2; i++) {
        const many = await db.Author.get({ email: null }).catch((e) => e)
        expect(many).toBeInstanceOf(MultipleObjectsReturned)
        expect(many.message).toContain('more than one Author (2)')
      }
    } finally {
      await x.delete()
      await y.delete()
    }
  })

  it('database errors are translated, the driver error kept behind unsafeDriverError()', async () => {
    const err = await db.query(sql`select * from no_such_table_here`).catch((e) => e)
    // As in Django: sqlite3 reports a missing table as an OperationalError, the servers as a ProgrammingError.
    expect(err).toBeInstanceOf(
      { sqlite: OperationalError, postgres: ProgrammingError, mysql: ProgrammingError }[b.vendor],
    )
    expect(err.cause).toBeDefined() // the driver error's structural fields (codes, names)
    expect(err.unsafeDriverError()).toBeInstanceOf(Error) // the driver's own error, on request
    // SQLITE_ERROR, SQLSTATE undefined_table, ER_NO_SUCH_TABLE
    expect(err.vendorCode).toBe({ sqlite: 1, postgres: '42P01', mysql: 1146 }[b.vendor])
    expect(err.sql).toBe('select * from no_such_table_here')
    const syntax = await db.query(sql`selec nonsense`).catch((e) => e)
    expect(syntax).toBeInstanceOf(ProgrammingError)
  })

  it('query events carry SQL with placeholders, timing, row count and the call site, never values', async () => {
    const events = await captureQueries(db, async () => {
      await db.Post.filter({ title: 'secret-value' }).count()
      await db.Post.filter({ title: 'one' })
    })
    expect(events).toHaveLength(2)
    const [count, list] = events
    expect(count!.sql).not.toContain('secret-value')
    expect(count!.params).toBeUndefined()
    expect(count!.kind).toBe('select')
    expect(count!.model).toBe('Post')
    expect(count!.tables).toEqual(['blog_post'])
    expect(count!.durationMs).toBeGreaterThanOrEqual(0)
    expect(list!.rowCount).toBe(1)
    expect(count!.callSite).toMatch(/^test\/contract\/errors-and-events\.contract\.ts:\d+$/)
    expect(list!.callSite).toMatch(/^test\/contract\/errors-and-events\.contract\.ts:\d+$/)
  })

  it('query events carry the shape key: equal for the same query with other values, absent for raw SQL', async () => {
    const events = await captureQueries(db, async () => {
      await db.Post.filter({ title: 'one' })
      await db.Post.filter({ title: 'two' })
      await db.Post.filter({ title: 'one' }).orderBy('-id')
      await db.query(sql`select 1 as one`)
    })
    expect(events).toHaveLength(4)
    const [a, b2, ordered, raw] = events
    expect(typeof a!.shapeKey).toBe('string')
    expect(a!.shapeKey).not.toContain('one') // a shape, not values
    expect(b2!.shapeKey).toBe(a!.shapeKey)
    expect(ordered!.shapeKey).not.toBe(a!.shapeKey)
    expect(raw!.shapeKey).toBeUndefined()
  })

  it('withQueryContext tags the events of everything awaited inside it, however deep', async () => {
    const load = async () => {
      await new Promise((r) => setTimeout(r, 1))
      return db.Post.filter({ title: 'one' }).count()
    }
    const events = await captureQueries(db, async () => {
      await withQueryContext('req-1', async () => {
        await db.Post.count()
        await load()
      })
      await db.Author.count()
    })
    expect(events.map((e) => e.contextId)).toEqual(['req-1', 'req-1', undefined])
  })

  it('logParams opts in to values on events', async () => {
    const url = await b.freshUrl()
    const { connect } = await import('../../src/index.ts')
    const db2 = await connect(url, blogSchema, { logParams: true })
    await db2.createTables()
    const events = await captureQueries(db2, () => db2.Author.filter({ name: 'visible' }).count())
    expect(events[0]!.params).toEqual(['visible'])
    await db2.close()
  })

  it('assertNumQueries passes on the exact count and lists the statements when it fails', async () => {
    await assertNumQueries(db, 2, async () => {
      await db.Post.count()
      await db.Author.count()
    })
    const err = await assertNumQueries(db, 1, async () => {
      await db.Post.count()
      await db.Author.count()
    }).catch((e) => e)
    expect(err.message).toContain('Expected 1 query, 2 ran:')
    expect(err.message).toMatch(/1\. SELECT COUNT\(\*\) FROM .blog_post./)
    expect(err.message).toMatch(/2\. SELECT COUNT\(\*\) FROM .author./)
  })

  it('a closed database refuses queries with a clear error', async () => {
    const url = await b.freshUrl()
    const { connect } = await import('../../src/index.ts')
    const db2 = await connect(url, blogSchema)
    await db2.close()
    await expect(db2.Author.count()).rejects.toThrow(/closed/)
  })
})
