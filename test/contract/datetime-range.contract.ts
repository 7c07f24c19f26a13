// Issue 9, item 7: datetimes round-trip over the whole range every backend supports (years 0001–9999, UTC), and
// values outside it, or dates that do not exist, are one clear InvalidValueError on every backend.
import { beforeAll, expect, it } from 'vitest'
import { defineSchema, f, InvalidValueError, model, sql } from '../../src/index.ts'
import { describeEachBackend } from '../support/backends.ts'

const Stamp = model('Stamp', { label: f.string({ maxLength: 20 }), at: f.datetime(), day: f.date({ null: true }) })
const schema = defineSchema({ Stamp })

const EDGES = [
  '0001-01-01T00:00:00.000Z',
  '0099-12-31T23:59:59.999Z',
  '0999-06-15T12:30:00.000Z',
  '1970-01-01T00:00:00.000Z',
  '2024-02-29T08:00:00.250Z',
  '9999-12-31T23:59:59.999Z',
]

describeEachBackend('datetime range', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof schema.$models>>>
  beforeAll(async () => {
    db = await b.connect(schema)
  })

  it('years 0001–9999 round-trip exactly, filter and sort in time order', async () => {
    for (const [i, iso] of EDGES.entries())
      await db.Stamp.create({ label: `e${i}`, at: new Date(iso), day: iso.slice(0, 10) })
    const back = await db.Stamp.orderBy('at')
    expect(back.map((s) => s.at.toISOString())).toEqual(EDGES)
    expect(back.map((s) => s.day)).toEqual(EDGES.map((iso) => iso.slice(0, 10)))
    expect((await db.Stamp.get({ at: new Date(EDGES[0]!) })).label).toBe('e0')
    expect(await db.Stamp.filter({ at: { lt: new Date('1000-01-01T00:00:00Z') } }).count()).toBe(3)
    // Raw reads give the same instants.
    const raw = await db.query<{ at: unknown }>(sql`select at from stamp where label = ${'e1'}`)
    const at = raw[0]!.at
    expect(at instanceof Date ? at.toISOString() : at).toMatch(/^0099-12-31/)
  })

  it('a datetime outside 0001–9999 or a date that does not exist is an InvalidValueError', async () => {
    const before = await db.Stamp.count()
    for (const at of [
      new Date('+010000-01-01T00:00:00Z'),
      new Date('0000-12-31T23:59:59Z'),
      new Date('-000001-01-01T00:00:00Z'),
      '2020-02-30T00:00:00Z',
      '2021-13-01',
    ]) {
      const err = await db.Stamp.create({ label: 'bad', at: at as Date }).catch((e) => e)
      expect(err, String(at)).toBeInstanceOf(InvalidValueError)
      expect(err.message).toContain("'Stamp.at'")
    }
    for (const day of ['2020-02-30', '2019-02-29', '0000-01-01']) {
      const err = await db.Stamp.create({ label: 'bad', at: new Date(), day }).catch((e) => e)
      expect(err, day).toBeInstanceOf(InvalidValueError)
    }
    await expect(db.Stamp.filter({ at: { gt: new Date('+010000-01-01T00:00:00Z') } }).count()).rejects.toBeInstanceOf(
      InvalidValueError,
    )
    // Raw SQL: the same range, the same error (MariaDB gave an OperationalError, the others a DataError).
    await expect(
      db.execute(sql`insert into stamp (label, at) values (${'raw'}, ${new Date('+010000-01-01T00:00:00Z')})`),
    ).rejects.toBeInstanceOf(InvalidValueError)
    expect(await db.Stamp.count()).toBe(before)
  })
})
