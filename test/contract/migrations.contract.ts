import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { connect, type Database, defineSchema, IntegrityError, MigrationError, sql } from '../../src/index.ts'
import { describeEachBackend } from '../support/backends.ts'

const HEAD = `import { f, index, sql } from 'quarry'\nimport { migration, noop, op } from 'quarry/migrations'\n`

const files: Record<string, string> = {
  '0001_initial': `${HEAD}
export default migration({
  dependencies: [],
  operations: [
    op.createModel('Parent', { name: f.string({ maxLength: 20 }) }),
    op.createModel('Item', {
      name: f.string({ maxLength: 50 }),
      qty: f.integer({ null: true }),
      code: f.string({ maxLength: 10, null: true }),
      parent: f.foreignKey('Parent', { onDelete: 'cascade' }),
    }),
  ],
})`,
  '0002_tighten': `${HEAD}
export default migration({
  dependencies: ['0001_initial'],
  operations: [
    op.alterField('Item', 'name', f.string({ maxLength: 100 })),
    op.runSql(sql\`UPDATE item SET qty = 0 WHERE qty IS NULL\`, { reverse: noop }),
    op.alterField('Item', 'qty', f.integer({ default: 0 })),
    op.addConstraint('Item', { unique: ['code'] }),
    op.alterField('Parent', 'name', f.text()),
  ],
})`,
  '0003_reshape': `${HEAD}
export default migration({
  dependencies: ['0002_tighten'],
  operations: [
    op.removeField('Item', 'code', { unsafe: 'test' }),
    op.renameField('Item', 'name', 'title'),
    op.addIndex('Item', index(['title', '-qty'], { name: 'item_title_ix' }), { concurrently: true }),
    op.renameIndex('Item', 'item_title_ix', 'item_title_qty_ix'),
  ],
})`,
  '0004_data': `${HEAD}
export default migration({
  dependencies: ['0003_reshape'],
  operations: [
    op.runCode(
      async (db) => {
        // The models as they are at this migration: Item has 'title', not today's fields.
        for (const item of await db.Item.all().orderBy('id')) {
          item.title = item.title.toUpperCase()
          await item.save()
        }
      },
      { reverse: async (db) => { for (const item of await db.Item.all()) { item.title = item.title.toLowerCase(); await item.save() } } },
    ),
  ],
})`,
  '0005_relink': `${HEAD}
export default migration({
  dependencies: ['0004_data'],
  operations: [
    op.alterField('Item', 'parent', f.foreignKey('Parent', { onDelete: 'setNull', null: true })),
    op.alterModelTable('Item', 'stock_item'),
    op.addIndex('Item', index(['qty'], { where: { qty: 0 } })),
  ],
})`,
}

describeEachBackend('migration operations', (backend) => {
  let dir: string
  let db: Database
  const introspector = () => db.executor.backend('default').introspector
  const columns = async (table: string) => (await introspector().columns(table)).map((c) => c.name)

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quarry-ops-'))
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, `${name}.ts`), text)
    db = await connect(await backend.freshUrl(), defineSchema({}))
  })
  afterAll(async () => {
    await db?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('applies forwards, keeping rows through alterations (a table rebuild on SQLite)', async () => {
    const first = await db.migrate({ dir, target: '0001' })
    expect(first.map((m) => m.name)).toEqual(['0001_initial'])
    await db.execute(sql`INSERT INTO parent (name) VALUES (${'p'})`)
    await db.execute(
      sql`INSERT INTO item (name, qty, code, parent_id) VALUES (${'apple'}, NULL, ${'A'}, 1), (${'pear'}, 3, ${'B'}, 1)`,
    )

    const rest = await db.migrate({ dir, target: '0004' })
    expect(rest.map((m) => m.name)).toEqual(['0002_tighten', '0003_reshape', '0004_data'])
    expect(await columns('item')).toEqual(['id', 'title', 'qty', 'parent_id'])
    const qty = (await introspector().columns('item')).find((c) => c.name === 'qty')!
    expect(qty.nullable).toBe(false)
    const rows = await db.query<{ title: string; qty: number }>(sql`SELECT title, qty FROM item ORDER BY id`)
    expect(rows.map((r) => [r.title, Number(r.qty)])).toEqual([
      ['APPLE', 0],
      ['PEAR', 3],
    ])
    // Rebuilding the parent table did not cascade-delete its children, and the foreign key still holds.
    expect(await db.query(sql`SELECT id FROM item`)).toHaveLength(2)
    await expect(db.execute(sql`INSERT INTO item (title, qty, parent_id) VALUES (${'x'}, 1, 99)`)).rejects.toThrow(
      IntegrityError,
    )
    const ix = await introspector().indexes('item')
    expect(ix.find((i) => i.name === 'item_title_qty_ix')?.columns).toEqual(['title', 'qty'])
  })

  it("changes a foreign key's ON DELETE, renames a table, adds a partial index", async () => {
    expect((await db.migrate({ dir })).map((m) => m.name)).toEqual(['0005_relink'])
    expect(await introspector().tables()).toEqual(['parent', 'quarry_migrations', 'stock_item'])
    const fks = await introspector().foreignKeys('stock_item')
    expect(fks.map((f) => [f.column, f.table, f.onDelete.toUpperCase()])).toEqual([['parent_id', 'parent', 'SET NULL']])
    await db.execute(sql`INSERT INTO parent (name) VALUES (${'q'})`)
    await db.execute(sql`INSERT INTO stock_item (title, qty, parent_id) VALUES (${'kiwi'}, 0, 2)`)
    await db.execute(sql`DELETE FROM parent WHERE id = 2`)
    expect(
      (await db.query<{ parent_id: unknown }>(sql`SELECT parent_id FROM stock_item WHERE title = ${'kiwi'}`))[0]!
        .parent_id,
    ).toBeNull()
    await db.execute(sql`DELETE FROM stock_item WHERE title = ${'kiwi'}`)
    const partial = (await introspector().indexes('stock_item')).filter((i) => i.partial)
    expect(partial.map((i) => i.columns)).toEqual(
      db.executor.backend('default').features.supportsPartialIndexes ? [['qty']] : [],
    )
    expect(await db.migrate({ dir })).toEqual([])
  })

  it('refuses an irreversible step before running anything', async () => {
    writeFileSync(
      join(dir, '0006_irreversible.ts'),
      `${HEAD}\nexport default migration({ dependencies: ['0005_relink'], operations: [op.runSql(sql\`UPDATE stock_item SET qty = qty + 1\`, { reverse: null })] })`,
    )
    await db.migrate({ dir })
    const err = await db.migrate({ dir, target: '0003' }).catch((e) => e)
    expect(err).toBeInstanceOf(MigrationError)
    expect(err.code).toBe('MIGRATION_IRREVERSIBLE')
    expect(err.message).toContain(
      '0006_irreversible.ts cannot be unapplied: operation 1 (Raw SQL operation) has no reverse. Nothing was run.',
    )
    // 0004's data step was not undone either: the check ran before anything.
    expect((await db.query<{ title: string }>(sql`SELECT title FROM stock_item ORDER BY id`))[0]!.title).toBe('APPLE')
    rmSync(join(dir, '0006_irreversible.ts'))
    await db.execute(sql`DELETE FROM quarry_migrations WHERE name = ${'0006_irreversible'}`)
  })

  it('unapplies backwards to a target and to zero, and --fake only records', async () => {
    await db.migrate({ dir, target: '0002' })
    // A column added back goes last on the servers and in model order where SQLite rebuilds the table.
    expect((await columns('item')).sort()).toEqual(['code', 'id', 'name', 'parent_id', 'qty'])
    // The data step ran backwards (lower case) before the rename was undone.
    expect((await db.query<{ name: string }>(sql`SELECT name FROM item ORDER BY id`))[0]!.name).toBe('apple')
    // The removed column comes back empty (its data went with it), still unique.
    expect((await db.query<{ code: string | null }>(sql`SELECT code FROM item`)).map((r) => r.code)).toEqual([
      null,
      null,
    ])
    await expect(db.execute(sql`UPDATE item SET code = ${'X'}`)).rejects.toThrow(IntegrityError)

    await db.migrate({ dir, target: 'zero' })
    expect(await introspector().tables()).toEqual(['quarry_migrations'])

    await db.migrate({ dir, fake: true })
    expect(await introspector().tables()).toEqual(['quarry_migrations'])
    const recorded = await db.query<{ name: string }>(sql`SELECT name FROM quarry_migrations ORDER BY name`)
    expect(recorded.map((r) => r.name)).toEqual([
      '0001_initial',
      '0002_tighten',
      '0003_reshape',
      '0004_data',
      '0005_relink',
    ])
  })
})

describeEachBackend('migration operations: a primary key moved', (backend) => {
  it('is rebuilt on SQLite and refused with the way forward elsewhere, before anything runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quarry-pk-'))
    const db = await connect(await backend.freshUrl(), defineSchema({}))
    try {
      writeFileSync(
        join(dir, '0001_initial.ts'),
        `${HEAD}\nexport default migration({ dependencies: [], operations: [op.createModel('Code', { value: f.string({ maxLength: 10, primaryKey: true }), label: f.string({ maxLength: 10 }) })] })`,
      )
      writeFileSync(
        join(dir, '0002_pk.ts'),
        `${HEAD}\nexport default migration({ dependencies: ['0001_initial'], operations: [op.alterField('Code', 'value', f.string({ maxLength: 10 })), op.alterField('Code', 'label', f.string({ maxLength: 10, primaryKey: true }))] })`,
      )
      await db.migrate({ dir, target: '0001' })
      await db.execute(sql`INSERT INTO code (value, label) VALUES (${'a'}, ${'x'})`)
      const run = db.migrate({ dir })
      if (backend.vendor === 'sqlite') {
        await run
        const cols = await db.executor.backend('default').introspector.columns('code')
        expect(cols.map((c) => [c.name, c.primaryKey])).toEqual([
          ['value', false],
          ['label', true],
        ])
      } else {
        const err = await run.catch((e) => e)
        expect(err.message).toMatch(/0002_pk.ts, operation 1: Changing whether Code.value/)
        expect(err.message).toContain('Changing whether Code.value is the primary key is not something migrate does')
        expect(err.message).toContain('op.runSql')
        expect((await db.query(sql`SELECT value FROM code`)).length).toBe(1)
      }
    } finally {
      await db.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
