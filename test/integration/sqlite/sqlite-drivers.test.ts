// Issue 14: the opt-in better-sqlite3 driver. How it is chosen (URL or option), the error when it is not installed,
// and the places where better-sqlite3 differs from node:sqlite and quarry makes them agree: vendor codes and error
// classes, integers beyond 2^53, writes inside an iterator() loop, the defensive mode, cache identity. The rest
// of the behaviour is the contract suites, which run on both drivers (test/support/backends.ts).
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { SqliteBackend } from '../../../src/backends/sqlite/sqlite-backend.ts'
import { createCache } from '../../../src/cache/create-cache.ts'
import {
  connect,
  type DatabaseError,
  DataError,
  defineSchema,
  f,
  ImproperlyConfigured,
  IntegrityError,
  model,
  ProgrammingError,
  sql,
} from '../../../src/index.ts'
import { describeEachSqliteDriver } from '../../support/backends.ts'
import { blogSchema } from '../../support/blog-schema.ts'
import { betterSqlite3Unavailable, SQLITE_DRIVERS, sqliteUrlOn } from '../../support/sqlite-drivers.ts'

const dir = mkdtempSync(join(tmpdir(), 'quarry-sqlite-drivers-'))
const opened: { close(): Promise<void> }[] = []
afterAll(async () => {
  for (const db of opened) await db.close()
})
const driverOf = (db: { executor: { backend(alias: string): unknown } }) =>
  (db.executor.backend('default') as SqliteBackend).driver

describe('choosing the SQLite driver', () => {
  it('node:sqlite by default; an unknown driver, an unknown URL parameter or two different names are errors', async () => {
    const db = await connect('sqlite::memory:', blogSchema)
    opened.push(db)
    expect(driverOf(db)).toBe('node:sqlite')
    await expect(connect('sqlite::memory:?driver=sqlite3', blogSchema)).rejects.toThrow(
      "Unknown SQLite driver 'sqlite3' in the URL (?driver=…). Use 'node:sqlite' or 'better-sqlite3'.",
    )
    await expect(connect('sqlite::memory:', blogSchema, { sqlite: { driver: 'bun' as never } })).rejects.toThrow(
      "Unknown SQLite driver 'bun' in sqlite.driver",
    )
    const typo = await connect(`sqlite:${join(dir, 'typo.db')}?drvier=better-sqlite3`, blogSchema).catch((e) => e)
    expect(typo).toBeInstanceOf(ImproperlyConfigured)
    expect(typo.message).toContain("Unknown parameter 'drvier' in a SQLite URL")
    const both = await connect('sqlite::memory:?driver=better-sqlite3', blogSchema, {
      sqlite: { driver: 'node:sqlite' },
    }).catch((e) => e)
    expect(both).toBeInstanceOf(ImproperlyConfigured)
    expect(both.message).toContain("asks for driver 'better-sqlite3' and sqlite.driver for 'node:sqlite'")
  })

  it('better-sqlite3 not installed: an ImproperlyConfigured naming the package and the install command', () => {
    // A child process where the package cannot be found, whatever is installed here: a resolve hook refuses it, for
    // import() and require() alike.
    const index = pathToFileURL(new URL('../../../src/index.ts', import.meta.url).pathname).href
    const script = `
      import { registerHooks } from 'node:module'
      registerHooks({
        resolve(specifier, context, next) {
          if (specifier === 'better-sqlite3')
            throw Object.assign(new Error("Cannot find package 'better-sqlite3' imported from x"), { code: 'ERR_MODULE_NOT_FOUND' })
          return next(specifier, context)
        },
      })
      const quarry = await import(${JSON.stringify(index)})
      const schema = quarry.defineSchema({ Thing: quarry.model('Thing', { name: quarry.f.string({ maxLength: 10 }) }) })
      const viaUrl = await quarry.connect('sqlite::memory:?driver=better-sqlite3', schema).then(() => null, (e) => e)
      const viaOption = await quarry.connect('sqlite::memory:', schema, { sqlite: { driver: 'better-sqlite3' } }).then(() => null, (e) => e)
      console.log(JSON.stringify([viaUrl, viaOption].map((e) => ({ name: e?.name, code: e?.code, message: e?.message }))))
    `
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
    const errors = JSON.parse(out.trim().split('\n').pop()!) as { name: string; code: string; message: string }[]
    for (const e of errors) {
      expect(e.name).toBe('ImproperlyConfigured')
      expect(e.code).toBe('IMPROPERLY_CONFIGURED')
      expect(e.message).toContain("The SQLite driver 'better-sqlite3' was asked for")
      expect(e.message).toContain('npm install better-sqlite3')
    }
  })
})

describe('better-sqlite3 and node:sqlite agree', async () => {
  const why = await betterSqlite3Unavailable()
  if (why) {
    if (process.env.CI === 'true') throw new Error(`better-sqlite3 is required under CI=true but unavailable: ${why}`)
    it.skip(`better-sqlite3 unavailable: ${why}`, () => {})
    return
  }

  it('the URL parameter and the option both select it; the query cache names the database, not the driver', async () => {
    const path = join(dir, 'choose.db')
    const cache = createCache('memory://?maxEntries=100')
    const on = async (driver: (typeof SQLITE_DRIVERS)[number], url = sqliteUrlOn(path, driver)) =>
      connect(url, blogSchema, { cache, nPlusOne: 'off', ...(url.includes('?') ? {} : { sqlite: { driver } }) })
    const names = (db: Awaited<ReturnType<typeof on>>) =>
      db.Author.orderBy('name').cache({ ttl: 60 }).valuesList('name', { flat: true })
    // One driver at a time on a file (see the next test): close each connection before the next opens.
    const viaNode = await on('node:sqlite')
    expect(driverOf(viaNode)).toBe('node:sqlite')
    await viaNode.createTables()
    expect(await names(viaNode)).toEqual([])
    await viaNode.close()
    const viaUrl = await on('better-sqlite3')
    expect(driverOf(viaUrl)).toBe('better-sqlite3')
    expect(await names(viaUrl)).toEqual([]) // node:sqlite's cached answer
    // A write through better-sqlite3 invalidates what the node:sqlite connection cached.
    await viaUrl.Author.create({ name: 'Ada' })
    await viaUrl.close()
    const viaOption = await on('better-sqlite3', `sqlite:${path}`)
    expect(driverOf(viaOption)).toBe('better-sqlite3')
    await viaOption.close()
    const again = await on('node:sqlite')
    opened.push(again)
    expect(await names(again)).toEqual(['Ada'])
  })

  it('a file open with one driver cannot be opened with the other in the same process', async () => {
    const path = join(dir, 'one-driver.db')
    const first = await connect(sqliteUrlOn(path, 'better-sqlite3'), blogSchema)
    const same = await connect(sqliteUrlOn(path, 'better-sqlite3'), blogSchema)
    const other = await connect(sqliteUrlOn(path, 'node:sqlite'), blogSchema).catch((e) => e)
    expect(other).toBeInstanceOf(ImproperlyConfigured)
    expect(other.message).toContain('is open in this process with better-sqlite3')
    expect(other.message).toContain('could corrupt it')
    await first.close()
    await same.close()
    const now = await connect(sqliteUrlOn(path, 'node:sqlite'), blogSchema)
    expect(driverOf(now)).toBe('node:sqlite')
    await now.close()
  })

  const Gauge = model('Gauge', {
    label: f.string({ maxLength: 20, unique: true }),
    level: f.integer(),
    owner: f.foreignKey('Owner', { onDelete: 'cascade', null: true }),
  })
  const Owner = model('Owner', { name: f.string({ maxLength: 20 }) })
  // A statement selecting a bigint field reads every integer as bigint (exact), on both drivers.
  const Wide = model('Wide', { label: f.string({ maxLength: 20 }), big: f.bigint() })
  const schema = defineSchema({ Gauge, Owner, Wide })
  const open = async (driver: (typeof SQLITE_DRIVERS)[number]) => {
    const db = await connect(sqliteUrlOn(join(dir, `agree-${driver.replace(':', '-')}.db`), driver), schema, {
      nPlusOne: 'off',
    })
    opened.push(db)
    await db.createTables()
    await db.execute(sql`create table checked (n integer check (n > 0))`)
    return db
  }
  const dbs = Object.fromEntries(await Promise.all(SQLITE_DRIVERS.map(async (d) => [d, await open(d)] as const)))

  /** The error `fn` fails with on each driver, as what a user sees of it. */
  const failures = async (fn: (db: (typeof dbs)[string]) => PromiseLike<unknown>) =>
    Promise.all(
      SQLITE_DRIVERS.map(async (d) => {
        const e = (await fn(dbs[d]!).then(
          () => null,
          (err: unknown) => err,
        )) as DatabaseError | null
        return e && { class: e.constructor.name, vendorCode: e.vendorCode, message: e.message }
      }),
    )

  it('driver errors: the same PEP 249 class, extended result code and message', async () => {
    for (const db of Object.values(dbs)) await db.Gauge.create({ label: 'dup', level: 1 })
    const cases: [string, (db: (typeof dbs)[string]) => Promise<unknown>, typeof DatabaseError, number][] = [
      ['unique', (db) => db.Gauge.create({ label: 'dup', level: 1 }), IntegrityError, 2067],
      [
        'not null',
        (db) => db.execute(sql`insert into gauge (label, level) values (${'n'}, null)`),
        IntegrityError,
        1299,
      ],
      ['foreign key', (db) => db.Gauge.create({ label: 'fk', level: 1, owner: 999 as never }), IntegrityError, 787],
      ['check', (db) => db.execute(sql`insert into checked (n) values (${-1})`), IntegrityError, 275],
      ['syntax', (db) => db.query(sql`selec 1`), ProgrammingError, 1],
      ['no such column', (db) => db.query(sql`select nope from gauge`), ProgrammingError, 1],
      ['bigint past 64 bits', (db) => db.Wide.create({ label: 'b', big: 2n ** 70n }), DataError, NaN],
    ]
    for (const [name, fn, cls, code] of cases) {
      const [viaNode, viaBetter] = await failures(fn)
      expect(viaNode, name).not.toBeNull()
      expect(viaNode!.class, name).toBe(cls.name)
      if (!Number.isNaN(code)) expect(viaNode!.vendorCode, name).toBe(code)
      // The bind refusal is each driver's own words; everything else is SQLite's, and identical.
      if (name === 'bigint past 64 bits')
        expect({ ...viaBetter, message: '' }, name).toEqual({ ...viaNode, message: '' })
      else expect(viaBetter, name).toEqual(viaNode)
    }
  })

  it('an integer beyond 2^53 in an integer column is a DataError without the value, as on node:sqlite', async () => {
    for (const db of Object.values(dbs)) {
      await db.execute(sql`insert into gauge (label, level) values (${'huge'}, ${2n ** 62n})`)
      await db.Wide.create({ label: 'huge', big: 2n ** 62n })
    }
    const digits = String(2n ** 62n).slice(0, 12)
    for (const read of [
      async (db: (typeof dbs)[string]) => await db.Gauge.filter({ label: 'huge' }),
      (db: (typeof dbs)[string]) => db.query(sql`select level from gauge where label = ${'huge'}`),
      async (db: (typeof dbs)[string]) => {
        for await (const _ of db.Gauge.filter({ label: 'huge' }).iterator()) void _
      },
    ]) {
      const [viaNode, viaBetter] = await failures(read)
      expect(viaNode?.class).toBe('DataError')
      expect(viaNode?.message).toContain('beyond ±(2^53 − 1)')
      expect(viaNode?.message).not.toContain(digits)
      expect(viaBetter).toEqual(viaNode)
    }
    // A bigint field reads exactly on both; an integer within range is a number.
    for (const db of Object.values(dbs)) {
      expect(await db.Wide.filter({ label: 'huge' }).valuesList('big', { flat: true })).toEqual([2n ** 62n])
      expect((await db.Wide.get({ label: 'huge' })).big).toBe(2n ** 62n)
      expect(await db.Gauge.filter({ label: 'dup' }).valuesList('level', { flat: true })).toEqual([1])
    }
  })

  it('an iterator() loop may write on its connection, and the connection is defensive again after it', async () => {
    for (const db of Object.values(dbs)) {
      await db.Gauge.filter({ label: { startswith: 'loop' } }).delete()
      await db.Gauge.bulkCreate(Array.from({ length: 5 }, (_, i) => ({ label: `loop${i}`, level: i })))
      const seen: string[] = []
      for await (const g of db.Gauge.filter({ label: { startswith: 'loop' } })
        .orderBy('level')
        .iterator({ chunkSize: 2 })) {
        seen.push(g.label)
        await db.Gauge.filter({ id: g.id }).update({ level: g.level + 100 }) // UPDATE
        await db.execute(sql`delete from checked`) // exec-style statement
        await db.atomic(async () => db.Owner.create({ name: g.label })) // BEGIN … COMMIT
      }
      expect(seen).toEqual(['loop0', 'loop1', 'loop2', 'loop3', 'loop4'])
      expect(await db.Owner.filter({ name: { startswith: 'loop' } }).count()).toBe(5)
      // Outside loops, SQLite's defensive mode is on with both drivers: the schema table cannot be written.
      await db.execute(sql`PRAGMA writable_schema = ON`)
      await expect(db.execute(sql`update sqlite_schema set sql = sql where 0`)).rejects.toThrow(/may not be modified/)
      await db.execute(sql`PRAGMA writable_schema = OFF`)
    }
  })

  it('a loop left in the middle does not stop the database from closing', async () => {
    const db = await connect(sqliteUrlOn(join(dir, 'abandoned.db'), 'better-sqlite3'), schema)
    await db.createTables()
    await db.Gauge.bulkCreate(Array.from({ length: 10 }, (_, i) => ({ label: `g${i}`, level: i })))
    const it = db.Gauge.all().iterator({ chunkSize: 2 })[Symbol.asyncIterator]()
    expect((await it.next()).done).toBe(false)
    await db.close()
  })
})

describeEachSqliteDriver('raw SQL on each driver', (d) => {
  it('a statement that returns no rows runs through db.query, and blobs read back as bytes', async () => {
    const db = await connect(d.url(':memory:'), blogSchema)
    opened.push(db)
    await db.execute(sql`create table bin (b blob)`)
    expect(await db.query(sql`insert into bin (b) values (${new Uint8Array([1, 2, 3])})`)).toEqual([])
    const [row] = await db.query<{ b: Uint8Array }>(sql`select b from bin`)
    expect(row!.b).toBeInstanceOf(Uint8Array)
    expect([...row!.b]).toEqual([1, 2, 3])
  })
})
