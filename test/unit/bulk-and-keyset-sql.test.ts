import { describe, expect, it } from 'vitest'
import type { BaseFeatures } from '../../src/backends/base-features.ts'
import type { BaseOperations } from '../../src/backends/base-operations.ts'
import { MysqlFeatures } from '../../src/backends/mysql/mysql-features.ts'
import { MysqlOperations } from '../../src/backends/mysql/mysql-operations.ts'
import { PostgresFeatures } from '../../src/backends/postgres/postgres-features.ts'
import { PostgresOperations } from '../../src/backends/postgres/postgres-operations.ts'
import { SqliteFeatures } from '../../src/backends/sqlite/sqlite-features.ts'
import { SqliteOperations } from '../../src/backends/sqlite/sqlite-operations.ts'
import { F } from '../../src/index.ts'
import { SqlCompiler } from '../../src/sql/compiler/sql-compiler.ts'
import { emptyState, type QueryState } from '../../src/sql/query-state.ts'
import { buildSelect } from '../../src/sql/resolve/select-builder.ts'
import { blogSchema } from '../support/blog-schema.ts'

const mariadb = { mariadb: true, version: [10, 11] } as const
function dialect(features: BaseFeatures, ops: BaseOperations) {
  return { features, compiler: new SqlCompiler(ops, features) }
}
const dialects = {
  sqlite: dialect(new SqliteFeatures(), new SqliteOperations()),
  postgres: dialect(new PostgresFeatures(), new PostgresOperations()),
  mysql: dialect(new MysqlFeatures(mariadb), new MysqlOperations(mariadb)),
}
type Name = keyof typeof dialects
const each = <T>(fn: (d: (typeof dialects)[Name]) => T) =>
  Object.fromEntries(Object.entries(dialects).map(([n, d]) => [n, fn(d)])) as Record<Name, T>

const Tag = blogSchema.get('Tag')
const Post = blogSchema.get('Post')
const field = (meta: typeof Post, name: string) => meta.fieldMap.get(name)!

describe('bulk statements per dialect', () => {
  it('bulkCreate: multi-row VALUES, or UNNEST arrays where features.canInsertFromArrays', () => {
    const sql = each((d) =>
      d.compiler.compile({
        k: 'bulkInsert',
        table: 'tag',
        fields: [field(Tag, 'name')],
        rows: 3,
        fromArrays: d.features.canInsertFromArrays,
        returning: ['id'],
      }),
    )
    expect(sql.sqlite.sql).toBe('INSERT INTO "tag" ("name") VALUES (?), (?), (?) RETURNING "id"')
    expect(sql.postgres.sql).toBe('INSERT INTO "tag" ("name") SELECT * FROM UNNEST($1::varchar(50)[]) RETURNING "id"')
    expect(sql.mysql.sql).toBe('INSERT INTO `tag` (`name`) VALUES (?), (?), (?) RETURNING `id`')
    // Parameters bind positionally, already converted: row r, column c is parameter r * width + c.
    expect(sql.sqlite.bind.map((b) => b.i)).toEqual([0, 1, 2])
    expect(sql.postgres.bind.map((b) => b.i)).toEqual([0])
  })

  it('bulkCreate with conflicts', () => {
    const ignore = each(
      (d) =>
        d.compiler.compile({
          k: 'bulkInsert',
          table: 'tag',
          fields: [field(Tag, 'name')],
          rows: 1,
          fromArrays: false,
          onConflict: {},
        }).sql,
    )
    expect(ignore).toEqual({
      sqlite: 'INSERT INTO "tag" ("name") VALUES (?) ON CONFLICT DO NOTHING',
      postgres: 'INSERT INTO "tag" ("name") VALUES ($1) ON CONFLICT DO NOTHING',
      mysql: 'INSERT IGNORE INTO `tag` (`name`) VALUES (?)',
    })
    const upsert = each(
      (d) =>
        d.compiler.compile({
          k: 'bulkInsert',
          table: 'tag',
          fields: [field(Tag, 'name')],
          rows: 1,
          fromArrays: false,
          onConflict: { update: ['name'], target: d.features.supportsUpdateConflictsWithTarget ? ['name'] : undefined },
        }).sql,
    )
    expect(upsert).toEqual({
      sqlite: 'INSERT INTO "tag" ("name") VALUES (?) ON CONFLICT ("name") DO UPDATE SET "name" = EXCLUDED."name"',
      postgres: 'INSERT INTO "tag" ("name") VALUES ($1) ON CONFLICT ("name") DO UPDATE SET "name" = EXCLUDED."name"',
      mysql: 'INSERT INTO `tag` (`name`) VALUES (?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)',
    })
  })

  it('bulkUpdate: UPDATE … FROM (VALUES …), or a join where features.supportsUpdateFromValues is false', () => {
    const sql = each(
      (d) =>
        d.compiler.compile({
          k: 'bulkUpdate',
          table: 'blog_post',
          pk: Post.pk,
          fields: [field(Post, 'title'), field(Post, 'views')],
          rows: 2,
        }).sql,
    )
    expect(sql).toEqual({
      sqlite:
        'UPDATE "blog_post" SET "title" = "v"."column2", "views" = "v"."column3" FROM (VALUES (?, ?, ?), (?, ?, ?)) AS "v" WHERE "blog_post"."id" = "v"."column1"',
      postgres:
        'UPDATE "blog_post" SET "title" = "v"."column2", "views" = "v"."column3" FROM (VALUES ($1::bigint, $2::varchar(200), $3::integer), ($4::bigint, $5::varchar(200), $6::integer)) AS "v" WHERE "blog_post"."id" = "v"."column1"',
      mysql:
        'UPDATE `blog_post` JOIN (SELECT ? AS `c0`, ? AS `c1`, ? AS `c2` UNION ALL SELECT ?, ?, ?) AS `v` ON `blog_post`.`id` = `v`.`c0` SET `blog_post`.`title` = `v`.`c1`, `blog_post`.`views` = `v`.`c2`',
    })
  })

  it('bulkUpdate: UPDATE … FROM UNNEST(arrays) where features.canUpdateFromArrays', () => {
    const q = each((d) =>
      d.features.canUpdateFromArrays
        ? d.compiler.compile({
            k: 'bulkUpdate',
            table: 'blog_post',
            pk: Post.pk,
            fields: [field(Post, 'title'), field(Post, 'views')],
            rows: 2,
            fromArrays: true,
          })
        : null,
    )
    expect(q.sqlite).toBeNull()
    expect(q.mysql).toBeNull()
    expect(q.postgres!.sql).toBe(
      'UPDATE "blog_post" SET "title" = "v"."c1", "views" = "v"."c2" FROM UNNEST($1::bigint[], $2::varchar(200)[], $3::integer[]) AS "v"("c0", "c1", "c2") WHERE "blog_post"."id" = "v"."c0"',
    )
    // One array parameter per column, whatever the row count.
    expect(q.postgres!.bind.map((b) => b.i)).toEqual([0, 1, 2])
  })
})

describe('keyset conditions per dialect', () => {
  const page = (patch: Partial<QueryState>) =>
    each((d) => {
      const b = buildSelect(
        { ...emptyState(Post), values: ['id'], valuesMode: 'flat', limit: 26, ...patch },
        d.features,
      )
      return d.compiler.compile(b.node).sql.replace(/^SELECT .* FROM "?`?blog_post"?`? /, '')
    })

  it('same directions, NOT NULL columns: a row value comparison where the planner ranges on it', () => {
    const at = new Date(0)
    expect(page({ order: ['-createdAt', '-id'], keyset: { after: [at, 7] } })).toEqual({
      sqlite:
        'WHERE ("blog_post"."created_at", "blog_post"."id") < (?, ?) ORDER BY "blog_post"."created_at" DESC, "blog_post"."id" DESC LIMIT (? + 0)',
      postgres:
        'WHERE ("blog_post"."created_at", "blog_post"."id") < ($1, $2) ORDER BY "blog_post"."created_at" DESC, "blog_post"."id" DESC LIMIT $3',
      mysql:
        'WHERE (`blog_post`.`created_at` <= ?) AND ((`blog_post`.`created_at` < ?) OR ((`blog_post`.`created_at` = ?) AND (`blog_post`.`id` < ?))) ORDER BY `blog_post`.`created_at` DESC, `blog_post`.`id` DESC LIMIT ?',
    })
  })

  it('mixed directions: the expanded form, led by a bound on the first column', () => {
    expect(page({ order: ['views', '-id'], keyset: { after: [3, 7] } }).postgres).toBe(
      'WHERE ("blog_post"."views" >= $1) AND (("blog_post"."views" > $2) OR (("blog_post"."views" = $3) AND ("blog_post"."id" < $4))) ORDER BY "blog_post"."views" ASC, "blog_post"."id" DESC LIMIT $5',
    )
  })

  it('nullable columns: NULLs continue the order where the ORDER BY puts them', () => {
    const Author = blogSchema.get('Author')
    const sql = (patch: Partial<QueryState>) =>
      each((d) => {
        const b = buildSelect(
          { ...emptyState(Author), values: ['id'], valuesMode: 'flat', limit: 3, ...patch },
          d.features,
        )
        return d.compiler.compile(b.node).sql.replace(/^SELECT .* FROM "?`?author"?`? /, '')
      })
    // Ascending, after a value: PostgreSQL sorts NULLs last (so they still come), SQLite and MySQL first (done).
    const asc = sql({ order: ['email', 'id'], keyset: { after: ['m@x', 4] } })
    expect(asc.postgres).toBe(
      'WHERE (("author"."email" > $1) OR ("author"."email" IS NULL)) OR (("author"."email" = $2) AND ("author"."id" > $3)) ORDER BY "author"."email" ASC, "author"."id" ASC LIMIT $4',
    )
    expect(asc.sqlite).toBe(
      'WHERE ("author"."email" > ?) OR (("author"."email" = ?) AND ("author"."id" > ?)) ORDER BY "author"."email" ASC, "author"."id" ASC LIMIT (? + 0)',
    )
    // After a NULL with NULLS FIRST: every value comes next, and the NULLs with a larger id.
    const nullsFirst = sql({ order: [F('email').asc({ nullsFirst: true }), 'id'], keyset: { after: [null, 4] } })
    expect(nullsFirst.postgres).toBe(
      'WHERE ("author"."email" IS NOT NULL) OR (("author"."email" IS NULL) AND ("author"."id" > $1)) ORDER BY "author"."email" ASC NULLS FIRST, "author"."id" ASC LIMIT $2',
    )
  })
})
