import { beforeAll, describe, expect, it } from 'vitest'
import { defineSchema, f, IntegrityError, InvalidValueError, model } from '../../src/index.ts'
import { describeEachBackend } from '../support/backends.ts'
import { blogSchema } from '../support/blog-schema.ts'

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
  touched: f.datetime({ autoNow: true }),
})
const kitchenSchema = defineSchema({ Kitchen })

describeEachBackend('instances', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  beforeAll(async () => {
    db = await b.connect(blogSchema)
  })

  it('create fills defaults, autoNowAdd and the primary key; toJSON gives plain values', async () => {
    const before = Date.now()
    const a = await db.Author.create({ name: 'Bharat' })
    expect(typeof a.id).toBe('number')
    expect(a.email).toBeNull()
    const p = await db.Post.create({ title: 'Hello', author: a })
    expect(p.body).toBe('')
    expect(p.views).toBe(0)
    expect(p.published).toBe(false)
    expect(p.createdAt).toBeInstanceOf(Date)
    expect(p.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000)
    expect(p.authorId).toBe(a.id)
    expect(p.author.id).toBe(a.id)
    expect(p.toJSON()).toMatchObject({ id: p.id, title: 'Hello', authorId: a.id, views: 0 })
    expect(JSON.parse(JSON.stringify(p)).title).toBe('Hello')
  })

  it('build + save inserts; save updates; updateFields limits the UPDATE', async () => {
    const a = await db.Author.create({ name: 'Ada' })
    const p = db.Post.build({ title: 'Draft', authorId: a.id })
    expect(p.id).toBeUndefined()
    await p.save()
    expect(typeof p.id).toBe('number')
    p.title = 'Renamed'
    p.views = 7
    await p.save({ updateFields: ['title'] })
    const fresh = await db.Post.get({ id: p.id })
    expect(fresh.title).toBe('Renamed')
    expect(fresh.views).toBe(0)
    await p.save()
    expect((await db.Post.get({ id: p.id })).views).toBe(7)
  })

  it('refreshFromDb reloads; delete removes and clears the pk', async () => {
    const a = await db.Author.create({ name: 'Zed', email: 'zed@example.com' })
    const copy = await db.Author.get({ id: a.id })
    await db.Author.filter({ id: a.id }).update({ name: 'Zed 2' })
    await copy.refreshFromDb()
    expect(copy.name).toBe('Zed 2')
    expect(await copy.delete()).toBe(1)
    expect(copy.id).toBeNull()
    expect(await db.Author.filter({ id: a.id }).exists()).toBe(false)
  })

  it('a foreign key is an awaitable reference until loaded', async () => {
    const a = await db.Author.create({ name: 'Ref' })
    const p = await db.Post.create({ title: 'R', author: a.id })
    const loaded = await db.Post.get({ id: p.id })
    expect(loaded.author.id).toBe(a.id)
    const author = await loaded.author
    expect(author?.name).toBe('Ref')
    expect(await a.posts.count()).toBe(1)
    await db.Post.create({ title: 'second', author: a })
    expect((await a.posts.orderBy('title')).map((x) => x.title)).toEqual(['R', 'second'])
  })

  it('getOrCreate returns the existing row or creates one', async () => {
    const [t1, created1] = await db.Tag.getOrCreate({ name: 'orm' }, { defaults: {} })
    const [t2, created2] = await db.Tag.getOrCreate({ name: 'orm' })
    expect(created1).toBe(true)
    expect(created2).toBe(false)
    expect(t2.id).toBe(t1.id)
  })

  it('unique violations are IntegrityError and roll nothing half-done', async () => {
    await db.Author.create({ name: 'U', email: 'u@example.com' })
    const err = await db.Author.create({ name: 'U2', email: 'u@example.com' }).catch((e) => e)
    expect(err).toBeInstanceOf(IntegrityError)
    // SQLITE_CONSTRAINT_UNIQUE, SQLSTATE unique_violation, ER_DUP_ENTRY
    expect(err.vendorCode).toBe({ sqlite: 2067, postgres: '23505', mysql: 1062 }[b.vendor])
    expect(String(err.message)).not.toContain('u@example.com')
    expect(await db.Author.filter({ name: 'U2' }).exists()).toBe(false)
  })

  it('a missing required field is a clear error before any SQL runs', async () => {
    const events: unknown[] = []
    const stop = db.on('query', (e) => events.push(e))
    // @ts-expect-error: title is required
    const err = await db.Post.create({ author: 1 }).catch((e) => e)
    stop()
    expect(err).toBeInstanceOf(InvalidValueError)
    expect(err.message).toContain('Post.title is required')
    expect(events).toHaveLength(0)
  })
})

describe('field kinds', () => {
  describeEachBackend('round-trip', (b) => {
    let db: Awaited<ReturnType<typeof b.connect<typeof kitchenSchema.$models>>>
    beforeAll(async () => {
      db = await b.connect(kitchenSchema)
    })

    it('every kind comes back with its JS type', async () => {
      const at = new Date('2024-03-01T12:34:56.789Z')
      const k = await db.Kitchen.create({
        label: 'x',
        big: 9007199254740993n,
        price: '12.50',
        ratio: 0.25,
        day: '2024-02-29',
        meta: { tags: ['a', 'b'], n: 3 },
        ref: '123e4567-e89b-12d3-a456-426614174000',
        status: 'published',
        at,
      })
      const r = await db.Kitchen.get({ id: k.id })
      expect(r.big).toBe(9007199254740993n)
      expect(r.price).toBe('12.50')
      expect(r.ratio).toBe(0.25)
      expect(r.day).toBe('2024-02-29')
      expect(r.meta).toEqual({ tags: ['a', 'b'], n: 3 })
      expect(r.ref).toBe('123e4567-e89b-12d3-a456-426614174000')
      expect(r.status).toBe('published')
      expect(r.flag).toBe(true)
      expect(r.at).toBeInstanceOf(Date)
      expect(r.at!.getTime()).toBe(at.getTime())
      expect(r.touched).toBeInstanceOf(Date)
      expect(await db.Kitchen.filter({ big: 9007199254740993n }).count()).toBe(1)
      expect(await db.Kitchen.filter({ at: { gte: new Date('2024-03-01T00:00:00Z') } }).count()).toBe(1)
      expect(await db.Kitchen.filter({ day: { lt: '2024-03-01' } }).count()).toBe(1)
      expect(await db.Kitchen.filter({ flag: true, status: 'published' }).count()).toBe(1)
    })

    it('autoNow updates on every save', async () => {
      const k = await db.Kitchen.create({ label: 'y' })
      const first = k.touched.getTime()
      await new Promise((r) => setTimeout(r, 5))
      k.label = 'y2'
      await k.save()
      expect(k.touched.getTime()).toBeGreaterThan(first)
    })

    it('wrong value types are refused with the field named and no value echoed', async () => {
      const bad = [
        () => db.Kitchen.create({ label: 'z', status: 'archived' as 'draft' }),
        () => db.Kitchen.create({ label: 'z', ref: 'not-a-uuid' }),
        () => db.Kitchen.create({ label: 'z', day: '24/02/2024' }),
        () => db.Kitchen.create({ label: 'z', flag: 'yes' as unknown as boolean }),
        () => db.Kitchen.filter({ big: 'lots' as unknown as bigint }).count(),
      ]
      for (const run of bad) {
        const err = await run().catch((e) => e)
        expect(err).toBeInstanceOf(InvalidValueError)
        expect(err.message).toMatch(/Field 'Kitchen\.\w+' expected/)
        expect(err.message).not.toMatch(/archived|not-a-uuid|24\/02|lots/)
      }
      expect(await db.Kitchen.filter({ label: 'z' }).count()).toBe(0)
    })
  })
})
