import { beforeAll, expect, it } from 'vitest'
import {
  DatabaseError,
  defineSchema,
  FieldError,
  f,
  IntegrityError,
  InvalidValueError,
  model,
} from '../../src/index.ts'
import { bulkCreate as bulkCreateWith } from '../../src/query/bulk.ts'
import { assertNumQueries, captureQueries } from '../../src/testing/index.ts'
import { describeEachBackend } from '../support/backends.ts'
import { blogSchema } from '../support/blog-schema.ts'

/** A model with a natural key for the conflict options and a touched-on-save timestamp for autoNow. */
const Item = model('Item', {
  sku: f.string({ maxLength: 40, unique: true }),
  title: f.string({ maxLength: 200 }),
  qty: f.integer({ default: 0 }),
  note: f.text({ null: true }),
  touched: f.datetime({ autoNow: true }),
})
const itemSchema = defineSchema({ Item })

/** Every field kind, to check each survives the bulk paths (UNNEST arrays, VALUES casts, the MySQL join). */
const Kitchen = model('Kitchen', {
  label: f.string({ maxLength: 40 }),
  big: f.bigint({ null: true }),
  price: f.decimal({ maxDigits: 10, decimalPlaces: 2, null: true }),
  ratio: f.float({ null: true }),
  day: f.date({ null: true }),
  meta: f.json<{ tags: string[]; n: number }>({ null: true }),
  ref: f.uuid({ null: true }),
  status: f.enum(['draft', 'published'], { default: 'draft' }),
  flag: f.boolean({ default: true }),
  at: f.datetime({ null: true }),
  words: f.text({ default: '' }),
})
const kitchenSchema = defineSchema({ Kitchen })

const ROWS = 100_000

describeEachBackend('bulk writes', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  let items: Awaited<ReturnType<typeof b.connect<typeof itemSchema.$models>>>
  beforeAll(async () => {
    db = await b.connect(blogSchema)
    items = await b.connect(itemSchema)
  })

  it(`bulkCreate of ${ROWS.toLocaleString('en')} rows crosses the parameter limit, loses nothing, sets ids`, async () => {
    const author = await db.Author.create({ name: 'Bulk' })
    const rows = Array.from({ length: ROWS }, (_, i) => ({ title: `post ${i}`, views: i % 97, author }))
    const before = Date.now()
    const queries = await captureQueries(db, async () => {
      const posts = await db.Post.bulkCreate(rows, { batchSize: 1_000_000 })
      expect(posts).toHaveLength(ROWS)
      const features = db.executor.backend('default').features
      if (features.canReturnRowsFromBulkInsert) {
        const ids = posts.map((p) => p.id)
        expect(new Set(ids).size).toBe(ROWS)
        expect(ids.every((id) => typeof id === 'number')).toBe(true)
        // Returned in insertion order: the id of row i is the row with title `post i`.
        const sample = await db.Post.inBulk([ids[0]!, ids[54_321]!, ids[ROWS - 1]!])
        expect(sample.get(ids[54_321]!)?.title).toBe('post 54321')
        expect(sample.get(ids[ROWS - 1]!)?.title).toBe(`post ${ROWS - 1}`)
      }
      // Defaults and autoNowAdd were applied.
      expect(posts[7]!.body).toBe('')
      expect(posts[7]!.published).toBe(false)
      expect(posts[7]!.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000)
    })
    const inserts = queries.filter((q) => q.kind === 'insert')
    const features = db.executor.backend('default').features
    // 6 columns: at most maxBindParams / 6 rows per VALUES statement, so the limit is crossed many times.
    const expected = Math.ceil(ROWS / Math.floor(features.maxBindParams / 6))
    expect(inserts).toHaveLength(expected)
    expect(inserts.length).toBeGreaterThan(3)
    // All in one transaction.
    expect(queries.filter((q) => q.kind === 'transaction').map((q) => q.sql.split(' ')[0])).toEqual(
      expect.arrayContaining(['COMMIT']),
    )
    expect(queries.filter((q) => q.kind === 'transaction' && /^(BEGIN|START)/.test(q.sql))).toHaveLength(1)
    expect(await db.Post.filter({ author }).count()).toBe(ROWS)
    const sum = await db.Post.filter({ author, title: 'post 99999' }).valuesList('views', { flat: true })
    expect(sum).toEqual([99_999 % 97])
  })

  it('every field kind round-trips through bulkCreate and bulkUpdate, NULLs and quoting included', async () => {
    const k = await b.connect(kitchenSchema)
    const row = (i: number) => ({
      label: `row ${i} "quoted", {braced} \\ back'slash`,
      big: i % 3 === 0 ? null : 9_007_199_254_740_993n + BigInt(i),
      price: i % 4 === 0 ? null : `${i}.25`,
      ratio: i % 5 === 0 ? null : i / 8,
      day: i % 2 ? '2026-02-03' : null,
      meta: i % 6 === 0 ? null : { tags: ['a', `b${i}`], n: i },
      ref: i % 7 === 0 ? null : `0000000${i % 10}-0000-4000-8000-000000000000`,
      status: i % 2 ? ('published' as const) : ('draft' as const),
      flag: i % 2 === 0,
      at: i % 3 === 1 ? null : new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      words: i % 9 === 0 ? '' : 'ünïcödé ✓ NULL null',
    })
    const made = await k.Kitchen.bulkCreate(Array.from({ length: 40 }, (_, i) => row(i)))
    const plain = (x: Record<string, unknown>) => {
      const { id: _id, ...rest } = x
      return rest
    }
    const back = await k.Kitchen.orderBy('id')
    expect(back.map((x) => plain(x.toJSON() as never))).toEqual(
      made.map((_, i) => plain(k.Kitchen.build(row(i)).toJSON() as never)),
    )
    // Update every field to the values of another row (NULLs become values and back).
    for (const [i, x] of back.entries()) Object.assign(x, row(i + 1))
    const names = ['label', 'big', 'price', 'ratio', 'day', 'meta', 'ref', 'status', 'flag', 'at', 'words'] as const
    expect(await k.Kitchen.bulkUpdate(back, [...names])).toBe(40)
    const again = await k.Kitchen.orderBy('id')
    expect(again.map((x) => plain(x.toJSON() as never))).toEqual(
      back.map((_, i) => plain(k.Kitchen.build(row(i + 1)).toJSON() as never)),
    )
    // The UNNEST path (one array per column) where the database has it: the same rows come back.
    if (k.executor.backend('default').features.canInsertFromArrays) {
      await k.Kitchen.all().delete()
      await bulkCreateWith(
        k,
        k.Kitchen.state,
        Array.from({ length: 40 }, (_, i) => row(i)),
        {},
        'arrays',
      )
      const viaArrays = await k.Kitchen.orderBy('id')
      expect(viaArrays.map((x) => plain(x.toJSON() as never))).toEqual(
        made.map((_, i) => plain(k.Kitchen.build(row(i)).toJSON() as never)),
      )
    }
  })

  it('a bad row writes nothing and the error names its index and field', async () => {
    const author = await db.Author.create({ name: 'Bad rows' })
    const rows: Record<string, unknown>[] = Array.from({ length: 50_000 }, (_, i) => ({ title: `t${i}`, author }))
    rows[43_210] = { title: 12345, author }
    const err = await db.Post.bulkCreate(rows as never).catch((e) => e)
    expect(err).toBeInstanceOf(InvalidValueError)
    expect(err.message).toMatch(/row 43210/)
    expect(err.message).toMatch(/Post\.title/)
    expect(err.message).not.toMatch(/12345/)
    rows[43_210] = { author } // missing required title
    const missing = await db.Post.bulkCreate(rows as never).catch((e) => e)
    expect(missing).toBeInstanceOf(InvalidValueError)
    expect(missing.message).toMatch(/row 43210 has no value for Post\.title/)
    expect(await db.Post.filter({ author }).count()).toBe(0)
  })

  it('a database error in a late batch rolls every batch back and names the batch', async () => {
    const n = 30_000
    const rows = Array.from({ length: n }, (_, i) => ({ sku: `dup-${i}`, title: 'x' }))
    rows[n - 1] = { sku: 'dup-3', title: 'clash' } // duplicate of row 3: a unique violation in the last batch
    const err = await items.Item.bulkCreate(rows, { batchSize: 7000 }).catch((e) => e)
    expect(err).toBeInstanceOf(IntegrityError)
    // 5 columns: SQLite fits 6,553 rows a statement, so its last batch starts at 26,212; the servers take 7,000.
    const per = Math.min(7000, Math.floor(items.executor.backend('default').features.maxBindParams / 5))
    expect(err.message).toContain(`rows ${Math.floor((n - 1) / per) * per}–${n - 1}`)
    expect(await items.Item.filter({ sku: { startswith: 'dup-' } }).count()).toBe(0)
  })

  it('batchSize splits; an empty list runs nothing', async () => {
    await assertNumQueries(items, 0, () => items.Item.bulkCreate([]))
    const made = await assertNumQueries(items, 3, () =>
      items.Item.bulkCreate(
        Array.from({ length: 25 }, (_, i) => ({ sku: `bs-${i}`, title: 't' })),
        { batchSize: 10 },
      ),
    )
    expect(made).toHaveLength(25)
    expect(await items.Item.filter({ sku: { startswith: 'bs-' } }).count()).toBe(25)
    await expect(items.Item.bulkCreate([{ sku: 'x', title: 'y' }], { batchSize: 0 })).rejects.toThrow(InvalidValueError)
  })

  it('ignoreConflicts skips duplicates; updateConflicts upserts', async () => {
    await items.Item.bulkCreate([
      { sku: 'c-1', title: 'one', qty: 1 },
      { sku: 'c-2', title: 'two', qty: 2 },
    ])
    const ignored = await items.Item.bulkCreate(
      [
        { sku: 'c-1', title: 'ONE', qty: 10 },
        { sku: 'c-3', title: 'three', qty: 3 },
      ],
      { ignoreConflicts: true },
    )
    // Ids are not set with ignoreConflicts: which rows were skipped is unknown.
    expect(ignored.every((i) => i.id === undefined || i.id === null)).toBe(true)
    expect(
      await items.Item.filter({ sku: { startswith: 'c-' } })
        .orderBy('sku')
        .valuesList('sku', 'title', 'qty'),
    ).toEqual([
      ['c-1', 'one', 1],
      ['c-2', 'two', 2],
      ['c-3', 'three', 3],
    ])
    await items.Item.bulkCreate(
      [
        { sku: 'c-2', title: 'TWO', qty: 20 },
        { sku: 'c-4', title: 'four', qty: 4 },
      ],
      { updateConflicts: { uniqueFields: ['sku'], updateFields: ['title'] } },
    )
    expect(
      await items.Item.filter({ sku: { startswith: 'c-' } })
        .orderBy('sku')
        .valuesList('sku', 'title', 'qty'),
    ).toEqual([
      ['c-1', 'one', 1],
      ['c-2', 'TWO', 2], // title updated, qty kept
      ['c-3', 'three', 3],
      ['c-4', 'four', 4],
    ])
    await expect(
      items.Item.bulkCreate([{ sku: 'z', title: 'z' }], {
        ignoreConflicts: true,
        updateConflicts: { updateFields: ['title'] },
      }),
    ).rejects.toThrow(InvalidValueError)
    await expect(
      items.Item.bulkCreate([{ sku: 'z', title: 'z' }], {
        updateConflicts: { uniqueFields: ['sku'], updateFields: ['nope' as never] },
      }),
    ).rejects.toThrow(FieldError)
  })

  it('bulkUpdate runs exactly one statement per batch and returns rows matched', async () => {
    const made = await items.Item.bulkCreate(
      Array.from({ length: 250 }, (_, i) => ({ sku: `u-${i}`, title: `old ${i}` })),
    )
    const saved = await items.Item.filter({ sku: { startswith: 'u-' } }).orderBy('id')
    for (const it of saved) {
      it.title = `new ${it.sku}`
      it.qty = Number(it.sku.slice(2)) * 2
      it.note = it.qty % 3 === 0 ? null : `n${it.qty}`
    }
    const before = new Date(Date.now() - 1000)
    const matched = await assertNumQueries(items, 1, () => items.Item.bulkUpdate(saved, ['title', 'qty', 'note']))
    expect(matched).toBe(250)
    const again = await assertNumQueries(items, 3, () => items.Item.bulkUpdate(saved, ['title'], { batchSize: 100 }))
    expect(again).toBe(250)
    const fresh = await items.Item.filter({ sku: { startswith: 'u-' } }).orderBy('id')
    expect(fresh.map((x) => [x.title, x.qty, x.note])).toEqual(saved.map((x) => [`new ${x.sku}`, x.qty, x.note]))
    expect(fresh.every((x) => x.touched.getTime() >= before.getTime())).toBe(true)
    expect(made).toHaveLength(250)
  })

  it('bulkUpdate stays under the parameter limit with many rows', async () => {
    const n = 40_000
    await items.Item.bulkCreate(Array.from({ length: n }, (_, i) => ({ sku: `m-${i}`, title: 'm' })))
    const all = await items.Item.filter({ sku: { startswith: 'm-' } })
    for (const it of all) it.title = `m ${it.id}`
    const features = items.executor.backend('default').features
    const perStatement = Math.floor(features.maxBindParams / 3) // pk, title, touched
    const queries = await captureQueries(items, async () => {
      expect(await items.Item.bulkUpdate(all, ['title'])).toBe(n)
    })
    expect(queries.filter((q) => q.kind === 'update')).toHaveLength(Math.ceil(n / perStatement))
    const sample = await items.Item.get({ id: all[12_345]!.id })
    expect(sample.title).toBe(`m ${sample.id}`)
  })

  it('bulkUpdate refuses the primary key, unknown fields, unsaved instances', async () => {
    const [one] = await items.Item.bulkCreate([{ sku: 'r-1', title: 'r' }])
    const saved = await items.Item.get({ sku: 'r-1' })
    await expect(items.Item.bulkUpdate([saved], ['id' as never])).rejects.toThrow(/primary key/)
    await expect(items.Item.bulkUpdate([saved], ['titel' as never])).rejects.toThrow(/Did you mean 'title'/)
    await expect(items.Item.bulkUpdate([saved], [])).rejects.toThrow(InvalidValueError)
    const unsaved = items.Item.build({ sku: 'r-2', title: 'r' })
    await expect(items.Item.bulkUpdate([saved, unsaved], ['title'])).rejects.toThrow(/row 1 is not saved/)
    expect(one).toBeDefined()
    expect(await items.Item.bulkUpdate([], ['title'])).toBe(0)
  })

  it('a bad value in bulkUpdate names the row and the field and writes nothing', async () => {
    await items.Item.bulkCreate(Array.from({ length: 5 }, (_, i) => ({ sku: `bv-${i}`, title: 'same' })))
    const rows = await items.Item.filter({ sku: { startswith: 'bv-' } }).orderBy('id')
    rows.forEach((r, i) => {
      r.title = `changed ${i}`
    })
    ;(rows[3] as unknown as Record<string, unknown>).qty = 'many'
    const err = await items.Item.bulkUpdate(rows, ['title', 'qty']).catch((e) => e)
    expect(err).toBeInstanceOf(InvalidValueError)
    expect(err.message).toMatch(/row 3: Field 'Item\.qty'/)
    expect(await items.Item.filter({ sku: { startswith: 'bv-' }, title: 'same' }).count()).toBe(5)
    expect(err).not.toBeInstanceOf(DatabaseError)
  })

  it('many-to-many add with many targets inserts in one statement', async () => {
    const author = await db.Author.create({ name: 'M2M' })
    const post = await db.Post.create({ title: 'tagged', author })
    const tags = await db.Tag.bulkCreate(Array.from({ length: 300 }, (_, i) => ({ name: `tag-${i}` })))
    const ids = tags.map((t) => t.id)
    if (!db.executor.backend('default').features.canReturnRowsFromBulkInsert)
      ids.splice(
        0,
        ids.length,
        ...(await db.Tag.filter({ name: { startswith: 'tag-' } }).valuesList('id', { flat: true })),
      )
    // One INSERT that skips existing links where ignoring conflicts skips only unique violations; elsewhere one
    // query to find the links that exist and one INSERT for the rest.
    const statements = db.executor.backend('default').features.canIgnoreUniqueConflictsOnly ? 1 : 2
    await assertNumQueries(db, statements, () => post.tags.add(...ids))
    expect(await post.tags.count()).toBe(300)
    // Links that all exist: the one INSERT skips them, or the lookup finds nothing to insert.
    await assertNumQueries(db, 1, () => post.tags.add(...ids.slice(0, 10), ...ids.slice(0, 10)))
    expect(await post.tags.count()).toBe(300)
  })

  it('getOrCreate: 50 concurrent calls for one key end with exactly one row', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => items.Item.getOrCreate({ sku: 'race-1' }, { defaults: { title: 'won' } })),
    )
    expect(await items.Item.filter({ sku: 'race-1' }).count()).toBe(1)
    expect(results.filter(([, created]) => created)).toHaveLength(1)
    const ids = new Set(results.map(([row]) => row.id))
    expect(ids.size).toBe(1)
    expect(results.every(([row]) => row.title === 'won')).toBe(true)
  })

  it('updateOrCreate: 50 concurrent calls for one key end with exactly one row, updated by the others', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        items.Item.updateOrCreate(
          { sku: 'race-2' },
          { defaults: { title: `by ${i}`, qty: i }, createDefaults: { title: 'created', qty: -1 } },
        ),
      ),
    )
    const rows = await items.Item.filter({ sku: 'race-2' })
    expect(rows).toHaveLength(1)
    expect(results.filter(([, created]) => created)).toHaveLength(1)
    // Every call but the creating one wrote its defaults, so the row holds one of theirs.
    const updated = results.filter(([, created]) => !created).map(([row]) => row.title)
    expect(updated).toHaveLength(49)
    expect(updated).toContain(rows[0]!.title)
    expect(rows[0]!.qty).toBe(Number(rows[0]!.title.slice(3)))
  })

  it('updateOrCreate updates an existing row (and its autoNow field) or creates a missing one', async () => {
    const [made, created] = await items.Item.updateOrCreate({ sku: 'uoc' }, { defaults: { title: 'first' } })
    expect(created).toBe(true)
    expect(made.title).toBe('first')
    const before = made.touched.getTime()
    await new Promise((r) => setTimeout(r, 5))
    const [again, created2] = await items.Item.updateOrCreate({ sku: 'uoc' }, { defaults: { title: 'second', qty: 9 } })
    expect(created2).toBe(false)
    expect(again.id).toBe(made.id)
    const fresh = await items.Item.get({ sku: 'uoc' })
    expect([fresh.title, fresh.qty]).toEqual(['second', 9])
    expect(fresh.touched.getTime()).toBeGreaterThan(before)
    // An IntegrityError that is not about the lookup is not swallowed.
    await items.Item.create({ sku: 'taken', title: 't' })
    await expect(items.Item.getOrCreate({ title: 'nobody has this' }, { defaults: { sku: 'taken' } })).rejects.toThrow(
      IntegrityError,
    )
  })
})
