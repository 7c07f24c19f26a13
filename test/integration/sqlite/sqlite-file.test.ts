import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { connect, ImproperlyConfigured, OperationalError, sql } from '../../../src/index.ts'
import { describeEachSqliteDriver } from '../../support/backends.ts'
import { blogSchema } from '../../support/blog-schema.ts'
import { collectGarbage } from '../../support/gc.ts'

describeEachSqliteDriver('SQLite files', (d) => {
  const dir = mkdtempSync(join(tmpdir(), 'quarry-sqlite-'))
  const opened: { close(): Promise<void> }[] = []
  afterAll(async () => {
    for (const db of opened) await db.close()
  })

  it('a file database persists across connections and runs in WAL mode', async () => {
    const url = d.url(join(dir, 'persist.db'))
    const db = await connect(url, blogSchema)
    await db.createTables()
    await db.Author.create({ name: 'Kept' })
    const [mode] = await db.query<{ journal_mode: string }>(sql`PRAGMA journal_mode`)
    expect(mode!.journal_mode).toBe('wal')
    const [fk] = await db.query<{ foreign_keys: number }>(sql`PRAGMA foreign_keys`)
    expect(fk!.foreign_keys).toBe(1)
    await db.close()
    const again = await connect(url, blogSchema)
    opened.push(again)
    expect(await again.Author.valuesList('name', { flat: true })).toEqual(['Kept'])
  })

  it('accepts relative paths, sqlite:///absolute paths and :memory:', async () => {
    const rel = relative(process.cwd(), join(dir, 'rel.db'))
    for (const url of [d.url(rel), d.url(`//${join(dir, 'abs.db')}`), d.url(':memory:')]) {
      const db = await connect(url, blogSchema)
      opened.push(db)
      await db.createTables()
      await db.Tag.create({ name: 'x' })
      expect(await db.Tag.count()).toBe(1)
    }
  })

  it('introspection sees the tables, columns, indexes and foreign keys createTables made', async () => {
    const db = await connect(d.url(':memory:'), blogSchema)
    opened.push(db)
    await db.createTables()
    const intro = db.executor.backend('default').introspector
    expect(await intro.tables()).toEqual(['author', 'blog_post', 'blog_post_tags', 'profile', 'tag'])
    const cols = await intro.columns('blog_post')
    expect(cols.map((c) => c.name)).toEqual(['id', 'title', 'body', 'views', 'published', 'created_at', 'author_id'])
    expect(cols.find((c) => c.name === 'id')?.primaryKey).toBe(true)
    const indexes = await intro.indexes('blog_post')
    expect(indexes.find((i) => i.partial)?.columns).toEqual(['title'])
    expect(indexes.some((i) => i.columns.join() === 'author_id,created_at')).toBe(true)
    expect(await intro.foreignKeys('blog_post')).toEqual([
      { column: 'author_id', table: 'author', to: 'id', onDelete: 'CASCADE' },
    ])
  })

  it('ON DELETE CASCADE is enforced by the database, for foreign keys and one-to-ones', async () => {
    const db = await connect(d.url(':memory:'), blogSchema)
    opened.push(db)
    await db.createTables()
    const a = await db.Author.create({ name: 'A' })
    await db.Post.create({ title: 'p', author: a })
    await db.Profile.create({ user: a, bio: 'b' })
    await db.execute(sql`delete from author where id = ${a.id}`)
    expect(await db.Post.count()).toBe(0)
    expect(await db.Profile.count()).toBe(0)
  })

  it('a bad URL or an unopenable file is a clear error', async () => {
    await expect(connect('sqlit:nowhere', blogSchema)).rejects.toBeInstanceOf(ImproperlyConfigured)
    await expect(connect('sqlit:nowhere', blogSchema)).rejects.toThrow(/Unsupported database URL scheme 'sqlit:'/)
    await expect(connect(d.url(join(dir, 'missing', 'dir', 'x.db')), blogSchema)).rejects.toBeInstanceOf(
      OperationalError,
    )
  })

  it('dropTables removes every table createTables made, children first', async () => {
    const db = await connect(d.url(':memory:'), blogSchema)
    opened.push(db)
    await db.createTables()
    await db.Post.create({ title: 'p', author: await db.Author.create({ name: 'A' }) })
    await db.dropTables()
    expect(await db.executor.backend('default').introspector.tables()).toEqual([])
    await db.createTables()
    expect(await db.Post.count()).toBe(0)
  })

  it('iterator lets finished chunks be collected (memory stays bounded by the chunk size)', async () => {
    const db = await connect(d.url(join(dir, 'stream.db')), blogSchema)
    opened.push(db)
    await db.createTables()
    const a = await db.Author.create({ name: 'A' })
    await db.execute(
      sql`insert into blog_post (title, body, views, published, created_at, author_id) values ${sql.join(
        Array.from(
          { length: 300 },
          (_, i) => sql`(${`p${i}`}, ${'x'.repeat(100)}, ${i}, 0, ${new Date().toISOString()}, ${a.id})`,
        ),
      )}`,
    )
    let first: WeakRef<object> | undefined
    let seen = 0
    let collected = false
    for await (const post of db.Post.orderBy('views').iterator({ chunkSize: 100 })) {
      if (seen === 0) first = new WeakRef(post)
      if (seen === 250) {
        collectGarbage()
        collected = first!.deref() === undefined
      }
      seen++
    }
    expect(seen).toBe(300)
    expect(collected).toBe(true)
  })
})
