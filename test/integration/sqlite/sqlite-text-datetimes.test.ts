// Issue 9, item 10: SQLite datetimes written by other tools ('2024-01-01 12:00:00': naive UTC, what Django, the
// sqlite3 shell and datetime() store) are read as UTC whatever the process time zone, and quarry writes a form
// that sorts with them. Opening an existing file leaves its journal mode alone unless asked.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { connect, type Db, defineSchema, f, model, sql } from '../../../src/index.ts'
import { describeEachSqliteDriver } from '../../support/backends.ts'

const Reading = model('Reading', { label: f.string({ maxLength: 20 }), at: f.datetime() })
const schema = defineSchema({ Reading })
const zone = process.env.TZ
beforeAll(() => {
  process.env.TZ = 'America/New_York'
})
afterAll(() => {
  process.env.TZ = zone
})

it('runs under a non-UTC time zone', () => {
  expect(new Date(2024, 0, 1).getTimezoneOffset()).toBe(300)
})

describeEachSqliteDriver('SQLite text datetimes and journal mode', (d) => {
  const dir = mkdtempSync(join(tmpdir(), 'quarry-sqlite-tz-'))

  it('reads every textual form as UTC and sorts rows of both writers in time order', async () => {
    const db = await connect(d.url(join(dir, 'mixed.db')), schema)
    await db.createTables()
    // Rows as other tools write them (text inlined, as a shell would).
    for (const [label, text] of [
      ['shell', '2024-01-01 12:00:00'],
      ['django', '2024-01-01 12:00:00.250000'],
      ['iso-naive', '2024-01-01T13:00:00'],
      ['iso-z', '2024-01-01T14:00:00Z'],
      ['offset', '2024-01-01 10:00:00-05:00'],
    ])
      await db.execute(sql`insert into reading (label, at) values (${label}, ${sql.unsafe(`'${text}'`)})`)
    await db.Reading.create({ label: 'quarry', at: new Date('2024-01-01T12:30:00.500Z') })
    await db.Reading.create({ label: 'quarry-whole', at: new Date('2024-01-01T11:00:00Z') })

    // Every form reads as the instant it names (UTC unless it says otherwise).
    const read = new Map((await db.Reading.all()).map((r) => [r.label, r.at.toISOString()]))
    expect(Object.fromEntries(read)).toEqual({
      shell: '2024-01-01T12:00:00.000Z',
      django: '2024-01-01T12:00:00.250Z',
      'iso-naive': '2024-01-01T13:00:00.000Z',
      'iso-z': '2024-01-01T14:00:00.000Z',
      offset: '2024-01-01T15:00:00.000Z',
      quarry: '2024-01-01T12:30:00.500Z',
      'quarry-whole': '2024-01-01T11:00:00.000Z',
    })
    // quarry's form sorts, as text, among the space-separated naive UTC forms the others write.
    const spaced = await db.Reading.filter({ label: { in: ['shell', 'django', 'quarry', 'quarry-whole'] } }).orderBy(
      'at',
    )
    expect(spaced.map((r) => r.label)).toEqual(['quarry-whole', 'shell', 'django', 'quarry'])
    // Comparisons against a bound Date agree with the instants for the forms quarry and the shell write.
    expect(
      await db.Reading.filter({ at: { gte: new Date('2024-01-01T12:00:00Z'), lt: new Date('2024-01-01T13:00:00Z') } })
        .orderBy('at')
        .valuesList('label', { flat: true }),
    ).toEqual(['shell', 'django', 'quarry'])
    // The stored form: ISO 8601 date and time with a space, UTC, no zone suffix, milliseconds only when not zero.
    expect(
      (await db.query<{ at: string }>(sql`select at from reading where label like ${'quarry%'} order by id`)).map(
        (r) => r.at,
      ),
    ).toEqual(['2024-01-01 12:30:00.500', '2024-01-01 11:00:00'])
    await db.close()
  })

  it('WAL is switched on for a file quarry creates, and left alone on an existing file unless asked', async () => {
    const created = join(dir, 'created.db')
    const db1 = await connect(d.url(created), schema)
    expect((await db1.query<{ journal_mode: string }>(sql`PRAGMA journal_mode`))[0]!.journal_mode).toBe('wal')
    await db1.close()

    const existing = join(dir, 'existing.db')
    const other = new DatabaseSync(existing)
    other.exec('CREATE TABLE t (x INTEGER)')
    other.close()
    const db2 = await connect(d.url(existing), schema)
    expect((await db2.query<{ journal_mode: string }>(sql`PRAGMA journal_mode`))[0]!.journal_mode).toBe('delete')
    await db2.close()
    const db3 = await connect(d.url(existing), schema, { sqlite: { wal: true } })
    expect((await db3.query<{ journal_mode: string }>(sql`PRAGMA journal_mode`))[0]!.journal_mode).toBe('wal')
    await db3.close()
    const fresh = join(dir, 'no-wal.db')
    const db4 = await connect(d.url(fresh), schema, { sqlite: { wal: false } })
    expect((await db4.query<{ journal_mode: string }>(sql`PRAGMA journal_mode`))[0]!.journal_mode).toBe('delete')
    await db4.close()
  })

  it("every connection has a 16 MB page cache, better-sqlite3's default (node:sqlite's own is 2 MB)", async () => {
    const db = await connect(d.url(join(dir, 'cache.db')), schema)
    expect((await db.query<{ cache_size: number }>(sql`PRAGMA cache_size`))[0]!.cache_size).toBe(-16_000)
    await db.close()
    const memory = await connect(d.url(':memory:'), schema)
    expect((await memory.query<{ cache_size: number }>(sql`PRAGMA cache_size`))[0]!.cache_size).toBe(-16_000)
    await memory.close()
  })

  it('a WAL file commits without waiting for the disk (synchronous NORMAL), whoever switched it; others keep FULL', async () => {
    const sync = async (db: Db<typeof schema.$models>) =>
      (await db.query<{ synchronous: number }>(sql`PRAGMA synchronous`))[0]!.synchronous
    const file = join(dir, 'reopened.db')
    const db1 = await connect(d.url(file), schema)
    expect(await sync(db1)).toBe(1)
    await db1.close()
    // Opened again: the file is already in WAL mode. Before, only the process that created it got NORMAL.
    const db2 = await connect(d.url(file), schema)
    expect(await sync(db2)).toBe(1)
    await db2.close()
    const walByOthers = join(dir, 'wal-by-others.db')
    const other = new DatabaseSync(walByOthers)
    other.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER)')
    other.close()
    const db3 = await connect(d.url(walByOthers), schema)
    expect(await sync(db3)).toBe(1)
    await db3.close()
    const rollback = join(dir, 'rollback-journal.db')
    const plain = new DatabaseSync(rollback)
    plain.exec('CREATE TABLE t (x INTEGER)')
    plain.close()
    const db4 = await connect(d.url(rollback), schema)
    expect(await sync(db4)).toBe(2)
    await db4.close()
  })
})
