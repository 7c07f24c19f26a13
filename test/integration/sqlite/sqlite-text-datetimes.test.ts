// Issue 9, item 10: SQLite datetimes written by other tools ('2024-01-01 12:00:00': naive UTC, what Django, the
// sqlite3 shell and datetime() store) are read as UTC whatever the process time zone, and quarry writes a form
// that sorts with them. Opening an existing file leaves its journal mode alone unless asked.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { connect, defineSchema, f, model, sql } from '../../../src/index.ts'
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

  const PRAGMAS = {
    journal_mode: sql`PRAGMA journal_mode`,
    cache_size: sql`PRAGMA cache_size`,
    synchronous: sql`PRAGMA synchronous`,
  }
  /** `PRAGMA name` on a connection quarry opens to `file` (closed again). */
  const pragma = async (file: string, name: keyof typeof PRAGMAS, options?: Parameters<typeof connect>[2]) => {
    const db = await connect(d.url(file), schema, options)
    try {
      return (await db.query<Record<string, unknown>>(PRAGMAS[name]))[0]![name]
    } finally {
      await db.close()
    }
  }
  /** A file another program made (node:sqlite, no quarry), after `setup`. */
  const madeElsewhere = (name: string, setup: string) => {
    const file = join(dir, name)
    const other = new DatabaseSync(file)
    other.exec(setup)
    other.close()
    return file
  }

  it('WAL is switched on for a file quarry creates, and left alone on an existing file unless asked', async () => {
    expect(await pragma(join(dir, 'created.db'), 'journal_mode')).toBe('wal')
    const existing = madeElsewhere('existing.db', 'CREATE TABLE t (x INTEGER)')
    expect(await pragma(existing, 'journal_mode')).toBe('delete')
    expect(await pragma(existing, 'journal_mode', { sqlite: { wal: true } })).toBe('wal')
    expect(await pragma(join(dir, 'no-wal.db'), 'journal_mode', { sqlite: { wal: false } })).toBe('delete')
  })

  it("every connection has a 16 MB page cache, better-sqlite3's default (node:sqlite's own is 2 MB)", async () => {
    expect(await pragma(join(dir, 'cache.db'), 'cache_size')).toBe(-16_000)
    expect(await pragma(':memory:', 'cache_size')).toBe(-16_000)
  })

  it('a WAL file commits without waiting for the disk (synchronous NORMAL), whoever switched it; others keep FULL', async () => {
    const file = join(dir, 'reopened.db')
    expect(await pragma(file, 'synchronous')).toBe(1)
    // Opened again: the file is already in WAL mode. Before, only the process that created it got NORMAL.
    expect(await pragma(file, 'synchronous')).toBe(1)
    const walByOthers = madeElsewhere('wal-by-others.db', 'PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER)')
    expect(await pragma(walByOthers, 'synchronous')).toBe(1)
    const rollback = madeElsewhere('rollback-journal.db', 'CREATE TABLE t (x INTEGER)')
    expect(await pragma(rollback, 'synchronous')).toBe(2)
  })
})
