// What the advisor reads from a statement, and the index it derives, per dialect's SQL text.
import { describe, expect, it } from 'vitest'
import { proposedColumns } from '../../src/profiler/index-advisor.ts'
import { shapeKey } from '../../src/profiler/reports.ts'
import { parseSelect } from '../../src/profiler/statement-shape.ts'

const cols = 'SELECT "blog_post"."id", "blog_post"."title" FROM "blog_post"'

describe('parseSelect', () => {
  it('SQLite: equality, range, ORDER BY and LIMIT on the root table', () => {
    const s = parseSelect(
      `${cols} WHERE ("blog_post"."published" = ?) AND ("blog_post"."views" >= ?) ORDER BY "blog_post"."views" DESC LIMIT (? + 0)`,
    )!
    expect(s).toEqual({
      table: 'blog_post',
      equality: ['published'],
      range: ['views'],
      nulls: [],
      order: [{ column: 'views', desc: true }],
      limit: true,
    })
    expect(proposedColumns(s)).toEqual([
      { column: 'published', desc: false },
      { column: 'views', desc: true },
    ])
  })

  it('PostgreSQL: = ANY($1) is equality; a joined table is not indexed from here', () => {
    const s = parseSelect(
      'SELECT "blog_post"."id", "author"."id" FROM "blog_post" INNER JOIN "author" ON "blog_post"."author_id" = "author"."id" ' +
        'WHERE "blog_post"."id" = ANY($1) AND "author"."name" = $2 AND "blog_post"."deleted_at" IS NULL ORDER BY "blog_post"."created_at" DESC',
    )!
    expect(s.equality).toEqual(['id'])
    expect(s.nulls).toEqual(['deleted_at'])
    expect(s.limit).toBe(false)
    expect(proposedColumns(s)).toEqual([
      { column: 'id', desc: false },
      { column: 'created_at', desc: true },
    ])
  })

  it('MySQL: backticks, IN lists; OR is left out; ordering by another table drops the ordering', () => {
    const s = parseSelect(
      'SELECT `blog_post`.`id` FROM `blog_post` INNER JOIN `author` ON `blog_post`.`author_id` = `author`.`id` ' +
        'WHERE `blog_post`.`author_id` IN (?, ?) AND (`blog_post`.`views` > ? OR `blog_post`.`published` = ?) ' +
        'ORDER BY `author`.`name` ASC LIMIT ?',
    )!
    expect(s.equality).toEqual(['author_id'])
    expect(s.range).toEqual([])
    expect(s.order).toEqual([])
    expect(proposedColumns(s)).toEqual([{ column: 'author_id', desc: false }])
  })

  it('no ordering: the range column follows the equality columns', () => {
    const s = parseSelect(`${cols} WHERE "blog_post"."author_id" = ? AND "blog_post"."created_at" < ?`)!
    expect(proposedColumns(s)).toEqual([
      { column: 'author_id', desc: false },
      { column: 'created_at', desc: false },
    ])
  })

  it('not a SELECT: nothing to read', () => {
    expect(parseSelect('UPDATE "blog_post" SET "views" = ?')).toBeUndefined()
  })
})

describe('shapeKey', () => {
  it('one shape for any length of placeholder list and any $n numbering', () => {
    expect(shapeKey('SELECT 1 FROM "t" WHERE "id" IN ($1, $2) AND "x" = $3')).toBe(
      shapeKey('SELECT 1 FROM "t" WHERE "id" IN ($1, $2, $3, $4) AND "x" = $5'),
    )
    expect(shapeKey('SELECT 1 FROM `t` WHERE `id` IN (?, ?, ?)')).toBe('SELECT 1 FROM `t` WHERE `id` IN (…)')
    expect(shapeKey('SELECT 1 FROM "t" WHERE "a" = ?')).not.toBe(shapeKey('SELECT 1 FROM "t" WHERE "b" = ?'))
  })
})
