import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { connect, type Database, defineSchema, IntegrityError, sql } from '../../src/index.ts'
import { describeEachBackend } from '../support/backends.ts'

const HEAD = `import { f } from 'quarry'\nimport { migration, op } from 'quarry/migrations'\n`
const files: Record<string, string> = {
  '0001_initial': `${HEAD}
export default migration({
  dependencies: [],
  operations: [
    op.createModel('Tag', { name: f.string({ maxLength: 20, unique: true }) }),
    op.createModel('Post', { title: f.string({ maxLength: 50 }), tags: f.manyToMany('Tag') }),
  ],
})`,
  '0002_labels': `${HEAD}
export default migration({
  dependencies: ['0001_initial'],
  operations: [op.renameModel('Tag', 'Label'), op.renameField('Post', 'tags', 'labels')],
})`,
}

/** A model renamed while a many-to-many points at it: the join table's column, keys and names follow, rows stay. */
describeEachBackend('migration renames across a many-to-many', (backend) => {
  let dir: string
  let db: Database
  const intro = () => db.executor.backend('default').introspector
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quarry-renames-'))
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, `${name}.ts`), text)
    db = await connect(await backend.freshUrl(), defineSchema({}))
  })
  afterAll(async () => {
    await db?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('renames the target table, the join table and its column, keeping the links', async () => {
    await db.migrate({ dir, target: '0001' })
    await db.execute(sql`INSERT INTO tag (name) VALUES (${'orm'})`)
    await db.execute(sql`INSERT INTO post (title) VALUES (${'p'})`)
    await db.execute(sql`INSERT INTO post_tags (post_id, tag_id) VALUES (1, 1)`)
    await db.migrate({ dir })
    expect(await intro().tables()).toEqual(['label', 'post', 'post_labels', 'quarry_migrations'])
    expect((await intro().columns('post_labels')).map((c) => c.name)).toEqual(['id', 'post_id', 'label_id'])
    const fks = await intro().foreignKeys('post_labels')
    expect(fks.map((f) => [f.column, f.table]).sort()).toEqual([
      ['label_id', 'label'],
      ['post_id', 'post'],
    ])
    expect(await db.query(sql`SELECT post_id, label_id FROM post_labels`)).toHaveLength(1)
    // The unique pair and the foreign keys still hold.
    await expect(db.execute(sql`INSERT INTO post_labels (post_id, label_id) VALUES (1, 1)`)).rejects.toThrow(
      IntegrityError,
    )
    await expect(db.execute(sql`INSERT INTO post_labels (post_id, label_id) VALUES (1, 9)`)).rejects.toThrow(
      IntegrityError,
    )
    // Index and constraint names follow the new table and column names (what a fresh createTables would give).
    const names = (await intro().indexes('post_labels'))
      .map((i) => i.name)
      .filter((n) => !/^sqlite_autoindex|_pkey$|^PRIMARY$/.test(n))
    expect(names.every((n) => n.startsWith('post_labels_'))).toBe(true)

    await db.migrate({ dir, target: '0001' })
    expect(await intro().tables()).toEqual(['post', 'post_tags', 'quarry_migrations', 'tag'])
    expect((await intro().columns('post_tags')).map((c) => c.name)).toEqual(['id', 'post_id', 'tag_id'])
    expect(await db.query(sql`SELECT post_id, tag_id FROM post_tags`)).toHaveLength(1)
  })
})
