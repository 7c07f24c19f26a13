import { beforeAll, expect, it } from 'vitest'
import { Count, Sum } from '../../src/index.ts'
import { describeEachBackend } from '../support/backends.ts'
import { fieldTypesSchema } from '../support/schemas.ts'

const schema = fieldTypesSchema

/** Every field kind round-trips with its JS type, and lookups mean the same on every backend. */
describeEachBackend('field types', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof schema.$models>>>
  const huge = 9007199254740993n // 2^53 + 1: not representable as a double
  const at = new Date('2024-03-10T23:30:00.123Z')
  beforeAll(async () => {
    db = await b.connect(schema)
    await db.Sample.create({
      label: 'one',
      big: huge,
      ratio: 0.25,
      price: '1234.50',
      flag: true,
      at,
      day: '2024-03-10',
      doc: { a: [1, 'x', null], b: { c: true } },
      ref: '6F9619FF-8B86-D011-B42D-00C04FC964FF',
      state: 'published',
      note: 'Line\nwith \\ backslash and 100% _under',
    })
    await db.Sample.create({ label: 'Two', doc: 'just a string' })
    await db.Sample.create({ label: 'three', doc: [1, 2, 3], big: -5n })
  })

  it('reads every kind back with its JS type', async () => {
    const s = await db.Sample.get({ label: 'one' })
    expect(typeof s.id).toBe('number')
    expect(s.big).toBe(huge)
    expect(s.ratio).toBe(0.25)
    expect(s.price).toBe('1234.50')
    expect(s.flag).toBe(true)
    expect(s.at).toEqual(at)
    expect(s.day).toBe('2024-03-10')
    expect(s.doc).toEqual({ a: [1, 'x', null], b: { c: true } })
    expect(s.ref).toBe('6f9619ff-8b86-d011-b42d-00c04fc964ff')
    expect(s.state).toBe('published')
    expect(s.note).toBe('Line\nwith \\ backslash and 100% _under')
    const two = await db.Sample.get({ label: 'Two' })
    expect(two.doc).toBe('just a string')
    expect(two.flag).toBe(false)
    expect(two.big).toBeNull()
    expect((await db.Sample.get({ label: 'three' })).doc).toEqual([1, 2, 3])
  })

  it('filters on bigint, boolean, datetime, date and decimal values', async () => {
    expect((await db.Sample.filter({ big: huge })).map((s) => s.label)).toEqual(['one'])
    expect((await db.Sample.filter({ big: { lt: 0n } })).map((s) => s.label)).toEqual(['three'])
    expect(await db.Sample.filter({ flag: true }).count()).toBe(1)
    expect(await db.Sample.filter({ at: { gte: new Date('2024-03-10T23:00:00Z') } }).count()).toBe(1)
    expect(await db.Sample.filter({ day: '2024-03-10' }).count()).toBe(1)
    expect(await db.Sample.filter({ price: { gt: '1000' } }).count()).toBe(1)
    expect(await db.Sample.filter({ ref: '6f9619ff-8b86-d011-b42d-00c04fc964ff' }).count()).toBe(1)
  })

  it('values() and aggregates convert like instances', async () => {
    const rows = await db.Sample.filter({ label: 'one' }).values('big', 'flag', 'at', 'doc')
    expect(rows).toEqual([{ big: huge, flag: true, at, doc: { a: [1, 'x', null], b: { c: true } } }])
    const agg = await db.Sample.aggregate({ n: Count('id'), total: Sum('ratio') })
    expect(agg).toEqual({ n: 3, total: 0.25 })
  })

  it('pattern lookups are case-sensitive unless i-prefixed, with % and _ literal', async () => {
    const labels = async (filter: Record<string, unknown>) =>
      (await db.Sample.filter({ label: filter } as never).orderBy('label')).map((s) => s.label)
    expect(await labels({ exact: 'two' })).toEqual([])
    expect(await labels({ iexact: 'two' })).toEqual(['Two'])
    expect(await labels({ startswith: 't' })).toEqual(['three'])
    expect(await labels({ istartswith: 't' })).toEqual(['Two', 'three'])
    expect(await labels({ regex: '^T' })).toEqual(['Two'])
    expect(await labels({ iregex: '^t' })).toEqual(['Two', 'three'])
    expect(await db.Sample.filter({ note: { contains: '100% _under' } }).count()).toBe(1)
    expect(await db.Sample.filter({ note: { contains: '100%_under' } }).count()).toBe(0)
    expect(await db.Sample.filter({ note: { icontains: 'WITH \\ BACK' } }).count()).toBe(1)
  })

  it('byte order sorts uppercase first on every backend', async () => {
    expect(await db.Sample.orderBy('label').valuesList('label', { flat: true })).toEqual(['Two', 'one', 'three'])
  })

  it('updates a value in place and saves only what changed', async () => {
    const s = await db.Sample.get({ label: 'Two' })
    s.at = at
    s.big = 7n
    await s.save()
    await s.refreshFromDb()
    expect(s.at).toEqual(at)
    expect(s.big).toBe(7n)
    expect(await db.Sample.filter({ label: 'Two' }).update({ flag: true })).toBe(1)
    // Matched rows, not changed rows: an update that changes nothing still reports the row.
    expect(await db.Sample.filter({ label: 'Two' }).update({ flag: true })).toBe(1)
  })
})
