// Issue 9, item 1: raw SQL values bind exactly as the ORM binds them, on every backend; values with no SQL form
// (plain objects, functions, arrays) are a clear error; lists go through sql.in([...]).
import { beforeAll, expect, it } from 'vitest'
import { InvalidValueError, sql } from '../../src/index.ts'
import { describeEachBackend } from '../support/backends.ts'
import { blogSchema } from '../support/blog-schema.ts'

describeEachBackend('raw SQL binding', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  let authorId: number
  const date = new Date('2024-03-04T05:06:07.000Z')
  beforeAll(async () => {
    db = await b.connect(blogSchema)
    authorId = (await db.Author.create({ name: 'Raw' })).id
  })

  it('a Date first in the statement binds itself and leaves the other values in place', async () => {
    const rows = await db.query<{ d: unknown; s: unknown }>(sql`select ${date} as d, ${'x'} as s`)
    expect(rows).toHaveLength(1)
    expect(rows[0]!.s).toBe('x')
    const d = rows[0]!.d
    expect(new Date(d instanceof Date ? d : String(d).replace(' ', 'T').replace(/(\d)$/, '$1Z')).getTime()).toBe(
      date.getTime(),
    )
  })

  it('an INSERT with a Date first stores every value in its own column, as the ORM would', async () => {
    await db.execute(
      sql`insert into blog_post (created_at, title, body, views, published, author_id) values (${date}, ${'2024-01-01'}, ${''}, ${7}, ${true}, ${authorId})`,
    )
    const post = await db.Post.get({ title: '2024-01-01' })
    expect(post.createdAt.getTime()).toBe(date.getTime())
    expect(post.views).toBe(7)
    expect(post.published).toBe(true)
    // The raw row compares equal to what the ORM wrote for the same instant (same stored form).
    const orm = await db.Post.create({ title: 'orm', author: authorId, createdAt: date })
    const same = await db.query<{ id: number }>(sql`select id from blog_post where created_at = ${date} order by id`)
    expect(same.map((r) => Number(r.id))).toEqual([post.id, orm.id])
    expect((await db.query(sql`select id from blog_post where published = ${true}`)).length).toBe(1)
  })

  it('a value with no SQL form is an InvalidValueError, not a silent NULL', async () => {
    for (const bad of [{ a: 1 }, () => 1, Symbol('s'), undefined, new Date(Number.NaN), new Map()]) {
      const err = await db.query(sql`select ${bad} as v, ${'x'} as s`).catch((e) => e)
      expect(err).toBeInstanceOf(InvalidValueError)
      expect(err.message).toMatch(/raw SQL/)
    }
  })

  it('an array is refused with a message naming sql.in(); sql.in() binds one placeholder per value', async () => {
    const err = await db.query(sql`select id from blog_post where id in ${[1, 2]}`).catch((e) => e)
    expect(err).toBeInstanceOf(InvalidValueError)
    expect(err.message).toContain('sql.in(')
    const titles = await db.query<{ title: string }>(
      sql`select title from blog_post where title in ${sql.in(['orm', '2024-01-01', 'missing'])} order by title`,
    )
    expect(titles.map((r) => r.title)).toEqual(['2024-01-01', 'orm'])
    const byDate = await db.query(sql`select id from blog_post where created_at in ${sql.in([date])}`)
    expect(byDate).toHaveLength(2)
    expect(() => sql.in([])).toThrow(InvalidValueError)
    // @ts-expect-error: sql.in takes an array
    expect(() => sql.in(5)).toThrow(InvalidValueError)
  })
})
