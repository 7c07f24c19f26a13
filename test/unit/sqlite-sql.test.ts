import { describe, expect, it } from 'vitest'
import { SqliteFeatures } from '../../src/backends/sqlite/sqlite-features.ts'
import { SqliteOperations } from '../../src/backends/sqlite/sqlite-operations.ts'
import { SqliteSchemaEditor } from '../../src/backends/sqlite/sqlite-schema-editor.ts'
import { Count, F, Q, Sum } from '../../src/index.ts'
import { bindParams } from '../../src/sql/compiled-query.ts'
import { SqlCompiler } from '../../src/sql/compiler/sql-compiler.ts'
import { emptyState, type QueryState } from '../../src/sql/query-state.ts'
import { buildCount, buildSelect } from '../../src/sql/resolve/select-builder.ts'
import { buildDelete, buildUpdate } from '../../src/sql/resolve/write-builder.ts'
import { shapeKey } from '../../src/sql/shape-key.ts'
import { blogSchema } from '../support/blog-schema.ts'

const features = new SqliteFeatures()
const ops = new SqliteOperations()
const compiler = new SqlCompiler(ops, features)
const state = (model: string, patch: Partial<QueryState> = {}): QueryState => ({
  ...emptyState(blogSchema.get(model)),
  ...patch,
})
const where = (input: Record<string, unknown> | ReturnType<typeof Q.or>, negate = false) => [{ input, negate }]
const select = (s: QueryState) => {
  const b = buildSelect(s, features)
  const c = compiler.compile(b.node)
  return { sql: c.sql, params: bindParams(c, b.ctx.params), key: shapeKey(b.node, b.layout, features) }
}
const POST =
  '"blog_post"."id", "blog_post"."title", "blog_post"."body", "blog_post"."views", "blog_post"."published", "blog_post"."created_at", "blog_post"."author_id"'

describe('SQLite SQL', () => {
  it('get by primary key', () => {
    const b = buildSelect(state('Post', { where: where({ id: 5 }) }), features, { defaultLimit: 21, noOrder: true })
    const c = compiler.compile(b.node)
    expect(c.sql).toBe(`SELECT ${POST} FROM "blog_post" WHERE "blog_post"."id" = ? LIMIT (? + 0)`)
    expect(bindParams(c, b.ctx.params)).toEqual([5, 21])
  })

  it('default ordering, explicit ordering across a relation, null placement', () => {
    expect(select(state('Post')).sql).toBe(`SELECT ${POST} FROM "blog_post" ORDER BY "blog_post"."created_at" DESC`)
    expect(select(state('Post', { order: ['author.name', '-id'] })).sql).toBe(
      `SELECT ${POST} FROM "blog_post" INNER JOIN "author" ON "blog_post"."author_id" = "author"."id" ORDER BY "author"."name" ASC, "blog_post"."id" DESC`,
    )
    expect(
      select(state('Author', { order: [F('email').asc({ nullsLast: true })], values: ['id'], valuesMode: 'flat' })).sql,
    ).toBe('SELECT "author"."id" FROM "author" ORDER BY "author"."email" ASC NULLS LAST')
  })

  it('pattern lookups: GLOB for case-sensitive, LIKE with escapes for case-insensitive', () => {
    const q = select(
      state('Post', {
        values: ['id'],
        valuesMode: 'flat',
        order: [],
        where: where({ title: { contains: '50%_*', icontains: 'a_b', startswith: 'x' } }),
      }),
    )
    expect(q.sql).toBe(
      `SELECT "blog_post"."id" FROM "blog_post" WHERE ("blog_post"."title" GLOB ?) AND ((CASE WHEN ? THEN quarry_ilike(?, "blog_post"."title") ELSE "blog_post"."title" LIKE ? ESCAPE '\\' END)) AND ("blog_post"."title" GLOB ?)`,
    )
    // The flag (0: ASCII pattern, native LIKE) and the pattern twice, bound from one value.
    expect(q.params).toEqual(['*50%_[*]*', 0, '%a\\_b%', '%a\\_b%', 'x*'])
  })

  it('booleans and dates are converted for the driver', () => {
    const at = new Date('2024-01-05T10:00:00.000Z')
    const q = select(
      state('Post', {
        order: [],
        values: ['id'],
        valuesMode: 'flat',
        where: where({ published: true, createdAt: { gte: at } }),
      }),
    )
    expect(q.params).toEqual([1, '2024-01-05 10:00:00'])
  })

  it('in lists expand to placeholders and key on their length', () => {
    const a = select(
      state('Post', { order: [], values: ['id'], valuesMode: 'flat', where: where({ id: { in: [1, 2, 3] } }) }),
    )
    expect(a.sql).toBe('SELECT "blog_post"."id" FROM "blog_post" WHERE "blog_post"."id" IN (?, ?, ?)')
    expect(a.params).toEqual([1, 2, 3])
    const b = select(
      state('Post', { order: [], values: ['id'], valuesMode: 'flat', where: where({ id: { in: [1, 2] } }) }),
    )
    expect(b.key).not.toBe(a.key)
  })

  it('past half the bind limit an in list is one JSON parameter, and its length leaves the shape', () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => i)
    const a = select(
      state('Post', { order: [], values: ['id'], valuesMode: 'flat', where: where({ id: { in: ids(20_000) } }) }),
    )
    expect(a.sql).toBe(
      'SELECT "blog_post"."id" FROM "blog_post" WHERE "blog_post"."id" IN (SELECT value FROM json_each(?))',
    )
    expect(a.params).toEqual([JSON.stringify(ids(20_000))])
    const b = select(
      state('Post', { order: [], values: ['id'], valuesMode: 'flat', where: where({ id: { in: ids(30_000) } }) }),
    )
    expect(b.key).toBe(a.key)
  })

  it('reverse and many-to-many filters are EXISTS subqueries', () => {
    expect(
      select(state('Author', { values: ['id'], valuesMode: 'flat', where: where({ posts: { title: 'x' } }) })).sql,
    ).toBe(
      'SELECT "author"."id" FROM "author" WHERE EXISTS(SELECT 1 FROM "blog_post" WHERE ("blog_post"."author_id" = "author"."id") AND ("blog_post"."title" = ?))',
    )
    expect(
      select(state('Post', { order: [], values: ['id'], valuesMode: 'flat', where: where({ tags: { name: 'orm' } }) }))
        .sql,
    ).toBe(
      'SELECT "blog_post"."id" FROM "blog_post" WHERE EXISTS(SELECT 1 FROM "blog_post_tags" INNER JOIN "tag" ON "blog_post_tags"."tag_id" = "tag"."id" WHERE ("blog_post_tags"."post_id" = "blog_post"."id") AND ("tag"."name" = ?))',
    )
  })

  it('exclude on a nullable column keeps NULLs; Q.or groups', () => {
    expect(
      select(state('Author', { values: ['id'], valuesMode: 'flat', where: where({ email: 'a' }, true) })).sql,
    ).toBe('SELECT "author"."id" FROM "author" WHERE NOT (("author"."email" = ?) AND ("author"."email" IS NOT NULL))')
    expect(
      select(
        state('Post', {
          order: [],
          values: ['id'],
          valuesMode: 'flat',
          where: where(Q.or({ views: 1 }, { views: { gt: 5 } })),
        }),
      ).sql,
    ).toBe('SELECT "blog_post"."id" FROM "blog_post" WHERE ("blog_post"."views" = ?) OR ("blog_post"."views" > ?)')
  })

  it('annotations over to-many relations are correlated subqueries', () => {
    expect(
      select(state('Author', { annotations: { n: Count('posts') }, values: ['name', 'n'], valuesMode: 'objects' })).sql,
    ).toBe(
      'SELECT "author"."name", (SELECT COUNT("blog_post"."id") FROM "blog_post" WHERE "blog_post"."author_id" = "author"."id") AS "n" FROM "author"',
    )
  })

  it('values().annotate() groups by the values', () => {
    expect(
      select(
        state('Post', {
          values: ['author'],
          valuesMode: 'objects',
          annotations: { total: Sum('views') },
          groupByValues: true,
        }),
      ).sql,
    ).toBe(
      'SELECT "blog_post"."author_id", SUM("blog_post"."views") AS "total" FROM "blog_post" GROUP BY "blog_post"."author_id"',
    )
  })

  it('count wraps sliced queries; update and delete use pk IN (…) when joins are needed', () => {
    const count = buildCount(state('Post', { limit: 3 }), features)
    expect(compiler.compile(count.node).sql).toBe(
      `SELECT COUNT(*) FROM (SELECT ${POST} FROM "blog_post" LIMIT (? + 0)) "subquery"`,
    )
    const u = buildUpdate(state('Post', { where: where({ author: { name: 'A' } }) }), features, {
      views: F('views').add(1),
    })
    expect(compiler.compile(u.node).sql).toBe(
      'UPDATE "blog_post" SET "views" = "blog_post"."views" + ? WHERE "blog_post"."id" IN (SELECT "T1"."id" FROM "blog_post" "T1" INNER JOIN "author" "T2" ON "T1"."author_id" = "T2"."id" WHERE "T2"."name" = ?)',
    )
    const d = buildDelete(state('Post', { where: where({ views: 0 }) }), features)
    expect(compiler.compile(d.node).sql).toBe('DELETE FROM "blog_post" WHERE "blog_post"."views" = ?')
  })

  it('the shape key ignores values and captures structure', () => {
    const k = (input: Record<string, unknown>) => select(state('Post', { where: where(input) })).key
    expect(k({ id: 1 })).toBe(k({ id: 2 }))
    expect(k({ id: 1 })).not.toBe(k({ id: { gt: 1 } }))
    expect(k({ title: 'a' })).not.toBe(k({ title: null }))
    expect(k({ author: { name: 'x' } })).not.toBe(k({ author: 1 }))
  })

  it('DDL: tables, foreign keys with ON DELETE, unique, composite and partial indexes', () => {
    const editor = new SqliteSchemaEditor(ops, features, compiler)
    const ddl = editor.createTables(blogSchema.models())
    expect(ddl).toContain(
      'CREATE TABLE "blog_post" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "title" varchar(200) NOT NULL, "body" text NOT NULL, "views" integer NOT NULL, "published" bool NOT NULL, "created_at" datetime NOT NULL, "author_id" integer NOT NULL REFERENCES "author" ("id") ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED)',
    )
    expect(ddl).toContain(
      'CREATE TABLE "author" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(100) NOT NULL, "email" varchar(254) NULL UNIQUE)',
    )
    expect(
      ddl.some((s) =>
        /^CREATE INDEX "blog_post_author_id_created_at_\w+_idx" ON "blog_post" \("author_id", "created_at" DESC\)$/.test(
          s,
        ),
      ),
    ).toBe(true)
    expect(
      ddl.some((s) =>
        /^CREATE INDEX "blog_post_title_\w+_pidx" ON "blog_post" \("title"\) WHERE "published" = 1$/.test(s),
      ),
    ).toBe(true)
    expect(ddl.findIndex((s) => s.startsWith('CREATE TABLE "author"'))).toBeLessThan(
      ddl.findIndex((s) => s.startsWith('CREATE TABLE "blog_post"')),
    )
  })
})
