import diagnostics from 'node:diagnostics_channel'
import { beforeAll, expect, it } from 'vitest'
import { STREAM_BATCH } from '../../../src/backends/sqlite/sqlite-connection.ts'
import { connect, type DatabaseError, defineSchema, f, model, OperationalError, sql } from '../../../src/index.ts'
import { describeEachBackend } from '../../support/backends.ts'

const Reading = model('Reading', {
  n: f.integer(),
  at: f.datetime(),
  flag: f.boolean(),
  big: f.bigint(),
  note: f.string({ maxLength: 20, null: true }),
  ratio: f.float(),
  day: f.date({ null: true }),
  doc: f.json({ null: true }),
  price: f.decimal({ maxDigits: 10, decimalPlaces: 2, null: true }),
})
/** Rows of ~10 kB: a result far larger than the socket buffers, so it cannot all be in flight at once. */
const Page = model('Page', { n: f.integer(), body: f.text() })
const schema = defineSchema({ Reading, Page })
type StreamDb = Awaited<ReturnType<typeof connect<typeof schema.$models>>>

const TOTAL = 1234
const PAGES = 3000
const base = Date.UTC(2024, 0, 1, 12, 0, 0, 250)
const expected = (n: number) => ({
  n,
  at: new Date(base + n * 60_000),
  flag: n % 3 === 0,
  big: 9007199254740993n + BigInt(n), // beyond 2^53: a double would round it
  note: n % 5 === 0 ? null : `r${n}`,
  ratio: n / 7,
})

const settle = <T>(p: Promise<T>): Promise<unknown> =>
  p.then(
    () => null,
    (e: unknown) => e,
  )
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Statements run while `fn` does, from the profiler channel. */
async function statements(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = []
  const listen = (e: unknown) => seen.push((e as { sql: string }).sql)
  diagnostics.subscribe('quarry:query', listen)
  try {
    await fn()
  } finally {
    diagnostics.unsubscribe('quarry:query', listen)
  }
  return seen
}

describeEachBackend('row streaming', (b) => {
  let url: string
  /** One connection: a connection left busy by a stream would block the next statement (and time out). */
  let db: StreamDb
  beforeAll(async () => {
    url = await b.freshUrl()
    db = await connect(url, schema, { pool: { max: 1 } })
    await db.createTables()
    await db.atomic(async () => {
      for (let n = 0; n < TOTAL; n++)
        await db.Reading.create({
          ...expected(n),
          day: n % 4 ? `2024-02-${String((n % 28) + 1).padStart(2, '0')}` : null,
          doc: n % 4 ? { n, tags: ['a', n] } : null,
          price: n % 4 ? `${n}.25` : null,
        })
    })
    return () => db.close()
  })

  it('iterator() yields every row once, in order, with Date, boolean, bigint and null values, in one statement', async () => {
    const { features } = db.executor.backend('default')
    const rows: ReturnType<typeof expected>[] = []
    const sqls = await statements(async () => {
      for await (const r of db.Reading.orderBy('n').iterator({ chunkSize: 100 }))
        rows.push({ n: r.n, at: r.at, flag: r.flag, big: r.big, note: r.note, ratio: r.ratio })
    })
    expect(rows).toHaveLength(TOTAL)
    expect(rows).toEqual(Array.from({ length: TOTAL }, (_, n) => expected(n)))
    expect(rows[3]!.at).toBeInstanceOf(Date)
    expect(typeof rows[3]!.big).toBe('bigint')
    expect(typeof rows[3]!.flag).toBe('boolean')
    // A stream is one SELECT; LIMIT/OFFSET pages would be ceil(1234 / 100) + 1 of them.
    if (features.canStreamRows) expect(sqls).toHaveLength(1)
  })

  it('a stream converts values exactly as a plain fetch of the same statement does', async () => {
    const backend = db.executor.backend('default')
    if (!backend.features.canStreamRows) return
    const statement = `SELECT n, at, flag, big, note, ratio, day, doc, price, n * 0.5 AS half, CAST(NULL AS CHAR) AS missing FROM reading WHERE n < ${backend.ops.placeholder(1)} ORDER BY n`
    const params = [600]
    const fetched = await backend.withConnection((c) => c.rows(statement, params, { bigints: true }))
    const streamed: unknown[][] = []
    const chunks: number[] = []
    await backend.withConnection(async (c) => {
      for await (const chunk of c.stream!(statement, params, 64, { bigints: true })) {
        chunks.push(chunk.length)
        streamed.push(...chunk)
      }
    })
    expect(fetched).toHaveLength(600)
    expect(streamed).toEqual(fetched)
    // Servers send the chunk size asked for; SQLite's drivers read STREAM_BATCH rows at a time whatever it is.
    const size = b.vendor === 'sqlite' ? STREAM_BATCH : 64
    expect(chunks).toEqual([
      ...Array.from({ length: Math.floor(600 / size) }, () => size),
      ...(600 % size ? [600 % size] : []),
    ])
  })

  it('stopping after the first chunk leaves the pool usable for the next query and a full iteration', async () => {
    let seen = 0
    for await (const _ of db.Reading.orderBy('n').iterator({ chunkSize: 100 })) if (++seen === 100) break
    expect(seen).toBe(100)
    expect(await db.Reading.filter({ flag: true }).count()).toBe(Math.ceil(TOTAL / 3))
    let n = 0
    for await (const r of db.Reading.orderBy('-n').iterator({ chunkSize: 100 })) expect(r.n).toBe(TOTAL - 1 - n++)
    expect(n).toBe(TOTAL)
  })

  it('stopping early inside a transaction keeps its connection: later statements and the commit work', async () => {
    const count = await db.atomic(async () => {
      for await (const r of db.Reading.orderBy('n').iterator({ chunkSize: 100 })) if (r.n === 150) break
      await db.Reading.create({ ...expected(TOTAL), n: TOTAL })
      return db.Reading.count()
    })
    expect(count).toBe(TOTAL + 1)
    expect(await db.Reading.count()).toBe(TOTAL + 1)
    await db.Reading.filter({ n: TOTAL }).delete()
  })
})

/** Streaming on the wire (no server-side cursor): backpressure, early exit and lost connections. */
describeEachBackend('mysql row streaming', (b) => {
  if (b.vendor !== 'mysql') return it.skip('mysql2 streams on the connection (MySQL/MariaDB only)')
  let url: string
  let db: StreamDb
  let admin: StreamDb
  /** The statement another session is running, from the process list. */
  const running = async (id: number) => {
    const [row] = await admin.query<{ info: string | null; command: string }>(
      sql`SELECT INFO AS info, COMMAND AS command FROM information_schema.PROCESSLIST WHERE ID = ${id}`,
    )
    return row
  }
  const sessionOf = async (d: StreamDb) => {
    const [{ id }] = (await d.query<{ id: number }>(sql`SELECT CONNECTION_ID() AS id`)) as [{ id: number }]
    return Number(id)
  }
  beforeAll(async () => {
    url = await b.freshUrl()
    db = await connect(url, schema, { pool: { max: 1 } })
    await db.createTables()
    admin = await connect(url, schema)
    // ~30 MB: generated on the server, in one statement.
    await db.execute(
      sql`INSERT INTO page (n, body)
        WITH RECURSIVE d (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM d WHERE i < 9)
        SELECT n, REPEAT('x', 10000) FROM (SELECT a.i * 1000 + b.i * 100 + c.i * 10 + e.i + 1 AS n FROM d a, d b, d c, d e) s
        WHERE n <= ${PAGES}`,
    )
    return async () => {
      await db.close()
      await admin.close()
    }
  })

  it('pauses the connection while a chunk is consumed: the server is still sending, the client holds one chunk', async () => {
    const id = await sessionOf(db) // the pool's only connection, which the stream will lease
    let seen = 0
    let during: Awaited<ReturnType<typeof running>>
    for await (const p of db.Page.orderBy('n').iterator({ chunkSize: 100 })) {
      expect(p.n).toBe(++seen)
      if (seen === 1) {
        await pause(300) // without backpressure the whole result would arrive meanwhile
        during = await running(id)
      }
    }
    expect(seen).toBe(PAGES)
    // Still in the statement: it waits on the paused socket.
    expect(during!.command).not.toBe('Sleep')
    expect(during!.info).toMatch(/FROM `page`/)
  })

  it('a stream stopped early closes its connection instead of reading the rest; the pool replaces it', async () => {
    const before = await sessionOf(db)
    let seen = 0
    const started = performance.now()
    for await (const _ of db.Page.orderBy('n').iterator({ chunkSize: 100 })) if (++seen === 100) break
    expect(performance.now() - started).toBeLessThan(5000)
    expect(await sessionOf(db)).not.toBe(before)
    let n = 0
    for await (const _ of db.Page.orderBy('n').iterator({ chunkSize: 500 })) n++
    expect(n).toBe(PAGES)
    expect(await db.Page.count()).toBe(PAGES)
  })

  it('a stream whose session is killed mid-result rejects with OperationalError; the pool recovers', async () => {
    const id = await sessionOf(db)
    let seen = 0
    const err = await settle(
      (async () => {
        for await (const _ of db.Page.orderBy('n').iterator({ chunkSize: 100 })) {
          if (++seen === 1) {
            await admin.query(sql`KILL ${sql.unsafe(String(id))}`)
            await pause(200)
          }
        }
      })(),
    )
    expect(err).toBeInstanceOf(OperationalError)
    // What failed: the driver's error, or the code of one quarry detected before sending.
    expect((err as DatabaseError).unsafeDriverError() ?? (err as DatabaseError).vendorCode).toBeDefined()
    expect(seen).toBeLessThan(PAGES)
    expect(await db.Page.count()).toBe(PAGES)
    let n = 0
    for await (const _ of db.Page.orderBy('n').iterator({ chunkSize: 1000 })) n++
    expect(n).toBe(PAGES)
  })
})
