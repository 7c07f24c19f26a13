import { beforeAll, describe, expect, it } from 'vitest'
import { defineSchema, f, model } from '../../../src/index.ts'
import { captureQueries } from '../../../src/testing/index.ts'
import { describeEachBackend } from '../../support/backends.ts'

const Sample = model('Sample', {
  label: f.string({ maxLength: 50 }),
  big: f.bigint({ null: true }),
  flag: f.boolean({ default: false }),
  at: f.datetime({ null: true }),
  day: f.date({ null: true }),
  n: f.integer({ default: 0 }),
})
const schema = defineSchema({ Sample })

const at1 = new Date('2024-01-01T00:00:00Z')
const at2 = new Date('2024-06-01T12:00:00.5Z')
/** Every character an array literal or a quoted list could trip on. */
const awkward = 'a"b\\c,{}\'d'

describeEachBackend('in lookups', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof schema.$models>>>
  const labels = (rows: readonly { label: string }[]) => rows.map((r) => r.label).sort()
  beforeAll(async () => {
    db = await b.connect(schema)
    await db.Sample.create({ label: 'x', big: 9007199254740993n, flag: true, at: at1, day: '2024-01-02', n: 1 })
    await db.Sample.create({ label: 'y', big: 5n, flag: false, at: at2, day: '0099-03-04', n: 2 })
    await db.Sample.create({ label: awkward, flag: false, n: 3 })
  })

  it('match Dates (to the millisecond), booleans, bigints, dates and strings with quotes', async () => {
    expect(labels(await db.Sample.filter({ at: { in: [at1, at2] } }))).toEqual(['x', 'y'])
    expect(labels(await db.Sample.filter({ at: { in: [new Date(at2.getTime() + 1)] } }))).toEqual([])
    expect(labels(await db.Sample.filter({ flag: { in: [true] } }))).toEqual(['x'])
    expect(labels(await db.Sample.filter({ flag: { in: [false] } }))).toEqual(['y', awkward].sort())
    expect(labels(await db.Sample.filter({ big: { in: [9007199254740993n, 7n] } }))).toEqual(['x'])
    // 2^53 + 1 must not be rounded to 2^53 on the way.
    expect(labels(await db.Sample.filter({ big: { in: [9007199254740992n] } }))).toEqual([])
    expect(labels(await db.Sample.filter({ day: { in: ['2024-01-02', '0099-03-04'] } }))).toEqual(['x', 'y'])
    expect(labels(await db.Sample.filter({ label: { in: ['x', awkward, 'a"b'] } }))).toEqual(['x', awkward].sort())
    expect(await db.Sample.filter({ label: { in: [] } }).count()).toBe(0)
    expect(await db.Sample.exclude({ label: { in: [] } }).count()).toBe(3)
  })

  it('long lists (past half the bind limit) of every kind match the same rows, as one parameter', async () => {
    const { features } = db.executor.backend('default')
    const pad = <T>(fill: (i: number) => T, ...real: T[]): T[] => [
      ...Array.from({ length: Math.floor(features.maxBindParams / 2) + 10 }, (_, i) => fill(i)),
      ...real,
    ]
    const events = await captureQueries(db, async () => {
      expect(
        labels(await db.Sample.filter({ at: { in: pad((i) => new Date(Date.UTC(1990, 0, 1) + i * 1000), at1, at2) } })),
      ).toEqual(['x', 'y'])
      expect(labels(await db.Sample.filter({ label: { in: pad((i) => `nope-${i}`, 'x', awkward) } }))).toEqual(
        ['x', awkward].sort(),
      )
      expect(labels(await db.Sample.filter({ label: { in: pad((i) => `nope-${i}`, 'X') } }))).toEqual([]) // case-sensitive
      expect(labels(await db.Sample.filter({ big: { in: pad((i) => BigInt(i) + 100n, 9007199254740993n) } }))).toEqual([
        'x',
      ])
      expect(labels(await db.Sample.filter({ big: { in: pad((i) => BigInt(i) + 100n, 9007199254740992n) } }))).toEqual(
        [],
      )
      expect(labels(await db.Sample.filter({ day: { in: pad(() => '1999-12-31', '0099-03-04') } }))).toEqual(['y'])
      expect(labels(await db.Sample.filter({ flag: { in: pad(() => false, true) } }))).toEqual(
        ['x', 'y', awkward].sort(),
      )
    })
    expect(events).toHaveLength(7)
    for (const e of events) expect(e.sql.match(/\?|\$\d+/g)).toHaveLength(1)
  })

  it('bind one array parameter (= ANY) where arrays are parameters, one placeholder per value elsewhere', async () => {
    const { features } = db.executor.backend('default')
    const [q] = await captureQueries(db, () => db.Sample.filter({ label: { in: ['x', 'y', awkward] } }).count())
    if (features.hasArrayParams) {
      expect(q!.sql).toMatch(/ = ANY\(\$1\)/)
      expect(q!.sql.match(/\$\d+/g)).toEqual(['$1'])
    } else {
      expect(q!.sql).not.toContain('ANY(')
      expect(q!.sql.match(/\?|\$\d+/g)).toHaveLength(3)
    }
  })

  it('an in list of exactly features.maxBindParams values works', async () => {
    const { maxBindParams } = db.executor.backend('default').features
    const ns = Array.from({ length: maxBindParams }, (_, i) => i + 3) // 3 … max + 2: only the third row
    expect(await db.Sample.filter({ n: { in: ns } }).count()).toBe(1)
    expect(labels(await db.Sample.filter({ n: { in: ns } }))).toEqual([awkward])
  })

  // Collected after connecting: whether this backend binds arrays decides which variant is expected to pass.
  describe('an in list over features.maxBindParams', async () => {
    const probe = await b.connect(schema)
    const { features } = probe.executor.backend('default')
    // Past the limit: one array parameter (PostgreSQL) or one JSON array (json_each, JSON_TABLE).
    it('still finds the matching rows', async () => {
      const ns = Array.from({ length: features.maxBindParams + 1 }, (_, i) => i + 3) // … ends on max + 3
      await probe.Sample.create({ label: 'first', n: 3 })
      await probe.Sample.create({ label: 'last', n: features.maxBindParams + 3 })
      await probe.Sample.create({ label: 'past', n: features.maxBindParams + 4 })
      expect(await probe.Sample.filter({ n: { in: ns } }).count()).toBe(2)
      expect(labels(await probe.Sample.filter({ n: { in: ns } }))).toEqual(['first', 'last'])
    })
  })
})
