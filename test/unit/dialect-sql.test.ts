import { describe, expect, it } from 'vitest'
import type { BaseFeatures } from '../../src/backends/base-features.ts'
import type { BaseOperations } from '../../src/backends/base-operations.ts'
import type { BaseSchemaEditor } from '../../src/backends/base-schema-editor.ts'
import { MysqlFeatures } from '../../src/backends/mysql/mysql-features.ts'
import { MysqlOperations } from '../../src/backends/mysql/mysql-operations.ts'
import { MysqlSchemaEditor } from '../../src/backends/mysql/mysql-schema-editor.ts'
import { PostgresFeatures } from '../../src/backends/postgres/postgres-features.ts'
import { PostgresOperations } from '../../src/backends/postgres/postgres-operations.ts'
import { PostgresSchemaEditor } from '../../src/backends/postgres/postgres-schema-editor.ts'
import { SqliteFeatures } from '../../src/backends/sqlite/sqlite-features.ts'
import { SqliteOperations } from '../../src/backends/sqlite/sqlite-operations.ts'
import { SqliteSchemaEditor } from '../../src/backends/sqlite/sqlite-schema-editor.ts'
import { Count, F, Sum } from '../../src/index.ts'
import { bindParams } from '../../src/sql/compiled-query.ts'
import { SqlCompiler } from '../../src/sql/compiler/sql-compiler.ts'
import { emptyState, type QueryState } from '../../src/sql/query-state.ts'
import { buildAggregate, buildSelect } from '../../src/sql/resolve/select-builder.ts'
import { buildDelete, buildInsert, buildUpdate } from '../../src/sql/resolve/write-builder.ts'
import { blogSchema } from '../support/blog-schema.ts'

interface Dialect {
  features: BaseFeatures
  ops: BaseOperations
  compiler: SqlCompiler
  editor: BaseSchemaEditor
}
const dialect = (
  features: BaseFeatures,
  ops: BaseOperations,
  Editor: new (o: BaseOperations, f: BaseFeatures, c: SqlCompiler) => BaseSchemaEditor,
): Dialect => {
  const compiler = new SqlCompiler(ops, features)
  return { features, ops, compiler, editor: new Editor(ops, features, compiler) }
}
const mariadb = { mariadb: true, version: [10, 11] } as const
const mysql8 = { mariadb: false, version: [8, 0] } as const
const dialects = {
  sqlite: dialect(new SqliteFeatures(), new SqliteOperations(), SqliteSchemaEditor),
  postgres: dialect(new PostgresFeatures(), new PostgresOperations(), PostgresSchemaEditor),
  mysql: dialect(new MysqlFeatures(mariadb), new MysqlOperations(mariadb), MysqlSchemaEditor),
}
type Name = keyof typeof dialects

const state = (model: string, patch: Partial<QueryState> = {}): QueryState => ({
  ...emptyState(blogSchema.get(model)),
  ...patch,
})
const where = (input: Record<string, unknown>) => [{ input, negate: false }]
const ids = { values: ['id'], valuesMode: 'flat', order: [] } as const

/** The SQL and driver parameters of a SELECT on each dialect. */
function select(
  s: QueryState,
  options?: Parameters<typeof buildSelect>[2],
): Record<Name, { sql: string; params: unknown[] }> {
  const out = {} as Record<Name, { sql: string; params: unknown[] }>
  for (const [name, d] of Object.entries(dialects) as [Name, Dialect][]) {
    const b = buildSelect(s, d.features, options)
    const c = d.compiler.compile(b.node)
    out[name] = { sql: c.sql, params: bindParams(c, b.ctx.params) }
  }
  return out
}
const sqlOf = (r: Record<Name, { sql: string }>) => ({
  sqlite: r.sqlite.sql,
  postgres: r.postgres.sql,
  mysql: r.mysql.sql,
})

describe('SQL per dialect', () => {
  it('get by primary key: placeholders and quoting', () => {
    const r = select(state('Author', { where: where({ id: 5 }) }), { defaultLimit: 21, noOrder: true })
    expect(sqlOf(r)).toEqual({
      sqlite:
        'SELECT "author"."id", "author"."name", "author"."email" FROM "author" WHERE "author"."id" = ? LIMIT (? + 0)',
      postgres:
        'SELECT "author"."id", "author"."name", "author"."email" FROM "author" WHERE "author"."id" = $1 LIMIT $2',
      mysql: 'SELECT `author`.`id`, `author`.`name`, `author`.`email` FROM `author` WHERE `author`.`id` = ? LIMIT ?',
    })
    expect(r.postgres.params).toEqual([5, 21])
  })

  it("random order ('?') is spelled by the dialect, not chosen by vendor name in the builder", () => {
    const r = select(state('Author', { ...ids, order: ['?'] }))
    expect(sqlOf(r)).toEqual({
      sqlite: 'SELECT "author"."id" FROM "author" ORDER BY RANDOM() ASC',
      postgres: 'SELECT "author"."id" FROM "author" ORDER BY RANDOM() ASC',
      mysql: 'SELECT `author`.`id` FROM `author` ORDER BY RAND() ASC',
    })
  })

  it('in: one array parameter on PostgreSQL, one placeholder per value elsewhere', () => {
    const r = select(state('Author', { ...ids, where: where({ id: { in: [1, 2, 3] } }) }))
    expect(sqlOf(r)).toEqual({
      sqlite: 'SELECT "author"."id" FROM "author" WHERE "author"."id" IN (?, ?, ?)',
      postgres: 'SELECT "author"."id" FROM "author" WHERE "author"."id" = ANY($1)',
      mysql: 'SELECT `author`.`id` FROM `author` WHERE `author`.`id` IN (?, ?, ?)',
    })
    expect(r.postgres.params).toEqual([[1, 2, 3]])
    expect(r.mysql.params).toEqual([1, 2, 3])
  })

  it('pattern lookups: case-sensitive and -insensitive, with % and _ escaped', () => {
    const r = select(state('Author', { ...ids, where: where({ name: { contains: '5%_x', icontains: 'ab' } }) }))
    expect(sqlOf(r)).toEqual({
      // SQLite's LIKE folds ASCII only: a non-ASCII pattern (flag = 1) takes quarry_ilike instead.
      sqlite: `SELECT "author"."id" FROM "author" WHERE ("author"."name" GLOB ?) AND ((CASE WHEN ? THEN quarry_ilike(?, "author"."name") ELSE "author"."name" LIKE ? ESCAPE '\\' END))`,
      postgres: `SELECT "author"."id" FROM "author" WHERE ("author"."name" LIKE $1 ESCAPE '\\') AND (UPPER("author"."name") LIKE UPPER($2) ESCAPE '\\')`,
      mysql:
        'SELECT `author`.`id` FROM `author` WHERE (`author`.`name` LIKE ? COLLATE utf8mb4_bin) AND (UPPER(`author`.`name`) LIKE UPPER(?) COLLATE utf8mb4_bin)',
    })
    expect(r.sqlite.params).toEqual(['*5%_x*', 0, '%ab%', '%ab%'])
    expect(r.postgres.params).toEqual(['%5\\%\\_x%', '%ab%'])
    expect(r.mysql.params).toEqual(['%5\\%\\_x%', '%ab%'])
  })

  it('exact on a string and the regex lookups', () => {
    const r = select(state('Author', { ...ids, where: where({ name: { exact: 'Ada', regex: '^A', iregex: 'a$' } }) }))
    expect(sqlOf(r)).toEqual({
      sqlite:
        'SELECT "author"."id" FROM "author" WHERE ("author"."name" = ?) AND (quarry_regexp(?, "author"."name", 0)) AND (quarry_regexp(?, "author"."name", 1))',
      postgres:
        'SELECT "author"."id" FROM "author" WHERE ("author"."name" = $1) AND ("author"."name" ~ $2) AND ("author"."name" ~* $3)',
      mysql:
        "SELECT `author`.`id` FROM `author` WHERE (`author`.`name` LIKE ? COLLATE utf8mb4_bin) AND (`author`.`name` REGEXP ? COLLATE utf8mb4_bin) AND (`author`.`name` REGEXP CONCAT('(?i)', ?) COLLATE utf8mb4_bin)",
    })
  })

  it('null placement: native on PostgreSQL and SQLite, emulated on MySQL', () => {
    const r = select(state('Author', { ...ids, order: [F('email').asc({ nullsLast: true })] }))
    expect(sqlOf(r)).toEqual({
      sqlite: 'SELECT "author"."id" FROM "author" ORDER BY "author"."email" ASC NULLS LAST',
      postgres: 'SELECT "author"."id" FROM "author" ORDER BY "author"."email" ASC NULLS LAST',
      mysql: 'SELECT `author`.`id` FROM `author` ORDER BY (`author`.`email` IS NULL) ASC, `author`.`email` ASC',
    })
  })

  it('offset without a limit', () => {
    const r = select(state('Author', { ...ids, offset: 10 }))
    expect(sqlOf(r)).toEqual({
      sqlite: 'SELECT "author"."id" FROM "author" LIMIT -1 OFFSET (? + 0)',
      postgres: 'SELECT "author"."id" FROM "author" OFFSET $1',
      mysql: 'SELECT `author`.`id` FROM `author` LIMIT 18446744073709551615 OFFSET ?',
    })
  })

  it('a filtered aggregate: FILTER where supported, CASE on MySQL', () => {
    const out = {} as Record<Name, string>
    for (const [name, d] of Object.entries(dialects) as [Name, Dialect][])
      out[name] = d.compiler.compile(
        buildAggregate(state('Post'), d.features, { n: Count('id', { filter: { views: { gte: 10 } } }) }).node,
      ).sql
    expect(out).toEqual({
      sqlite: 'SELECT COUNT("blog_post"."id") FILTER (WHERE "blog_post"."views" >= ?) AS "n" FROM "blog_post"',
      postgres: 'SELECT COUNT("blog_post"."id") FILTER (WHERE "blog_post"."views" >= $1) AS "n" FROM "blog_post"',
      mysql: 'SELECT COUNT(CASE WHEN `blog_post`.`views` >= ? THEN `blog_post`.`id` END) AS `n` FROM `blog_post`',
    })
  })

  it('update and delete; MySQL wraps a subquery on the same table', () => {
    const out = {} as Record<Name, string>
    for (const [name, d] of Object.entries(dialects) as [Name, Dialect][])
      out[name] = d.compiler.compile(
        buildUpdate(state('Post', { where: where({ author: { name: 'x' } }) }), d.features, {
          views: F('views').add(1),
        }).node,
      ).sql
    expect(out.postgres).toBe(
      'UPDATE "blog_post" SET "views" = "blog_post"."views" + $1 WHERE "blog_post"."id" IN (SELECT "T1"."id" FROM "blog_post" "T1" INNER JOIN "author" "T2" ON "T1"."author_id" = "T2"."id" WHERE "T2"."name" = $2)',
    )
    expect(out.mysql).toMatch(
      /^UPDATE `blog_post` SET `views` = `blog_post`.`views` \+ \? WHERE `blog_post`.`id` IN \(SELECT \* FROM \(SELECT /,
    )
    const del = dialects.mysql.compiler.compile(
      buildDelete(state('Author', { where: where({ id: 1 }) }), dialects.mysql.features).node,
    )
    expect(del.sql).toBe('DELETE FROM `author` WHERE `author`.`id` = ?')
  })

  it('insert: RETURNING on PostgreSQL and MariaDB, insertId on MySQL; upserts', () => {
    const meta = blogSchema.get('Tag')
    const name = meta.field('name')
    const insert = (d: Dialect, onConflict?: { update?: string[]; target?: string[] }) =>
      d.compiler.compile(
        buildInsert(meta, d.features, [name], [['a'], ['b']], {
          returning: d.features.canReturnRowsFromBulkInsert ? ['id'] : undefined,
          onConflict,
        }).node,
      ).sql
    expect(insert(dialects.postgres)).toBe('INSERT INTO "tag" ("name") VALUES ($1), ($2) RETURNING "id"')
    expect(insert(dialects.mysql)).toBe('INSERT INTO `tag` (`name`) VALUES (?), (?) RETURNING `id`')
    const oracle = dialect(new MysqlFeatures(mysql8), new MysqlOperations(mysql8), MysqlSchemaEditor)
    expect(insert(oracle)).toBe('INSERT INTO `tag` (`name`) VALUES (?), (?)')
    expect(insert(dialects.postgres, {})).toBe(
      'INSERT INTO "tag" ("name") VALUES ($1), ($2) ON CONFLICT DO NOTHING RETURNING "id"',
    )
    expect(insert(oracle, {})).toBe('INSERT IGNORE INTO `tag` (`name`) VALUES (?), (?)')
    expect(insert(dialects.postgres, { update: ['name'], target: ['name'] })).toBe(
      'INSERT INTO "tag" ("name") VALUES ($1), ($2) ON CONFLICT ("name") DO UPDATE SET "name" = EXCLUDED."name" RETURNING "id"',
    )
    expect(insert(oracle, { update: ['name'], target: ['name'] })).toBe(
      'INSERT INTO `tag` (`name`) VALUES (?), (?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)',
    )
  })

  it('EXPLAIN prefixes', () => {
    expect(dialects.postgres.ops.explainPrefix({ analyze: true, format: 'json' })).toBe(
      'EXPLAIN (ANALYZE, FORMAT JSON) ',
    )
    expect(dialects.postgres.ops.explainPrefix({ format: 'bogus; drop' })).toBe('EXPLAIN (FORMAT TEXT) ')
    expect(dialects.mysql.ops.explainPrefix({ analyze: true })).toBe('ANALYZE ')
    expect(new MysqlOperations(mysql8).explainPrefix({ analyze: true })).toBe('EXPLAIN ANALYZE ')
    expect(dialects.mysql.ops.explainPrefix({ format: 'json' })).toBe('EXPLAIN FORMAT=JSON ')
  })
})

describe('DDL per dialect', () => {
  const meta = blogSchema.get('Post')
  it('CREATE TABLE: key, types, foreign keys', () => {
    const author = blogSchema.get('Author')
    const pg = dialects.postgres.editor.createTables([author, meta])
    expect(pg[0]).toBe(
      'CREATE TABLE "author" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "name" varchar(100) NOT NULL, "email" varchar(254) NULL UNIQUE)',
    )
    expect(pg.find((s) => s.startsWith('CREATE TABLE "blog_post"'))).toBe(
      'CREATE TABLE "blog_post" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "title" varchar(200) NOT NULL, "body" text NOT NULL, "views" integer NOT NULL, "published" boolean NOT NULL, "created_at" timestamptz NOT NULL, "author_id" bigint NOT NULL REFERENCES "author" ("id") ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED)',
    )
    const my = dialects.mysql.editor.createTables([author, meta])
    expect(my.find((s) => s.startsWith('CREATE TABLE `blog_post`'))).toBe(
      'CREATE TABLE `blog_post` (`id` bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, `title` varchar(200) NOT NULL, `body` longtext NOT NULL, `views` int NOT NULL, `published` bool NOT NULL, `created_at` datetime(6) NOT NULL, `author_id` bigint NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
    )
    // MySQL ignores a column's REFERENCES clause: the foreign key is a table constraint.
    expect(my.at(-1)).toMatch(
      /^ALTER TABLE `blog_post` ADD CONSTRAINT `blog_post_author_id_[0-9a-f]{8}_fk` FOREIGN KEY \(`author_id`\) REFERENCES `author` \(`id`\) ON DELETE CASCADE$/,
    )
  })

  it('indexes: partial where supported, CONCURRENTLY on PostgreSQL only', () => {
    const pg = dialects.postgres.editor.indexes(meta)
    expect(pg.some((s) => s.endsWith('("title") WHERE "published" = TRUE'))).toBe(true)
    expect(dialects.mysql.editor.indexes(meta).some((s) => s.includes('WHERE'))).toBe(false)
    expect(dialects.postgres.editor.createIndex(meta, { fields: ['title'] }, { concurrently: true })).toMatch(
      /^CREATE INDEX CONCURRENTLY "blog_post_title_[0-9a-f]{8}_idx" ON "blog_post" \("title"\)$/,
    )
    expect(dialects.mysql.editor.createIndex(meta, { fields: ['-createdAt'] }, { concurrently: true })).toMatch(
      /^CREATE INDEX `blog_post_created_at_[0-9a-f]{8}_idx` ON `blog_post` \(`created_at` DESC\)$/,
    )
  })

  it('partial-index conditions inline their values as literals quoted by the dialect, whatever they contain', () => {
    // A placeholder-looking `?` or `$1` inside a value stays part of the string (DDL takes no parameters).
    const tricky = { title: "it's? $1 \\ done", views: { gte: 3 } }
    const sql = (d: Name) => dialects[d].editor.createIndex(meta, { fields: ['title'], where: tricky, name: 'ix' })
    expect(sql('sqlite')).toBe(
      `CREATE INDEX "ix" ON "blog_post" ("title") WHERE ("title" = 'it''s? $1 \\ done') AND ("views" >= 3)`,
    )
    expect(sql('postgres')).toBe(
      `CREATE INDEX "ix" ON "blog_post" ("title") WHERE ("title" = 'it''s? $1 \\ done') AND ("views" >= 3)`,
    )
    // MySQL reads a backslash in a string literal as an escape: doubled. Its case-sensitive exact is an escaped
    // LIKE (issue 8), so the value's backslash is first LIKE-escaped (\\\\), then doubled as a literal.
    expect(sql('mysql')).toBe(
      "CREATE INDEX `ix` ON `blog_post` (`title`) WHERE (`title` LIKE 'it''s? $1 \\\\\\\\ done' COLLATE utf8mb4_bin) AND (`views` >= 3)",
    )
    expect(() =>
      dialects.sqlite.editor.createIndex(meta, { fields: ['title'], where: { author: { name: 'x' } } }),
    ).toThrow(/only use its own fields/)
  })

  it('names stay within the identifier limit (63 on PostgreSQL, 64 on MySQL)', () => {
    const long = ['a'.repeat(40), 'b'.repeat(40)]
    expect(dialects.postgres.editor.name('t'.repeat(30), long, 'idx').length).toBeLessThanOrEqual(63)
    expect(dialects.mysql.editor.name('t'.repeat(30), long, 'idx').length).toBeLessThanOrEqual(64)
  })
})

describe('SQL per dialect: query semantics (issue 8)', () => {
  it('isnull across a reverse foreign key is NOT EXISTS; across many-to-many over the join table', () => {
    const r = select(state('Author', { ...ids, where: where({ posts: { isnull: true } }) }))
    expect(sqlOf(r)).toEqual({
      sqlite:
        'SELECT "author"."id" FROM "author" WHERE NOT (EXISTS(SELECT 1 FROM "blog_post" WHERE "blog_post"."author_id" = "author"."id"))',
      postgres:
        'SELECT "author"."id" FROM "author" WHERE NOT (EXISTS(SELECT 1 FROM "blog_post" WHERE "blog_post"."author_id" = "author"."id"))',
      mysql:
        'SELECT `author`.`id` FROM `author` WHERE NOT (EXISTS(SELECT 1 FROM `blog_post` WHERE `blog_post`.`author_id` = `author`.`id`))',
    })
    const m = select(state('Tag', { ...ids, where: where({ posts: { isnull: false } }) }))
    expect(m.postgres.sql).toBe(
      'SELECT "tag"."id" FROM "tag" WHERE EXISTS(SELECT 1 FROM "blog_post_tags" WHERE "blog_post_tags"."tag_id" = "tag"."id")',
    )
  })

  it('integer division: / on SQLite (integer binds) and PostgreSQL, DIV on MySQL; a fraction is cast to float', () => {
    const half = select(state('Post', { ...ids, where: where({ views: F('views').div(2) }) }))
    expect(sqlOf(half)).toEqual({
      sqlite: 'SELECT "blog_post"."id" FROM "blog_post" WHERE "blog_post"."views" = ("blog_post"."views" / ?)',
      postgres: 'SELECT "blog_post"."id" FROM "blog_post" WHERE "blog_post"."views" = ("blog_post"."views" / $1)',
      mysql: 'SELECT `blog_post`.`id` FROM `blog_post` WHERE `blog_post`.`views` = (`blog_post`.`views` DIV ?)',
    })
    // node:sqlite binds a JS number as REAL (10 / 3.0 = 3.33…); a bigint binds as INTEGER.
    expect(half.sqlite.params).toEqual([2n])
    expect(half.postgres.params).toEqual([2])
    const frac = select(state('Post', { ...ids, where: where({ views: { gt: F('views').div(2.5) } }) }))
    expect(sqlOf(frac)).toEqual({
      sqlite:
        'SELECT "blog_post"."id" FROM "blog_post" WHERE "blog_post"."views" > ("blog_post"."views" / CAST(? AS REAL))',
      postgres:
        'SELECT "blog_post"."id" FROM "blog_post" WHERE "blog_post"."views" > ("blog_post"."views" / CAST($1 AS DOUBLE PRECISION))',
      mysql:
        'SELECT `blog_post`.`id` FROM `blog_post` WHERE `blog_post`.`views` > (`blog_post`.`views` / CAST(? AS DOUBLE))',
    })
  })

  it('an empty in list: the statement is marked empty (not run); inside NOT / OR it folds away', () => {
    for (const d of Object.values(dialects)) {
      expect(buildSelect(state('Post', { ...ids, where: where({ id: { in: [] } }) }), d.features).empty).toBe(true)
      const kept = buildSelect(
        state('Post', { ...ids, where: [{ input: { id: { in: [] } }, negate: true }] }),
        d.features,
      )
      expect(kept.empty).toBe(false)
      expect(d.compiler.compile(kept.node).sql).not.toMatch(/WHERE/)
    }
  })

  it('in with a QuerySet is IN (SELECT …); MySQL wraps a sliced one in a derived table', () => {
    const authors = { state: state('Author', { where: where({ name: { startswith: 'A' } }) }) }
    const r = select(state('Post', { ...ids, where: where({ author: { in: authors } }) }))
    expect(r.postgres.sql).toBe(
      'SELECT "blog_post"."id" FROM "blog_post" WHERE "blog_post"."author_id" IN (SELECT "author"."id" FROM "author" WHERE "author"."name" LIKE $1 ESCAPE \'\\\')',
    )
    const top = { state: state('Post', { order: ['-views'], limit: 2 }) }
    const s = select(state('Post', { ...ids, where: where({ id: { in: top } }) }))
    expect(s.mysql.sql).toBe(
      'SELECT `blog_post`.`id` FROM `blog_post` WHERE `blog_post`.`id` IN (SELECT * FROM (SELECT `T1`.`id` FROM `blog_post` `T1` ORDER BY `T1`.`views` DESC LIMIT ?) `U`)',
    )
  })

  it('MySQL exact on a string is an escaped LIKE under utf8mb4_bin', () => {
    const r = select(state('Author', { ...ids, where: where({ name: 'a%b_c' }) }))
    expect(r.mysql.sql).toBe('SELECT `author`.`id` FROM `author` WHERE `author`.`name` LIKE ? COLLATE utf8mb4_bin')
    expect(r.mysql.params).toEqual(['a\\%b\\_c'])
    expect(r.postgres.params).toEqual(['a%b_c'])
  })

  it('aggregate(): one shared join per to-many path, a subquery for another row set', () => {
    const sqlFor = (specs: Parameters<typeof buildAggregate>[2]) =>
      dialects.postgres.compiler.compile(buildAggregate(state('Author'), dialects.postgres.features, specs).node).sql
    expect(sqlFor({ n: Count('posts'), v: Sum('posts.views') })).toBe(
      'SELECT COUNT("blog_post"."id") AS "n", SUM("blog_post"."views") AS "v" FROM "author" LEFT JOIN "blog_post" ON "blog_post"."author_id" = "author"."id"',
    )
    expect(sqlFor({ a: Count('id'), n: Count('posts') })).toBe(
      'SELECT COUNT("author"."id") AS "a", (SELECT COUNT("blog_post"."id") FROM "author" "T1" LEFT JOIN "blog_post" ON "blog_post"."author_id" = "T1"."id") AS "n" FROM "author"',
    )
  })
})
